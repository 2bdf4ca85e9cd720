#!/bin/bash
# vm: --igb
# timeout: 300
# An SR-IOV NIC (QEMU 10's igb, an 82576): the driver caps sysfs sriov_totalvfs at 7 while
# the capability says 8; netdev names resolve to the PF and to VFs.
. "$(dirname "$0")/lib.sh"

PF=0000:03:00.0 RP=0000:00:06.0 NVME=0000:01:00.0
P=$(pcidev $PF)

section "the igb PF $PF"
wait_for 20 "a netdev on $PF (igb)" test -d "$P/net"
NETDEV=$(ls "$P/net" | head -n1)
note "driver $(link_base "$P/driver"), netdev $NETDEV, sriov_totalvfs $(<"$P/sriov_totalvfs")"
LSPCI_PF=$(lspci_v $PF)
printf '%s\n' "$LSPCI_PF" | grep -E 'Initial VFs|VF offset' | sed 's/^/       lspci| /'
LS_TOTAL=$(printf '%s\n' "$LSPCI_PF" | sed -n 's/.*Total VFs: \([0-9]*\),.*/\1/p')
expect "lspci Total VFs (config space)" "$LS_TOTAL" 8
expect "sysfs sriov_totalvfs (igb caps it)" "$(<"$P/sriov_totalvfs")" 7
expect "driver" "$(link_base "$P/driver")" igb

section "sriovctl show $PF --json"
if sc_ok show $PF --json; then
  d=.device
  expect_json "kind" "$d.kind" '"pf"'
  expect_json "vendor_id:device_id" "\"\($d.vendor_id):\($d.device_id)\"" '"8086:10c9"'
  expect_json "driver" "$d.driver" '"igb"'
  expect_json "netdevs (sysfs net/)" "$d.netdevs" "$(netdevs_of $PF)"
  expect_json "sriov.total_vfs (config space TotalVFs)" "$d.sriov.total_vfs" 8
  expect_json "sriov.max_vfs (sysfs sriov_totalvfs)" "$d.sriov.max_vfs" 7
  expect_json "sriov.vf_device_id (sysfs sriov_vf_device)" "$d.sriov.vf_device_id" "$(js "$(<"$P/sriov_vf_device")")"
  expect_json "iommu_group.members" "$d.iommu_group.members" "$(group_members "$(group_of $PF)")"
  expect_json "upstream hops" "[$d.upstream[].address]" "[\"$RP\"]"
  expect_json "upstream[0].acs.status" "$d.upstream[0].acs.status" '"present"'
fi

section "sriovctl list --json"
if sc_ok list --json; then
  expect_json "PFs listed (igb and the NVMe)" '[.pfs[].address] | sort' "[\"$NVME\",\"$PF\"]"
  expect_json "igb total_vfs (sysfs sriov_totalvfs)" ".pfs[] | select(.address == \"$PF\") | .total_vfs" 7
  expect_json "igb netdevs" ".pfs[] | select(.address == \"$PF\") | .netdevs" "$(netdevs_of $PF)"
  expect_json "igb num_vfs" ".pfs[] | select(.address == \"$PF\") | .num_vfs" 0
fi

section "sriovctl show $NETDEV --json (netdev name)"
if sc_ok show "$NETDEV" --json; then
  expect_json "resolves to the PF" .device.address "$(js $PF)"
  expect_json "kind" .device.kind '"pf"'
fi

section "enable 2 VFs (autoprobe on: igbvf binds, each VF gets a netdev)"
echo 2 >"$P/sriov_numvfs" && ok "sriov_numvfs=2" || fail "cannot write sriov_numvfs=2"
wait_for 30 "igbvf on virtfn1 with a netdev" test -d "$P/virtfn1/net"
VF0=$(link_base "$P/virtfn0") VF1=$(link_base "$P/virtfn1")
VF1_NETDEV=$(ls "$(pcidev "$VF1")/net" | head -n1)
note "virtfn0 $VF0 driver $(link_base "$(pcidev "$VF0")/driver") netdevs $(netdevs_of "$VF0"); virtfn1 $VF1 driver $(link_base "$(pcidev "$VF1")/driver") netdevs $(netdevs_of "$VF1")"
expect "VF offset (sysfs sriov_offset)" "$(<"$P/sriov_offset")" 128
expect "VF stride (sysfs sriov_stride)" "$(<"$P/sriov_stride")" 2
if sc_ok list --json --vfs; then
  pf=".pfs[] | select(.address == \"$PF\")"
  expect_json "num_vfs" "$pf | .num_vfs" 2
  expect_json "VF addresses (virtfn links)" "[$pf | .vfs[].address]" "[\"$VF0\",\"$VF1\"]"
  expect_json "VF drivers" "[$pf | .vfs[].driver]" '["igbvf","igbvf"]'
  expect_json "vf 0 netdevs" "$pf | .vfs[0].netdevs" "$(netdevs_of "$VF0")"
  expect_json "vf 1 netdevs" "$pf | .vfs[1].netdevs" "$(netdevs_of "$VF1")"
  expect_json "VF iommu groups" "[$pf | .vfs[].iommu_group]" "[$(group_of "$VF0"),$(group_of "$VF1")]"
fi
if sc_ok show $PF --json; then
  expect_json "sriov.num_vfs (config space)" .device.sriov.num_vfs 2
  expect_json "sriov.vf_offset" .device.sriov.vf_offset 128
  expect_json "sriov.vf_stride" .device.sriov.vf_stride 2
fi

section "sriovctl show $VF1_NETDEV --json (a VF's netdev)"
if sc_ok show "$VF1_NETDEV" --json; then
  expect_json "resolves to the VF" .device.address "$(js "$VF1")"
  expect_json "kind" .device.kind '"vf"'
  expect_json "physfn" .device.physfn "$(js $PF)"
  expect_json "driver" .device.driver '"igbvf"'
  expect_json "netdevs" .device.netdevs "[\"$VF1_NETDEV\"]"
  expect_json "iommu_group.id" .device.iommu_group.id "$(group_of "$VF1")"
fi
section "netdevs come from device/net: /sys/class/net hidden by an empty directory"
# The kernel defines a function's netdevs by its net/ directory; sys/class/net is only a view.
HIDE=$(mktemp -d)
if mount --bind "$HIDE" /sys/class/net; then
  ok "/sys/class/net hidden ($(ls /sys/class/net | wc -l) entries)"
  if sc_ok list --json --vfs; then
    pf=".pfs[] | select(.address == \"$PF\")"
    expect_json "igb netdevs (from $P/net)" "$pf | .netdevs" "$(netdevs_of $PF)"
    expect_json "vf 1 netdevs" "$pf | .vfs[1].netdevs" "$(netdevs_of "$VF1")"
  fi
  if sc_ok show $PF --json; then
    expect_json "show netdevs" .device.netdevs "$(netdevs_of $PF)"
  fi
  if sc_ok show "$NETDEV" --json; then
    expect_json "$NETDEV still resolves (the function whose net/ holds it)" .device.address "$(js $PF)"
  fi
  umount /sys/class/net && ok "/sys/class/net back" || fail "cannot unmount /sys/class/net"
else
  fail "cannot bind-mount over /sys/class/net"
fi
echo 0 >"$P/sriov_numvfs" && ok "sriov_numvfs=0" || fail "cannot write sriov_numvfs=0"
finish
