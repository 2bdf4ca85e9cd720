#!/bin/bash
# vm: (default topology: intel-iommu, ACS root ports, NVMe SR-IOV PF at 01:00.0)
# timeout: 300
# `sriovctl check` on a healthy host: every finding about the NVMe PF passes (SR-IOV ready, ACS on
# root port 00:04.0, alone in its group, viable). As nobody, config space is unreadable past 64
# bytes: ACS and the SR-IOV capability are UNKNOWN (never pass/absent), exit 0 unless --strict.
. "$(dirname "$0")/lib.sh"

PF=0000:01:00.0 RP=0000:00:04.0
P=$(pcidev $PF)
G=$(group_of $PF)
NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/)
note "group $G: $(group_members "$G")"

section "sriovctl check $PF --json (root)"
if sc_ok check $PF --json; then
  expect_json "ok" .ok true
  expect_json "every finding about the PF passes" "[.findings[] | select(.subject == \"$PF\") | .severity] | unique" '["pass"]'
  expect_json "device checks" "[.findings[] | select(.subject == \"$PF\") | .check]" \
    '["sriov.capable","sriov.driver","sriov.vf_bars","sriov.bus_range","isolation.acs_path","iommu.group","group.viable","eswitch","owners.conflict"]'
  # The NVMe PF has no devlink eSwitch (legacy-only, a pass), and no other tool configures it.
  expect_json "eswitch: legacy-only" "[.findings[] | select(.subject == \"$PF\" and .check == \"eswitch\") | .severity]" '["pass"]'
  expect_json "acs path names the root port" "[.findings[] | select(.check == \"isolation.acs_path\") | .message]" \
    "[\"ACS isolates every hop: $RP\"]"
  expect_json "group reconciled" "[.findings[] | select(.check == \"iommu.group\") | .message]" \
    "[\"alone in IOMMU group $G, as the ACS path predicts\"]"
  expect_json "iommu.kernel" '[.findings[] | select(.check == "iommu.kernel") | .severity]' '["pass"]'
  expect_json "iommu.firmware (QEMU DMAR)" '[.findings[] | select(.check == "iommu.firmware") | .severity]' '["pass"]'
  expect_json "no fail anywhere" '[.findings[] | select(.severity == "fail")]' '[]'
  expect_json "hint null on passes" '[.findings[] | select(.severity == "pass") | .hint] | unique' '[null]'
fi

section "sriovctl check (text, every PF)"
sc_ok check && printf '%s\n' "$SC_OUT" | sed 's/^/       | /'

section "sriovctl check $PF as nobody"
SC_AS=("${NOBODY[@]}")
if sc_ok check $PF --json; then
  expect_json "ok" .ok true
  expect_json "acs path unknown" '[.findings[] | select(.check == "isolation.acs_path") | .severity]' '["unknown"]'
  expect_json "acs path hint" '[.findings[] | select(.check == "isolation.acs_path") | .hint | startswith("run as root")]' '[true]'
  expect_json "sriov capability unknown" '[.findings[] | select(.check == "sriov.capability") | .severity]' '["unknown"]'
  expect_json "no pass or absent from config space" \
    '[.findings[] | select(.check == "isolation.acs_path") | .message | test("absent|no ACS|isolates")]' '[false]'
  expect_json "group still from sysfs" '[.findings[] | select(.check == "iommu.group") | .severity]' '["pass"]'
fi
sc check $PF --strict
expect "exit status as nobody with --strict" "$SC_RC" 1
printf '%s\n' "$SC_OUT" | grep -E 'UNKNOWN|hint' | sed 's/^/       | /'
SC_AS=()
finish
