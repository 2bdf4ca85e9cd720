#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 sriovctl developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: sriov_persist
short_description: Apply the SR-IOV desired state at every boot, with sriovctl persist
version_added: 0.1.0
description:
  - Runs C(sriovctl persist -f FILE --json) on the managed host. sriovctl checks the file (nothing
    is written if it has an error), installs it as C(/etc/sriovctl/desired-state.yaml) with the
    systemd unit C(sriovctl.service) that runs C(sriovctl apply) early at boot, and its enable link.
  - Each file is written whole; the same state again changes nothing (C(changed=false)).
  - In check mode runs C(persist --dry-run), which writes nothing and says what would change.
author:
  - sriovctl developers (!UNKNOWN)
extends_documentation_fragment:
  - sriovctl.sriov.sriovctl
attributes:
  check_mode:
    support: full
    description: Runs C(sriovctl persist --dry-run), which writes nothing.
  diff_mode:
    support: none
    description: sriovctl reports which files change, not their content; see RV(files).
options:
  state:
    description:
      - The desired state, inline, as for M(sriovctl.sriov.sriov_apply); installed as JSON text (which the YAML reader accepts).
      - Mutually exclusive with O(src).
    type: dict
  src:
    description:
      - Path of a desired-state file on the managed host. Mutually exclusive with O(state).
    type: path
notes:
  - RV(binary_present) is false when the sriovctl the unit runs is not installed under O(root); sriovctl's
    warning says which path it expected.
  - Drivers the state names (e.g. C(vfio-pci)) must load at boot; list them in C(/etc/modules-load.d/).
  - Run C(systemctl daemon-reload) (M(ansible.builtin.systemd_service) with C(daemon_reload=true)) when C(changed) is true.
seealso:
  - module: sriovctl.sriov.sriov_apply
'''

EXAMPLES = r'''
- name: Apply the same state at boot
  sriovctl.sriov.sriov_persist:
    src: /etc/sriov/want.yaml
  register: persisted

- name: Let systemd see the unit
  ansible.builtin.systemd_service:
    daemon_reload: true
  when: persisted.changed
'''

RETURN = r'''
msg:
  description: Which files changed, or sriovctl's one-line error.
  returned: always
  type: str
  sample: "changed: /etc/sriovctl/desired-state.yaml"
hint:
  description: sriovctl's C(hint) line for the error, else V(null).
  returned: always
  type: str
  sample: null
files:
  description: Each file sriovctl installs, with C(path) (inside O(root)), C(kind) (V(file) or V(symlink)) and C(changed).
  returned: success
  type: list
  elements: dict
  sample:
    - {path: /etc/sriovctl/desired-state.yaml, kind: file, changed: true}
    - {path: /etc/systemd/system/sriovctl.service, kind: file, changed: false}
    - {path: /etc/systemd/system/multi-user.target.wants/sriovctl.service, kind: symlink, changed: false}
binary_present:
  description: Whether the sriovctl the unit runs is installed under O(root).
  returned: success
  type: bool
  sample: true
binary:
  description: The sriovctl the unit runs (C(/usr/bin/sriovctl), or C(/usr/local/bin/sriovctl) after C(make install)).
  returned: success, when sriovctl reports it (sriovctl releases after 0.1.0)
  type: str
  sample: /usr/bin/sriovctl
unit:
  description: The systemd unit's text.
  returned: success
  type: str
cmd:
  description: The command that ran.
  returned: always
  type: list
  elements: str
  sample: [/usr/bin/sriovctl, persist, -f, /etc/sriov/want.yaml, --json]
rc:
  description: sriovctl's exit status.
  returned: always
  type: int
  sample: 0
'''

from ansible_collections.sriovctl.sriov.plugins.module_utils.sriovctl import Sriovctl, desired_state_module, desired_state_path


def main():
    module = desired_state_module()
    tool = Sriovctl(module)
    src = desired_state_path(module)
    run = tool.run(['persist', '-f', src] + (['--dry-run'] if module.check_mode else []))
    doc = tool.require_document(run, changed=False)
    outcome = doc['result']
    if run.rc != 0:
        tool.fail(run, changed=outcome['changed'], files=outcome['files'])
    changed_files = [f['path'] for f in outcome['files'] if f['changed']]
    msg = ('changed: ' + ', '.join(changed_files)) if changed_files else 'unchanged: the files are installed'
    fields = dict(files=outcome['files'], binary_present=outcome['binary_present'], unit=outcome['unit'])
    if 'binary' in outcome:  # added to the schema after sriovctl 0.1.0 (keys are only ever added)
        fields['binary'] = outcome['binary']
    module.exit_json(changed=outcome['changed'], msg=msg, hint=None, cmd=run.argv, rc=run.rc, **fields)


if __name__ == '__main__':
    main()
