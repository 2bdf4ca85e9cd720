#!/bin/bash
# vm: (default topology)
# timeout: 300
# As an unprivileged user the kernel exposes only the first 64 bytes of config space: ACS and
# the SR-IOV capability are unknown ("unreadable", null), never "absent" or 0, while everything
# sysfs tells (identity, driver, sriov_totalvfs/numvfs, VFs, IOMMU groups) is still reported.
. "$(dirname "$0")/lib.sh"

PF=0000:01:00.0 RP=0000:00:04.0
P=$(pcidev $PF)
NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/)

section "setup as root: 2 VFs; what an unprivileged user can read"
echo 0 >"$P/sriov_drivers_autoprobe"
echo 2 >"$P/sriov_numvfs" && ok "sriov_numvfs=2" || fail "cannot write sriov_numvfs=2"
wait_for 20 "virtfn1 on $PF" test -e "$P/virtfn1/physfn"
VF0=$(link_base "$P/virtfn0") VF1=$(link_base "$P/virtfn1")
expect "unprivileged read of $PF/config (bytes)" "$("${NOBODY[@]}" cat "$P/config" | wc -c)" 64
expect "root read of $PF/config (bytes)" "$(cat "$P/config" | wc -c)" 4096
"${NOBODY[@]}" id | sed 's/^/       as: /'
"${NOBODY[@]}" lspci -vvv -s $PF 2>&1 | grep -m2 -E 'Capabilities|access denied' | sed 's/^/       lspci as nobody| /'
[[ -x $SRIOVCTL ]] && "${NOBODY[@]}" test -x "$SRIOVCTL" && ok "nobody can execute $SRIOVCTL" || fail "nobody cannot execute $SRIOVCTL"

section "sriovctl show $PF --json as nobody"
SC_AS=("${NOBODY[@]}")
if sc_ok show $PF --json; then
  d=.device
  note "config_readable_bytes: $(jqv "$d.config_readable_bytes"), port_type: $(jqv "$d.port_type"), sriov.status: $(jqv "$d.sriov.status")"
  # config space beyond 64 bytes: unknown
  expect_json "acs.status" "$d.acs.status" '"unreadable"'
  expect_json "acs.cap" "$d.acs.cap" null
  # the live host: privilege is the cause (a capture would say what it lacks instead)
  expect_json "config_space.status" "$d.config_space.status" '"needs_privilege"'
  expect_json "config_space.bytes" "$d.config_space.bytes" 64
  expect_json "acs.reason names privilege" "$d.acs.reason | test(\"needs root\")" true
  expect_json "upstream[0].acs.status" "$d.upstream[0].acs.status" '"unreadable"'
  expect_json "upstream[0].acs.ctl" "$d.upstream[0].acs.ctl" null
  for f in initial_vfs total_vfs supported_page_sizes system_page_size; do
    expect_json "sriov.$f (config space only)" "$d.sriov.$f" null
  done
  # in config space and in sysfs: either unknown or the sysfs value
  expect_json "sriov.num_vfs (null or sysfs sriov_numvfs)" "$d.sriov.num_vfs | . == null or . == $(<"$P/sriov_numvfs")" true
  expect_json "sriov.vf_offset (null or sysfs sriov_offset)" "$d.sriov.vf_offset | . == null or . == $(<"$P/sriov_offset")" true
  expect_json "sriov.vf_stride (null or sysfs sriov_stride)" "$d.sriov.vf_stride | . == null or . == $(<"$P/sriov_stride")" true
  # from sysfs: still known
  expect_json "address" "$d.address" "$(js $PF)"
  expect_json "kind" "$d.kind" '"pf"'
  expect_json "vendor_id" "$d.vendor_id" "$(js "$(hexid $P/vendor)")"
  expect_json "device_id" "$d.device_id" "$(js "$(hexid $P/device)")"
  expect_json "class" "$d.class" "$(js "$(hexid $P/class)")"
  expect_json "driver" "$d.driver" '"nvme"'
  expect_json "sriov.max_vfs (sysfs sriov_totalvfs)" "$d.sriov.max_vfs" "$(<"$P/sriov_totalvfs")"
  expect_json "sriov.vfs (virtfn links)" "[$d.sriov.vfs[].address]" "[\"$VF0\",\"$VF1\"]"
  expect_json "iommu_group.id" "$d.iommu_group.id" "$(group_of $PF)"
  expect_json "iommu_group.members" "$d.iommu_group.members" "$(group_members "$(group_of $PF)")"
  expect_json "upstream[0].address" "$d.upstream[0].address" "$(js $RP)"
fi

section "sriovctl list --json --vfs as nobody"
if sc_ok list --json --vfs; then
  expect_json "PFs" '[.pfs[].address]' "[\"$PF\"]"
  expect_json "total_vfs (sysfs)" '.pfs[0].total_vfs' "$(<"$P/sriov_totalvfs")"
  expect_json "num_vfs (sysfs)" '.pfs[0].num_vfs' 2
  expect_json "VF addresses" '[.pfs[0].vfs[].address]' "[\"$VF0\",\"$VF1\"]"
  expect_json "iommu_group" '.pfs[0].iommu_group' "$(group_of $PF)"
fi

section "sriovctl show $PF (text) as nobody"
sc_ok show $PF && printf '%s\n' "$SC_OUT" | sed 's/^/       | /'
SC_AS=()
finish
