#!/bin/bash
# vm: --no-acs
# timeout: 300
# Root ports without ACS (disable-acs=on): the kernel puts root port, PF and VFs in one IOMMU
# group, and `show` reports ACS absent on the port.
. "$(dirname "$0")/lib.sh"

PF=0000:01:00.0 RP=0000:00:04.0
P=$(pcidev $PF)

section "the kernel's view"
if lspci_v $RP | grep -q 'Access Control Services'; then fail "lspci shows an ACS capability on $RP"
else ok "lspci: no Access Control Services capability on $RP"; fi
echo 0 >"$P/sriov_drivers_autoprobe"
echo 2 >"$P/sriov_numvfs" && ok "sriov_numvfs=2" || fail "cannot write sriov_numvfs=2"
wait_for 20 "virtfn1 on $PF" test -e "$P/virtfn1/physfn"
VF0=$(link_base "$P/virtfn0") VF1=$(link_base "$P/virtfn1")
G=$(group_of $PF)
note "group $G: $(group_members "$G")"
expect "root port in the PF's group" "$(group_of $RP)" "$G"
expect "VFs in the PF's group" "$(group_of "$VF0") $(group_of "$VF1")" "$G $G"

section "sriovctl show $RP --json"
if sc_ok show $RP --json; then
  expect_json "kind" .device.kind '"bridge"'
  expect_json "acs.status" .device.acs.status '"absent"'
  expect_json "acs.cap" .device.acs.cap null
  expect_json "acs.ctl" .device.acs.ctl null
  expect_json "iommu_group.members" .device.iommu_group.members "$(group_members "$G")"
fi

section "sriovctl show $PF --json"
if sc_ok show $PF --json; then
  expect_json "upstream[0].address" '.device.upstream[0].address' "$(js $RP)"
  expect_json "upstream[0].acs.status" '.device.upstream[0].acs.status' '"absent"'
  expect_json "iommu_group.id" .device.iommu_group.id "$G"
  expect_json "iommu_group.members (root port, PF, VFs)" .device.iommu_group.members "$(group_members "$G")"
  expect_json "sriov.vfs iommu groups" '[.device.sriov.vfs[].iommu_group]' "[$G,$G]"
fi

section "sriovctl show $VF1 --json"
if sc_ok show "$VF1" --json; then
  expect_json "iommu_group.members" .device.iommu_group.members "$(group_members "$G")"
  expect_json "upstream[0].acs.status" '.device.upstream[0].acs.status' '"absent"'
fi

section "sriovctl list --json --vfs"
if sc_ok list --json --vfs; then
  expect_json "PF group" '.pfs[0].iommu_group' "$G"
  expect_json "VF groups" '[.pfs[0].vfs[].iommu_group]' "[$G,$G]"
fi
finish
