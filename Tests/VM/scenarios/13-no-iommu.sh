#!/bin/bash
# vm: --no-iommu
# timeout: 300
# No IOMMU: no groups (iommu_group null everywhere), and the kernel leaves ACS Control all
# zero on the root ports (ACS capable, not enabled).
. "$(dirname "$0")/lib.sh"

PF=0000:01:00.0 RP=0000:00:04.0
P=$(pcidev $PF)

section "the kernel's view"
n=$(ls /sys/class/iommu | wc -l); expect "IOMMU units in /sys/class/iommu" "$n" 0
n=$(ls /sys/kernel/iommu_groups | wc -l); expect "IOMMU groups" "$n" 0
LSPCI_RP=$(lspci_v $RP)
printf '%s\n' "$LSPCI_RP" | grep -E 'ACSCap|ACSCtl' | sed 's/^/       lspci| /'
RP_CAP=$(printf '%s\n' "$LSPCI_RP" | acs_plus ACSCap) RP_CTL=$(printf '%s\n' "$LSPCI_RP" | acs_plus ACSCtl)
expect "lspci ACSCtl flags set" "$RP_CTL" '[]'
echo 0 >"$P/sriov_drivers_autoprobe"
echo 2 >"$P/sriov_numvfs" && ok "sriov_numvfs=2" || fail "cannot write sriov_numvfs=2"
wait_for 20 "virtfn1 on $PF" test -e "$P/virtfn1/physfn"
VF1=$(link_base "$P/virtfn1")

section "sriovctl show $PF --json"
if sc_ok show $PF --json; then
  expect_json "iommu_group" .device.iommu_group null
  expect_json "upstream[0].acs.status" '.device.upstream[0].acs.status' '"present"'
  expect_json "upstream[0].acs.cap (lspci ACSCap)" '.device.upstream[0].acs.cap' "$(js "$(acs_word "$RP_CAP")")"
  expect_json "upstream[0].acs.cap (QEMU: 0x005f)" '.device.upstream[0].acs.cap' '"0x005f"'
  expect_json "upstream[0].acs.ctl (no IOMMU: 0x0000)" '.device.upstream[0].acs.ctl' '"0x0000"'
  expect_json "upstream[0].acs.ctl_flags" '.device.upstream[0].acs.ctl_flags' '[]'
  expect_json "sriov.vfs iommu groups" '[.device.sriov.vfs[].iommu_group]' '[null,null]'
fi

section "sriovctl show $RP --json"
if sc_ok show $RP --json; then
  expect_json "acs.status" .device.acs.status '"present"'
  expect_json "acs.ctl (lspci ACSCtl)" .device.acs.ctl "$(js "$(acs_word "$RP_CTL")")"
  expect_json "iommu_group" .device.iommu_group null
fi

section "sriovctl show $VF1 --json"
if sc_ok show "$VF1" --json; then
  expect_json "kind" .device.kind '"vf"'
  expect_json "iommu_group" .device.iommu_group null
fi

section "sriovctl list --json --vfs"
if sc_ok list --json --vfs; then
  expect_json "PF iommu_group" '.pfs[0].iommu_group' null
  expect_json "VF iommu_groups" '[.pfs[0].vfs[].iommu_group]' '[null,null]'
  expect_json "num_vfs" '.pfs[0].num_vfs' 2
fi
finish
