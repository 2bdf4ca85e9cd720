# -*- coding: utf-8 -*-
# Copyright (c) 2026 sriovctl developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # Options every module of the collection takes.
    DOCUMENTATION = r'''
options:
  root:
    description:
      - Host root to read and write (the tool's C(--root)); sysfs is O(root)/sys, procfs O(root)/proc.
      - A capture made by C(sriovctl capture), or a test fixture. When left out, sriovctl uses
        E(SRIOVCTL_ROOT) from the module's environment, else C(/).
    type: path
  binary:
    description:
      - The sriovctl executable on the managed host.
      - When left out, C(sriovctl) is looked up on E(PATH) and in C(/sbin), C(/usr/sbin), C(/usr/local/sbin).
    type: path
requirements:
  - sriovctl on the managed host, printing JSON C(schema_version) 1 (sriovctl 0.1 or later).
notes:
  - The modules refuse, with a message naming both versions, an sriovctl whose JSON C(schema_version) they do not know.
  - The modules run sriovctl without a shell, with a parsable locale so that kernel error texts stay in English.
'''

    # Attributes of the modules that only read (sriov_facts, sriov_check).
    READ_ONLY = r'''
attributes:
  check_mode:
    support: full
    description: Reads only; runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to diff.
'''
