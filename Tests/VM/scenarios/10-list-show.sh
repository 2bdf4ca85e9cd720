#!/bin/bash
# vm: (default topology: IOMMU, ACS root ports, NVMe SR-IOV PF with 4 VFs at 01:00.0, plain NVMe at 02:00.0)
# timeout: 300
# `sriovctl list` and `show` against what the kernel (sysfs) and lspci say, with 2 VFs enabled.
. "$(dirname "$0")/lib.sh"

PF=0000:01:00.0 RP=0000:00:04.0 NVME2=0000:02:00.0 RP2=0000:00:05.0
P=$(pcidev $PF)

section "enable 2 VFs on $PF by writing sysfs (autoprobe 0: QEMU's NVMe VFs are offline controllers)"
echo 0 >"$P/sriov_drivers_autoprobe" && ok "sriov_drivers_autoprobe=0" || fail "cannot write sriov_drivers_autoprobe"
echo 2 >"$P/sriov_numvfs" && ok "sriov_numvfs=2" || fail "cannot write sriov_numvfs=2"
wait_for 20 "virtfn1 on $PF" test -e "$P/virtfn1/physfn"
VF0=$(link_base "$P/virtfn0") VF1=$(link_base "$P/virtfn1")
note "virtfn0 -> $VF0 (group $(group_of "$VF0")), virtfn1 -> $VF1 (group $(group_of "$VF1"))"
for d in $PF $VF0 $VF1 $RP $NVME2 $RP2; do note "$d iommu group $(group_of $d): $(group_members "$(group_of $d)")"; done
LSPCI_PF=$(lspci_v $PF)
printf '%s\n' "$LSPCI_PF" | sed -n '/SR-IOV/,/VF Migration\|Device ID/p' | sed 's/^/       lspci| /'
LSPCI_RP=$(lspci_v $RP)
printf '%s\n' "$LSPCI_RP" | grep -E 'Access Control|ACSCap|ACSCtl' | sed 's/^/       lspci| /'
lsval() { printf '%s\n' "$LSPCI_PF" | grep -m1 -o "$1 [0-9a-f]*" | awk '{print $NF}'; }
LS_INITIAL=$(lsval 'Initial VFs:') LS_TOTAL=$(lsval 'Total VFs:') LS_NUM=$(lsval 'Number of VFs:')
LS_OFFSET=$(lsval 'VF offset:') LS_STRIDE=$(lsval 'stride:') LS_VFDEV=$(printf '%s\n' "$LSPCI_PF" | sed -n 's/.*stride: [0-9]*, Device ID: \([0-9a-f]*\).*/\1/p')
LS_PAGES=$(printf '%s\n' "$LSPCI_PF" | sed -n 's/.*Supported Page Size: \([0-9a-f]*\), System Page Size: \([0-9a-f]*\).*/\1 \2/p')
RP_CAP=$(printf '%s\n' "$LSPCI_RP" | acs_plus ACSCap) RP_CTL=$(printf '%s\n' "$LSPCI_RP" | acs_plus ACSCtl)
note "lspci: initial=$LS_INITIAL total=$LS_TOTAL num=$LS_NUM offset=$LS_OFFSET stride=$LS_STRIDE vf device=$LS_VFDEV pages=$LS_PAGES"
note "lspci: $RP ACSCap+ $RP_CAP ($(acs_word "$RP_CAP")), ACSCtl+ $RP_CTL ($(acs_word "$RP_CTL"))"
expect "lspci Number of VFs" "$LS_NUM" 2

section "sriovctl list --json --vfs"
if sc_ok list --json --vfs; then
  expect_json "one SR-IOV PF listed" '[.pfs[].address]' "[\"$PF\"]"
  pf='.pfs[0]'
  expect_json "vendor_id" "$pf.vendor_id" "$(js "$(hexid $P/vendor)")"
  expect_json "device_id" "$pf.device_id" "$(js "$(hexid $P/device)")"
  vendor_name=$(lspci -mm -s $PF | awk -F'"' '{print $4}') device_name=$(lspci -mm -s $PF | awk -F'"' '{print $6}')
  expect_json "vendor_name (lspci -mm)" "$pf.vendor_name" "$(js "$vendor_name")"
  expect_json "device_name (lspci -mm)" "$pf.device_name" "$(js "$device_name")"
  expect_json "driver" "$pf.driver" "$(js "$(link_base $P/driver)")"
  expect_json "netdevs" "$pf.netdevs" "$(netdevs_of $PF)"
  numa=$(<"$P/numa_node"); [[ $numa == -1 ]] && numa=null
  expect_json "numa_node (sysfs $(<"$P/numa_node"))" "$pf.numa_node" "$numa"
  expect_json "total_vfs (sysfs sriov_totalvfs)" "$pf.total_vfs" "$(<"$P/sriov_totalvfs")"
  expect_json "num_vfs (sysfs sriov_numvfs)" "$pf.num_vfs" "$(<"$P/sriov_numvfs")"
  expect_json "iommu_group" "$pf.iommu_group" "$(group_of $PF)"
  expect_json "number of vfs" "$pf.vfs | length" 2
  i=0
  for vf in $VF0 $VF1; do
    v="$pf.vfs[$i]"
    expect_json "vf $i index" "$v.index" $i
    expect_json "vf $i address (virtfn$i link)" "$v.address" "$(js "$vf")"
    expect_json "vf $i device_id" "$v.device_id" "$(js "$(hexid "$(pcidev "$vf")/device")")"
    expect_json "vf $i driver (none: autoprobe 0)" "$v.driver" null
    expect_json "vf $i netdevs" "$v.netdevs" '[]'
    expect_json "vf $i iommu_group" "$v.iommu_group" "$(group_of "$vf")"
    i=$((i + 1))
  done
  jdone
fi

section "sriovctl show $PF --json"
if sc_ok show $PF --json; then
  d=.device
  expect_json "address" "$d.address" "$(js $PF)"
  expect_json "kind" "$d.kind" '"pf"'
  expect_json "vendor_id" "$d.vendor_id" "$(js "$(hexid $P/vendor)")"
  expect_json "device_id" "$d.device_id" "$(js "$(hexid $P/device)")"
  expect_json "class (sysfs $(<"$P/class"))" "$d.class" "$(js "$(hexid $P/class)")"
  expect_json "driver" "$d.driver" "$(js "$(link_base $P/driver)")"
  expect_json "netdevs" "$d.netdevs" '[]'
  expect_json "numa_node" "$d.numa_node" null
  expect_json "physfn" "$d.physfn" null
  expect_json "port_type (lspci: $(printf '%s\n' "$LSPCI_PF" | grep -m1 -o 'Express (v[0-9]) [A-Za-z ]*'))" "$d.port_type" '"endpoint"'
  expect_json "iommu_group.id" "$d.iommu_group.id" "$(group_of $PF)"
  expect_json "iommu_group.members (/sys/kernel/iommu_groups)" "$d.iommu_group.members" "$(group_members "$(group_of $PF)")"
  s=$d.sriov
  expect_json "sriov.initial_vfs (lspci Initial VFs)" "$s.initial_vfs" "$LS_INITIAL"
  expect_json "sriov.total_vfs (lspci Total VFs)" "$s.total_vfs" "$LS_TOTAL"
  expect_json "sriov.num_vfs (lspci Number of VFs)" "$s.num_vfs" "$LS_NUM"
  expect_json "sriov.num_vfs (sysfs sriov_numvfs)" "$s.num_vfs" "$(<"$P/sriov_numvfs")"
  expect_json "sriov.vf_offset (lspci VF offset)" "$s.vf_offset" "$LS_OFFSET"
  expect_json "sriov.vf_offset (sysfs sriov_offset)" "$s.vf_offset" "$(<"$P/sriov_offset")"
  expect_json "sriov.vf_stride (lspci stride)" "$s.vf_stride" "$LS_STRIDE"
  expect_json "sriov.vf_stride (sysfs sriov_stride)" "$s.vf_stride" "$(<"$P/sriov_stride")"
  expect_json "sriov.vf_device_id (lspci Device ID)" "$s.vf_device_id" "$(js "$LS_VFDEV")"
  expect_json "sriov.vf_device_id (sysfs sriov_vf_device)" "$s.vf_device_id" "$(js "$(printf '%04x' 0x"$(<"$P/sriov_vf_device")")")"
  read -r sup sys <<<"$LS_PAGES"
  expect_json "sriov.supported_page_sizes (lspci $sup)" "$s.supported_page_sizes | hexnum" "$((16#$sup))"
  expect_json "sriov.system_page_size (lspci $sys)" "$s.system_page_size | hexnum" "$((16#$sys))"
  expect_json "sriov.max_vfs (sysfs sriov_totalvfs)" "$s.max_vfs" "$(<"$P/sriov_totalvfs")"
  expect_json "acs of the PF (no ACS capability on QEMU's nvme)" "$d.acs.status" '"absent"'
  expect_json "upstream[0] is the root port" "$d.upstream[0].address" "$(js $RP)"
  expect_json "upstream hops" "[$d.upstream[].address]" "[\"$RP\"]"
  expect_json "upstream[0].port_type" "$d.upstream[0].port_type" '"root_port"'
  expect_json "upstream[0].acs.status" "$d.upstream[0].acs.status" '"present"'
  expect_json "upstream[0].acs.cap (lspci ACSCap)" "$d.upstream[0].acs.cap" "$(js "$(acs_word "$RP_CAP")")"
  expect_json "upstream[0].acs.ctl (lspci ACSCtl)" "$d.upstream[0].acs.ctl" "$(js "$(acs_word "$RP_CTL")")"
  expect_json "upstream[0].acs.cap_flags (lspci ACSCap +)" "$d.upstream[0].acs.cap_flags" "$RP_CAP"
  expect_json "upstream[0].acs.ctl_flags (lspci ACSCtl +)" "$d.upstream[0].acs.ctl_flags" "$RP_CTL"
  expect_json "upstream[0].acs.cap (QEMU root port: 0x005f)" "$d.upstream[0].acs.cap" '"0x005f"'
  expect_json "upstream[0].acs.ctl (kernel with IOMMU: 0x001d)" "$d.upstream[0].acs.ctl" '"0x001d"'
  jdone
fi

section "sriovctl show ${PF#0000:} --json (short address)"
if sc_ok show "${PF#0000:}" --json; then
  expect_json "address" .device.address "$(js $PF)"
fi

section "sriovctl show $VF1 --json"
if sc_ok show "$VF1" --json; then
  d=.device
  expect_json "address" "$d.address" "$(js "$VF1")"
  expect_json "kind" "$d.kind" '"vf"'
  expect_json "physfn (sysfs physfn link)" "$d.physfn" "$(js "$(link_base "$(pcidev "$VF1")/physfn")")"
  expect_json "device_id" "$d.device_id" "$(js "$(hexid "$(pcidev "$VF1")/device")")"
  expect_json "driver" "$d.driver" null
  expect_json "iommu_group.id" "$d.iommu_group.id" "$(group_of "$VF1")"
  expect_json "iommu_group.members" "$d.iommu_group.members" "$(group_members "$(group_of "$VF1")")"
  expect_json "sriov (a VF has no SR-IOV capability)" "$d.sriov" null
  expect_json "upstream hops" "[$d.upstream[].address]" "[\"$RP\"]"
  jdone
fi

section "sriovctl show $NVME2 --json (NVMe without SR-IOV)"
if sc_ok show $NVME2 --json; then
  d=.device
  expect_json "kind" "$d.kind" '"endpoint"'
  expect_json "sriov" "$d.sriov" null
  expect_json "driver" "$d.driver" '"nvme"'
  expect_json "iommu_group.id" "$d.iommu_group.id" "$(group_of $NVME2)"
  expect_json "iommu_group.members" "$d.iommu_group.members" "$(group_members "$(group_of $NVME2)")"
  expect_json "upstream hops" "[$d.upstream[].address]" "[\"$RP2\"]"
fi

section "sriovctl show $RP --json (root port)"
if sc_ok show $RP --json; then
  d=.device
  expect_json "kind" "$d.kind" '"bridge"'
  expect_json "class (sysfs $(<"$(pcidev $RP)/class"))" "$d.class" "$(js "$(hexid "$(pcidev $RP)/class")")"
  expect_json "port_type" "$d.port_type" '"root_port"'
  expect_json "sriov" "$d.sriov" null
  expect_json "acs.status" "$d.acs.status" '"present"'
  expect_json "acs.cap (lspci)" "$d.acs.cap" "$(js "$(acs_word "$RP_CAP")")"
  expect_json "acs.ctl (lspci)" "$d.acs.ctl" "$(js "$(acs_word "$RP_CTL")")"
  expect_json "iommu_group.members" "$d.iommu_group.members" "$(group_members "$(group_of $RP)")"
  expect_json "upstream (root port: nothing above)" "$d.upstream" '[]'
fi

section "sriovctl list (text) and show (text) exit 0"
sc_ok list --vfs && printf '%s\n' "$SC_OUT" | sed 's/^/       | /'
sc_ok show $PF && printf '%s\n' "$SC_OUT" | sed 's/^/       | /'

section "disable the VFs again"
echo 0 >"$P/sriov_numvfs" && ok "sriov_numvfs=0" || fail "cannot write sriov_numvfs=0"
if sc_ok list --json --vfs; then
  expect_json "num_vfs after 0" '.pfs[0].num_vfs' 0
  expect_json "vfs after 0" '.pfs[0].vfs' '[]'
fi
finish
