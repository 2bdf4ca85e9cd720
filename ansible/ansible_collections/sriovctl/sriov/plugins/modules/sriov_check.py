#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 sriovctl developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: sriov_check
short_description: SR-IOV preflight with sriovctl check; fails the host on failing findings
version_added: 0.1.0
description:
  - Runs C(sriovctl check [DEVICE...] --json) on the managed host, which checks CPU virtualization, firmware and
    kernel IOMMU, kernel command line, interrupt remapping, vfio; per device SR-IOV readiness, VF
    BARs and bus numbers, ACS on every hop to the root, the IOMMU group and its viability.
  - Fails the host when sriovctl says the check failed (C(ok=false)), that is on a FAIL finding, or with
    O(strict=true) also a WARN or UNKNOWN one. C(msg) lists those findings, each with its hint.
  - Returns every finding for reporting. Read-only; the same in check mode.
author:
  - sriovctl developers (!UNKNOWN)
extends_documentation_fragment:
  - sriovctl.sriov.sriovctl
  - sriovctl.sriov.sriovctl.read_only
options:
  devices:
    description:
      - PCI addresses (C(0000:3b:00.0) or C(3b:00.0)) or interface names to check; default every SR-IOV PF.
    type: list
    elements: str
    default: []
  strict:
    description:
      - Also fail on WARN and UNKNOWN findings (C(--strict)).
    type: bool
    default: false
seealso:
  - module: sriovctl.sriov.sriov_facts
  - module: sriovctl.sriov.sriov_apply
'''

EXAMPLES = r'''
- name: Preflight every SR-IOV PF and the host
  sriovctl.sriov.sriov_check:

- name: Strict preflight of the PFs that will carry guest VFs
  sriovctl.sriov.sriov_check:
    devices: [enp59s0f0, "0000:01:00.0"]
    strict: true

- name: Report warnings without failing the host
  sriovctl.sriov.sriov_check:
  register: preflight
  ignore_errors: true

- name: List them
  ansible.builtin.debug:
    msg: "{{ preflight.findings | rejectattr('severity', 'equalto', 'pass') | map(attribute='message') }}"
'''

RETURN = r'''
msg:
  description: A summary (counts per severity) and, on failure, each failing finding with its hint.
  returned: always
  type: str
  sample: "sriovctl check: 9 pass, 0 warn, 2 fail, 2 unknown; failing: iommu.kernel (host): kernel IOMMU not active ..."
ok:
  description: sriovctl's verdict (false when a finding fails; with O(strict=true) also when one warns or is unknown).
  returned: success or when sriovctl printed its JSON
  type: bool
  sample: true
findings:
  description: Every finding, as sriovctl's JSON has it (C(check), C(subject), C(severity), C(message), C(hint)).
  returned: success or when sriovctl printed its JSON
  type: list
  elements: dict
  sample:
    - check: iommu.kernel
      subject: host
      severity: pass
      message: "kernel IOMMU active: 1 unit(s) (dmar0)"
      hint: null
counts:
  description: The number of findings per severity.
  returned: success or when sriovctl printed its JSON
  type: dict
  sample: {pass: 12, warn: 1, fail: 0, unknown: 1}
failing:
  description: The findings that fail the check (C(fail), plus C(warn) and C(unknown) with O(strict=true)).
  returned: success or when sriovctl printed its JSON
  type: list
  elements: dict
  sample: []
cmd:
  description: The command that ran.
  returned: always
  type: list
  elements: str
  sample: [/usr/bin/sriovctl, check, --json]
rc:
  description: sriovctl's exit status.
  returned: always
  type: int
  sample: 0
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.sriovctl.sriov.plugins.module_utils.sriovctl import COMMON_ARGUMENT_SPEC, Sriovctl

SEVERITIES = ('pass', 'warn', 'fail', 'unknown')


def main():
    argument_spec = dict(
        devices=dict(type='list', elements='str', default=[]),
        strict=dict(type='bool', default=False),
    )
    argument_spec.update(COMMON_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    tool = Sriovctl(module)

    # '--' keeps a device named like an option from being read as one.
    run = tool.run(['check'] + (['--strict'] if module.params['strict'] else []) + ['--'] + module.params['devices'])
    doc = tool.require_document(run)
    findings = doc['findings']
    counts = dict((s, sum(1 for f in findings if f['severity'] == s)) for s in SEVERITIES)
    # Which severities fail is sriovctl's rule (help check: "EXIT STATUS"); this only picks them out for msg.
    failing_severities = ('fail', 'warn', 'unknown') if module.params['strict'] else ('fail',)
    failing = [f for f in findings if f['severity'] in failing_severities]
    summary = 'sriovctl check: ' + ', '.join('%d %s' % (counts[s], s) for s in SEVERITIES)
    fields = dict(changed=False, ok=doc['ok'], findings=findings, counts=counts, failing=failing, cmd=run.argv, rc=run.rc)
    if not doc['ok']:
        detail = '; '.join('%s (%s): %s%s' % (f['check'], f['subject'], f['message'],
                                              ' (hint: %s)' % f['hint'] if f.get('hint') else '') for f in failing)
        module.fail_json(msg='%s; failing: %s' % (summary, detail), **fields)
    module.exit_json(msg=summary, **fields)


if __name__ == '__main__':
    main()
