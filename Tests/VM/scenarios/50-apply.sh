#!/bin/bash
# vm: --igb
# timeout: 400
# Declarative apply on a real kernel: one file creates 3 VFs on the NVMe PF bound to vfio-pci
# (autoprobe off) and 2 VFs on the igb PF (named by vendor:device); it re-applies as a no-op
# (--detailed-exitcode 0); a count change shows in --dry-run as destroying the VFs that exist;
# persist --dry-run prints the unit; VF settings on the igb apply (checked with ip link), re-apply as a
# no-op, and a failure midway (igb has no link-state handler) rolls back the MAC set before it.
. "$(dirname "$0")/lib.sh"

NVME=0000:01:00.0 IGB=0000:03:00.0
N=$(pcidev $NVME) G=$(pcidev $IGB)
W=$(mktemp -d)
vf_count() { local n=0 f; for f in "$1"/virtfn*; do [[ -e $f/physfn ]] && n=$((n + 1)); done; echo $n; }
drv() { link_base "$(pcidev "$1")/driver"; }

section "setup"
modprobe vfio-pci && ok "modprobe vfio-pci" || fail "modprobe vfio-pci"
wait_for 20 "a netdev on $IGB (igb)" test -d "$G/net"
IGB_ID="$(hexid "$G/vendor"):$(hexid "$G/device")"
note "igb vendor:device $IGB_ID, nvme numvfs $(<"$N/sriov_numvfs"), igb numvfs $(<"$G/sriov_numvfs")"

cat >"$W/want.yaml" <<EOT
version: 1
pfs:
  - address: "$NVME"
    vfs:
      count: 3
      autoprobe: false      # QEMU's NVMe VFs are offline controllers
      driver: vfio-pci
  - vendor_device: "$IGB_ID"
    vfs:
      count: 2
EOT

section "dry run: the plan, nothing written"
sc apply -f "$W/want.yaml" --dry-run --detailed-exitcode
expect "exit status (changes planned)" "$SC_RC" 2
printf '%s\n' "$SC_OUT" | sed 's/^/       | /'
[[ $SC_OUT == *"$NVME: sriov_drivers_autoprobe 1 -> 0"*"$NVME: VFs 0 -> 3, new VFs bound to vfio-pci race-free"*"$IGB: VFs 0 -> 2"* ]] \
  && ok "plan: autoprobe, then the counts" || fail "dry-run stdout: $SC_OUT"
expect "nvme sriov_numvfs untouched" "$(<"$N/sriov_numvfs")" 0
expect "igb sriov_numvfs untouched" "$(<"$G/sriov_numvfs")" 0

section "apply"
sc apply -f "$W/want.yaml" --detailed-exitcode --json
expect "exit status (changed)" "$SC_RC" 2
expect_json "applied kinds" '[.result.applied[] | .kind]' '["autoprobe","vf_count","vf_count"]'
expect_json "failed" .result.failed '[]'
expect_json "changed" .result.changed true
jdone
expect "nvme VFs" "$(vf_count "$N")" 3
expect "igb VFs" "$(vf_count "$G")" 2
expect "nvme autoprobe" "$(<"$N/sriov_drivers_autoprobe")" 0
for i in 0 1 2; do
  vf=$(link_base "$N/virtfn$i")
  expect "nvme VF $i ($vf) driver" "$(drv "$vf")" vfio-pci
done
note "igb VFs: $(for i in 0 1; do vf=$(link_base "$G/virtfn$i"); printf '%s=%s ' "$vf" "$(drv "$vf")"; done)"

section "apply again: nothing to do"
sc apply -f "$W/want.yaml" --detailed-exitcode
expect "exit status (no-op)" "$SC_RC" 0
expect "text" "$SC_OUT" "$W/want.yaml: nothing to do: the host matches $W/want.yaml"

section "count change in the dry run: destroys the existing VFs"
sed 's/count: 3/count: 2/' "$W/want.yaml" >"$W/fewer.yaml"
EXISTING=$(for i in 0 1 2; do link_base "$N/virtfn$i"; done | tr '\n' ' ' | sed 's/ $//')
sc apply -f "$W/fewer.yaml" --dry-run
expect "exit status (refused without --force: the VFs are on vfio-pci)" "$SC_RC" 1
printf '%s\n' "$SC_OUT" "$SC_ERR" | sed 's/^/       | /'
[[ $SC_OUT == *"$NVME: VFs 3 -> 2"*"(irreversible: destroys 3 VF(s): $EXISTING)"* ]] && ok "plan lists every VF it destroys" || fail "stdout: $SC_OUT"
[[ $SC_OUT == *"refused without --force"* ]] && ok "and says it would be refused" || fail "stdout: $SC_OUT"
sc apply -f "$W/fewer.yaml" --dry-run --force --detailed-exitcode --json
expect "exit status with --force (changes planned)" "$SC_RC" 2
expect_json "destroys" .result.destroys "$(jarr $EXISTING)"
expect_json "irreversible" '[.result.planned[] | .irreversible]' '[true]'
jdone
expect "nothing written: nvme VFs" "$(vf_count "$N")" 3

section "persist --dry-run: the unit"
sc_ok persist -f "$W/want.yaml" --root "$W/image" --dry-run
[[ $SC_OUT == *"Before=network-pre.target"*"ExecStart=/usr/bin/sriovctl apply -f /etc/sriovctl/desired-state.yaml"* ]] && ok "unit printed" || fail "stdout: $SC_OUT"
[[ ! -e $W/image ]] && ok "nothing written" || fail "$W/image exists"

section "VF settings on the igb (needs 'sriovctl set')"
if "$SRIOVCTL" --help | grep -qE "^ +set( |$)"; then
  PFNET=$(ls "$G/net" | head -n1)
  cat >"$W/settings.yaml" <<EOT
version: 1
pfs:
  - netdev: $PFNET
    vfs:
      count: 2
      per_vf:
        - {vf: 0, mac: "02:00:00:00:50:01", vlan: 10}
        - {vf: 1, trust: true, spoofchk: false}
EOT
  sc apply -f "$W/settings.yaml" --detailed-exitcode
  expect "exit status (changed)" "$SC_RC" 2
  printf '%s\n' "$SC_OUT" "$SC_ERR" | sed 's/^/       | /'
  ip link show "$PFNET" | sed 's/^/       | /'
  ip link show "$PFNET" | grep -q "vf 0 .*link/ether 02:00:00:00:50:01.*vlan 10" && ok "VF 0 mac and vlan (ip link)" || fail "VF 0 settings"
  ip link show "$PFNET" | grep -q "vf 1 .*spoof checking off.*trust on" && ok "VF 1 spoofchk off, trust on (ip link)" || fail "VF 1 settings"
  sc apply -f "$W/settings.yaml" --detailed-exitcode
  expect "re-apply: no-op" "$SC_RC" 0

  section "a failure midway is rolled back (igb has no link-state handler)"
  cat >"$W/rollback.yaml" <<EOT
version: 1
pfs:
  - netdev: $PFNET
    vfs:
      per_vf:
        - {vf: 1, mac: "02:00:00:00:50:02", link_state: enable}
EOT
  sc apply -f "$W/rollback.yaml" --json
  expect "exit status" "$SC_RC" 1
  expect_json "rolled back" '[.result.rolled_back[] | .to]' '["mac 02:00:00:00:50:02"]'
  expect_json "failed" '[.result.failed[] | .to]' '["link-state enable"]'
  expect_json "changed" .result.changed false
  jdone
  printf '%s\n' "$SC_ERR" | sed 's/^/       stderr: /'
  ip link show "$PFNET" | grep -q "vf 1 .*link/ether 00:00:00:00:00:00" && ok "VF 1 MAC restored (ip link)" || fail "VF 1 MAC not restored: $(ip link show "$PFNET" | grep 'vf 1')"
else
  note "skipped: this build has no 'sriovctl set' (rtnetlink VF control); apply refuses files with VF settings"
  printf 'version: 1\npfs:\n  - address: "%s"\n    vfs:\n      per_vf: [{vf: 0, trust: true}]\n' "$IGB" >"$W/settings.yaml"
  sc apply -f "$W/settings.yaml" --dry-run
  expect "exit status" "$SC_RC" 1
  [[ $SC_ERR == *"settings.yaml:5: field 'pfs[0].vfs.per_vf[0]': VF settings need rtnetlink"* ]] && ok "refused with the file line" || fail "stderr: $SC_ERR"
fi

section "cleanup"
echo 0 >"$N/sriov_numvfs"; echo 0 >"$G/sriov_numvfs"
finish
