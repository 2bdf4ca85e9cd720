#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 sriovctl developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: sriov_facts
short_description: SR-IOV physical and virtual functions as facts, from sriovctl
version_added: 0.1.0
description:
  - Runs C(sriovctl list --vfs --json) on the managed host and sets C(ansible_facts.sriov) from its output.
  - Each PF carries its PCI identity, driver, netdevs, NUMA node, C(total_vfs), C(num_vfs),
    C(drivers_autoprobe), IOMMU group, its VFs (address, driver, netdevs, IOMMU group, settings)
    and the source of the VF settings, exactly as sriovctl's JSON (docs/json-schema.md) has them.
  - With O(preflight=true) also runs C(sriovctl check --json) and adds its findings.
  - Read-only; the same in check mode.
author:
  - sriovctl developers (!UNKNOWN)
extends_documentation_fragment:
  - sriovctl.sriov.sriovctl
  - sriovctl.sriov.sriovctl.read_only
attributes:
  facts:
    support: full
    description: Sets C(ansible_facts.sriov).
options:
  all:
    description:
      - Also list every PCI network function without SR-IOV (C(list --all)), with C(sriov_capable=false).
    type: bool
    default: false
  preflight:
    description:
      - Also run C(sriovctl check --json) (every SR-IOV PF and the host) into C(ansible_facts.sriov.preflight).
      - Failing findings do not fail this module; use M(sriovctl.sriov.sriov_check) to gate a play.
    type: bool
    default: false
seealso:
  - module: sriovctl.sriov.sriov_check
  - module: sriovctl.sriov.sriov_apply
'''

EXAMPLES = r'''
- name: Gather SR-IOV facts
  sriovctl.sriov.sriov_facts:

- name: VF count of the PF behind enp59s0f0
  ansible.builtin.debug:
    msg: "{{ (ansible_facts.sriov.pfs | selectattr('netdevs', 'contains', 'enp59s0f0') | first).num_vfs }}"

- name: Addresses of every VF bound to vfio-pci
  ansible.builtin.debug:
    msg: "{{ ansible_facts.sriov.pfs | map(attribute='vfs') | flatten | selectattr('driver', 'equalto', 'vfio-pci') | map(attribute='address') }}"

- name: Facts plus the preflight findings, from a capture of another host
  sriovctl.sriov.sriov_facts:
    root: /srv/captures/host42
    preflight: true
'''

RETURN = r'''
ansible_facts:
  description: Facts to add to C(ansible_facts).
  returned: always
  type: complex
  contains:
    sriov:
      description:
        - The output of C(sriovctl list --vfs --json), plus C(preflight) when asked.
        - Unknown values are V(null), never V(0) or an empty string (sriovctl's JSON convention).
      returned: always
      type: complex
      contains:
        schema_version:
          description: The JSON schema version of sriovctl's output.
          type: int
          returned: always
          sample: 1
        pfs:
          description:
            - One entry per SR-IOV PF (and per other network function with O(all=true)), in PCI address order.
            - Keys as in sriovctl's C(list) JSON; C(vfs[].settings) and C(vf_settings) are V(null) unless
              read from the kernel (O(root) unset or C(/)) or from a capture's stored dump.
          type: list
          elements: dict
          returned: always
          sample:
            - address: "0000:3b:00.0"
              vendor_id: "8086"
              device_id: "1572"
              vendor_name: Intel Corporation
              device_name: Ethernet Controller X710 for 10GbE SFP+
              driver: i40e
              netdevs: [enp59s0f0]
              numa_node: 0
              sriov_capable: true
              total_vfs: 64
              num_vfs: 1
              drivers_autoprobe: true
              iommu_group: 4
              vfs:
                - index: 0
                  address: "0000:3b:02.0"
                  device_id: "154c"
                  driver: iavf
                  netdevs: [enp59s0f0v0]
                  iommu_group: 6
                  settings: null
              vf_settings: null
        preflight:
          description: The output of C(sriovctl check --json) (C(ok) and C(findings)), with O(preflight=true).
          type: dict
          returned: when O(preflight=true)
          sample:
            ok: false
            findings:
              - check: iommu.kernel
                subject: host
                severity: fail
                message: "kernel IOMMU not active: no IOMMU units in /sys/class/iommu"
                hint: remove intel_iommu=off from the kernel command line and add intel_iommu=on, then reboot
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.sriovctl.sriov.plugins.module_utils.sriovctl import COMMON_ARGUMENT_SPEC, Sriovctl


def main():
    argument_spec = dict(
        all=dict(type='bool', default=False),
        preflight=dict(type='bool', default=False),
    )
    argument_spec.update(COMMON_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    tool = Sriovctl(module)

    listing = tool.run(['list', '--vfs'] + (['--all'] if module.params['all'] else []))
    doc = tool.require_document(listing)
    if listing.rc != 0:
        tool.fail(listing)
    facts = dict(schema_version=doc['schema_version'], pfs=doc['pfs'])

    if module.params['preflight']:
        # check exits 1 when a finding fails, and still prints its JSON.
        check = tool.run(['check'])
        findings = tool.require_document(check)
        facts['preflight'] = dict(ok=findings['ok'], findings=findings['findings'])

    module.exit_json(changed=False, ansible_facts=dict(sriov=facts))


if __name__ == '__main__':
    main()
