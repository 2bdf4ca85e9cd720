#!/bin/bash
# vm: (default topology)
# The guest sees the expected PCI topology and an IOMMU, and the host-built sriovctl runs.
. "$(dirname "$0")/lib.sh"

PF=0000:01:00.0 NVME2=0000:02:00.0

section "kernel $(uname -r), PCI devices"
lspci -nn | sed 's/^/       /'

section "the SR-IOV NVMe PF behind 00:04.0 and the plain NVMe behind 00:05.0"
for d in 0000:00:04.0 0000:00:05.0 $PF $NVME2; do
  if [[ -e $(pcidev $d) ]]; then ok "$d exists ($(lspci -s $d | cut -d' ' -f2-))"; else fail "$d is missing"; fi
done
expect "$PF vendor:device" "$(hexid $(pcidev $PF)/vendor):$(hexid $(pcidev $PF)/device)" "1b36:0010"
expect "$PF driver" "$(link_base $(pcidev $PF)/driver)" nvme
expect "$PF sriov_totalvfs" "$(cat $(pcidev $PF)/sriov_totalvfs 2>&1)" "${SRIOVCTL_VM_NVME_VFS:-4}"
expect "$PF sriov_numvfs" "$(cat $(pcidev $PF)/sriov_numvfs 2>&1)" 0
if [[ -e $(pcidev $NVME2)/sriov_totalvfs ]]; then fail "$NVME2 has sriov_totalvfs"; else ok "$NVME2 has no sriov_totalvfs"; fi
expect "$NVME2 driver" "$(link_base $(pcidev $NVME2)/driver)" nvme

section "IOMMU"
if [[ -e /sys/class/iommu/dmar0 ]]; then ok "/sys/class/iommu/dmar0 present"; else fail "no /sys/class/iommu/dmar0"; fi
n=$(ls /sys/kernel/iommu_groups | wc -l)
if ((n > 0)); then ok "$n IOMMU groups"; else fail "no IOMMU groups"; fi
for d in $PF $NVME2 0000:00:04.0; do
  g=$(group_of $d)
  if [[ -n $g ]]; then ok "$d is in IOMMU group $g: $(ls /sys/kernel/iommu_groups/$g/devices | xargs)"; else fail "$d has no iommu_group"; fi
done
expect "$PF alone in its group (ACS root port)" "$(group_members "$(group_of $PF)")" "[\"$PF\"]"

section "sriovctl"
note "binary: $SRIOVCTL"
sc_ok --version && ok "sriovctl --version: $SC_OUT"
sc_ok --help && ok "sriovctl --help ($(wc -l <<<"$SC_OUT") lines)"
finish
