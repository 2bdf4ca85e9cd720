#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 sriovctl developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: sriov_apply
short_description: Make a host's SR-IOV match a desired-state file, with sriovctl apply
version_added: 0.1.0
description:
  - Runs C(sriovctl apply -f FILE --json) on the managed host. sriovctl reads the host, plans only
    what differs (autoprobe and VF counts, then VF drivers, then VF settings), runs the plan under
    its host lock, verifies each step, and on a failure rolls back what can be undone.
  - The desired state is the same document C(sriovctl apply) reads (docs/apply.md), given inline
    as O(state) or as a file O(src) on the managed host.
  - C(changed) is sriovctl's own C(changed) from its JSON, never guessed from the exit status.
  - In check mode runs C(apply --dry-run), which writes nothing; C(changed) says whether the plan
    has actions, and a change a real run would refuse (VFs in use without O(force)) fails the task.
  - With C(--diff), each planned (check mode) or applied action is one diff, C(from) before, C(to) after.
  - A refusal or failure fails the task with sriovctl's one-line message as C(msg), its C(hint),
    and the outcome of every action (applied, unchanged, rolled_back, failed, skipped).
author:
  - sriovctl developers (!UNKNOWN)
extends_documentation_fragment:
  - sriovctl.sriov.sriovctl
attributes:
  check_mode:
    support: full
    description: Runs C(sriovctl apply --dry-run), which writes nothing.
  diff_mode:
    support: full
    description: One before/after diff per planned or applied action.
options:
  state:
    description:
      - The desired state, inline (the document of docs/apply.md as YAML in the task, with C(version) and C(pfs)).
      - Written as JSON to the module's temporary directory on the managed host; sriovctl's error
        messages then name that file, with line numbers of its two-space indented JSON.
      - Mutually exclusive with O(src).
    type: dict
  src:
    description:
      - Path of a desired-state file (YAML or JSON) on the managed host, e.g. C(/etc/sriovctl/desired-state.yaml).
      - Mutually exclusive with O(state).
    type: path
  force:
    description:
      - Destroy or rebind VFs even when they are in use (C(--force)).
    type: bool
    default: false
  timeout:
    description:
      - Seconds to wait for VFs to appear and drivers to bind (C(--timeout)); sriovctl's default is 120.
    type: float
notes:
  - The module is idempotent because sriovctl is; a second run with the same state reports C(changed=false).
  - VF settings (MAC, VLAN, rates...) are set over rtnetlink on the live host only; under O(root)
    a capture's stored dump serves check mode, and a real run refuses them.
seealso:
  - module: sriovctl.sriov.sriov_facts
  - module: sriovctl.sriov.sriov_check
  - module: sriovctl.sriov.sriov_persist
'''

EXAMPLES = r'''
- name: 8 VFs on iavf behind enp59s0f0, VF 0 on vfio-pci with a MAC and VLAN; NVMe VFs for guests
  sriovctl.sriov.sriov_apply:
    state:
      version: 1
      pfs:
        - netdev: enp59s0f0
          vfs:
            count: 8
            driver: iavf
            per_vf:
              - vf: 0
                driver: vfio-pci
                mac: "02:00:00:00:00:10"
                vlan: 100
        - address: "0000:01:00.0"
          vfs:
            count: 4
            autoprobe: false
            driver: vfio-pci

- name: Apply the file already installed on the host, allowing VFs in use to be recreated
  sriovctl.sriov.sriov_apply:
    src: /etc/sriovctl/desired-state.yaml
    force: true
    timeout: 300
  register: sriov

- name: Show what became of each action
  ansible.builtin.debug:
    msg: "{{ sriov.actions | map(attribute='status') }}"
'''

RETURN = r'''
msg:
  description: sriovctl's summary (C(applied 2 change(s)), C(nothing to do...)) or, on failure, its one-line error.
  returned: always
  type: str
  sample: applied 1 change(s)
hint:
  description: sriovctl's C(hint) line for the error (how to fix it), else V(null).
  returned: always
  type: str
  sample: stop what uses them, or pass --force to destroy them anyway
actions:
  description:
    - Every planned action in order, as sriovctl's JSON has it, with C(status) added
      (V(planned) in check mode; else V(applied), V(unchanged), V(rolled_back), V(failed) or V(skipped))
      and C(error) (the failure, else V(null)).
    - Empty when sriovctl stopped before planning (an error in the file, a refusal, a busy host lock).
  returned: always
  type: list
  elements: dict
  sample:
    - pf: "0000:3b:00.1"
      kind: autoprobe
      vf: null
      address: null
      from: "1"
      to: "0"
      irreversible: false
      destroys: []
      description: "0000:3b:00.1: sriov_drivers_autoprobe 1 -> 0"
      status: applied
      error: null
outcome:
  description:
    - The C(result) object of C(sriovctl apply --json) unchanged (C(file), C(dry_run), C(planned),
      C(applied), C(unchanged), C(rolled_back), C(failed), C(skipped), C(destroys), C(refusals),
      C(changed), C(message)); see docs/json-schema.md.
  returned: when sriovctl printed its JSON (it does not for file errors, refusals of a real run and a busy lock)
  type: dict
destroys:
  description: VFs removed by count changes that ran (or would, in check mode).
  returned: always
  type: list
  elements: str
  sample: ["0000:3b:02.0", "0000:3b:02.1"]
cmd:
  description: The command that ran.
  returned: always
  type: list
  elements: str
  sample: [/usr/bin/sriovctl, apply, -f, /etc/sriovctl/desired-state.yaml, --json]
rc:
  description: sriovctl's exit status.
  returned: always
  type: int
  sample: 0
stderr:
  description: sriovctl's standard error.
  returned: always
  type: str
  sample: ""
'''

from ansible_collections.sriovctl.sriov.plugins.module_utils.sriovctl import (
    Sriovctl, action_diff, action_statuses, desired_state_module, desired_state_path,
)


def main():
    module = desired_state_module(dict(
        force=dict(type='bool', default=False),
        timeout=dict(type='float'),
    ))
    tool = Sriovctl(module)
    src = desired_state_path(module)

    args = ['apply', '-f', src]
    if module.check_mode:
        args.append('--dry-run')
    if module.params['force']:
        args.append('--force')
    if module.params['timeout'] is not None:
        args += ['--timeout', str(module.params['timeout'])]
    run = tool.run(args)
    # No JSON: a bad file, a real run's refusal, a busy lock. Fails with the tool's message and hint.
    doc = tool.require_document(run, changed=False, actions=[], destroys=[])
    outcome = doc['result']
    actions = action_statuses(outcome)
    fields = dict(
        changed=outcome['changed'],
        hint=run.hint,
        actions=actions,
        outcome=outcome,
        destroys=outcome['destroys'],
        cmd=run.argv,
        rc=run.rc,
        stderr=run.stderr,
    )
    if module._diff:
        shown = [a for a in actions if a['status'] in (('planned',) if module.check_mode else ('applied',))]
        fields['diff'] = [action_diff(a) for a in shown]
    if run.rc != 0:
        # A failed step (the rest rolled back or skipped), or a dry run that a real run would refuse.
        # `changed` stays the tool's: a step whose rollback failed left the host changed.
        module.fail_json(msg=run.error or outcome['message'], **fields)
    module.exit_json(msg=outcome['message'], **fields)


if __name__ == '__main__':
    main()
