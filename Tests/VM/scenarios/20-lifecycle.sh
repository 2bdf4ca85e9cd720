#!/bin/bash
# vm: (default topology: NVMe SR-IOV PF 0000:01:00.0 with sriov_totalvfs 4)
# timeout: 300
# VF lifecycle on a real kernel: create / remove / bind / unbind, the in-use refusal, ERANGE before
# writing, --driver vfio-pci race-free with autoprobe restored, and the ENOENT hint without a PF driver.
. "$(dirname "$0")/lib.sh"

PF=0000:01:00.0
P=$(pcidev $PF)
vf_count() { local n=0 f; for f in "$P"/virtfn*; do [[ -e $f/physfn ]] && n=$((n + 1)); done; echo $n; }
drv() { link_base "$(pcidev "$1")/driver"; }

section "setup: vfio-pci loaded, autoprobe 0 (QEMU's NVMe VFs are offline controllers)"
modprobe vfio-pci && ok "modprobe vfio-pci" || fail "modprobe vfio-pci"
[[ -d /sys/bus/pci/drivers/vfio-pci ]] && ok "/sys/bus/pci/drivers/vfio-pci exists" || fail "no vfio-pci driver directory"
echo 0 >"$P/sriov_drivers_autoprobe" && ok "sriov_drivers_autoprobe=0" || fail "cannot write sriov_drivers_autoprobe"
note "sriov_totalvfs=$(<"$P/sriov_totalvfs") sriov_numvfs=$(<"$P/sriov_numvfs") driver=$(drv $PF)"

section "create 4"
if sc_ok create $PF 4 --json; then
  expect_json "applied" '[.result.applied[] | .value]' '["4"]'
  expect_json "changed" .result.changed true
  expect_json "failed" .result.failed '[]'
fi
expect "sriov_numvfs" "$(<"$P/sriov_numvfs")" 4
expect "VFs with virtfnN and physfn (no wait needed after sriovctl returns)" "$(vf_count)" 4
VF0=$(link_base "$P/virtfn0") VF1=$(link_base "$P/virtfn1")
note "virtfn0 -> $VF0, virtfn1 -> $VF1"

section "create 4 again: no write"
if sc_ok create $PF 4; then
  expect "text" "$SC_OUT" "$PF: already has 4 VFs"
fi
if sc_ok create $PF 4 --json; then
  expect_json "planned" .result.planned '[]'
  expect_json "changed" .result.changed false
fi

section "create 2 while $VF0 is bound to vfio-pci: refused, then --force"
sc_ok bind "$VF0" vfio-pci
expect "$VF0 driver" "$(drv "$VF0")" vfio-pci
sc create $PF 2
expect "exit status" "$SC_RC" 1
[[ $SC_ERR == *"refusing to change from 4 to 2 VFs"*"$VF0 (bound to vfio-pci)"* ]] && ok "refusal names $VF0" || fail "stderr: $SC_ERR"
[[ $SC_ERR == *"hint: "*"--force"* ]] && ok "hint mentions --force" || fail "stderr: $SC_ERR"
expect "sriov_numvfs unchanged" "$(<"$P/sriov_numvfs")" 4
sc create $PF 2 --dry-run
expect "dry-run exit status (it would be refused)" "$SC_RC" 1
printf '%s\n' "$SC_OUT" "$SC_ERR" | sed 's/^/       | /'
[[ $SC_OUT == *"would write, in order:"*"sriov_numvfs <- '0'"*"sriov_numvfs <- '2'"*"this destroys 4 VF(s)"* ]] && ok "dry-run lists the writes and what they destroy" || fail "dry-run stdout: $SC_OUT"
expect "dry-run wrote nothing" "$(<"$P/sriov_numvfs")" 4
if sc_ok create $PF 2 --force --json; then
  expect_json "went through 0" '[.result.applied[] | .value]' '["0","2"]'
  expect_json "destroys" '.result.destroys | length' 4
fi
expect "sriov_numvfs" "$(<"$P/sriov_numvfs")" 2
expect "VFs" "$(vf_count)" 2

section "create 200: ERANGE message before writing"
sc create $PF 200
expect "exit status" "$SC_RC" 1
first=$(head -n1 <<<"$SC_ERR")
expect "message" "$first" "Error: $PF: cannot create 200 VFs: the device supports at most $(<"$P/sriov_totalvfs") (sriov_totalvfs)"
expect "sriov_numvfs unchanged" "$(<"$P/sriov_numvfs")" 2

section "remove"
if sc_ok remove $PF --json; then
  expect_json "applied" '[.result.applied[] | .value]' '["0"]'
fi
expect "sriov_numvfs" "$(<"$P/sriov_numvfs")" 0
expect "virtfn links" "$(vf_count)" 0

section "create 3 --driver vfio-pci: race-free, autoprobe restored"
echo 1 >"$P/sriov_drivers_autoprobe"
if sc_ok create $PF 3 --driver vfio-pci --json; then
  expect_json "first write: autoprobe off" '.result.applied[0] | [.path, .value]' "[\"/sys/bus/pci/devices/$PF/sriov_drivers_autoprobe\",\"0\"]"
  expect_json "last write: autoprobe restored" '.result.applied[-1] | [.path, .value]' "[\"/sys/bus/pci/devices/$PF/sriov_drivers_autoprobe\",\"1\"]"
  expect_json "number of writes" '.result.applied | length' 9
fi
expect "sriov_drivers_autoprobe restored" "$(<"$P/sriov_drivers_autoprobe")" 1
for i in 0 1 2; do
  vf=$(link_base "$P/virtfn$i")
  expect "virtfn$i ($vf) driver" "$(drv "$vf")" vfio-pci
  expect "virtfn$i driver_override" "$(<"$(pcidev "$vf")/driver_override")" vfio-pci
done
echo 0 >"$P/sriov_drivers_autoprobe"

section "bind / unbind round trip"
VF1=$(link_base "$P/virtfn1")
if sc_ok unbind "$VF1" --json; then
  expect_json "applied" '[.result.applied[] | .path]' "[\"/sys/bus/pci/drivers/vfio-pci/unbind\",\"/sys/bus/pci/devices/$VF1/driver_override\"]"
fi
expect "$VF1 driver after unbind" "$(drv "$VF1")" ""
expect "$VF1 driver_override after unbind" "$(<"$(pcidev "$VF1")/driver_override")" "(null)"
sc_ok unbind "$VF1" && expect "unbind again" "$SC_OUT" "$VF1: already has no driver"
sc_ok bind "$VF1" vfio-pci
expect "$VF1 driver after bind" "$(drv "$VF1")" vfio-pci
sc_ok bind "$VF1" vfio-pci && expect "bind again" "$SC_OUT" "$VF1: already bound to vfio-pci"
sc bind "$VF1" no_such_driver
expect "bind to an unloaded driver: exit status" "$SC_RC" 1
[[ $SC_ERR == *"modprobe no_such_driver"* ]] && ok "hint: modprobe" || fail "stderr: $SC_ERR"

section "progress on a terminal only"
# script(1) gives sriovctl a pty; with --json or a pipe there is no progress line.
tty_out=$(script -qec "$SRIOVCTL create $PF 2 --force" /dev/null 2>&1)
printf '%s\n' "$tty_out" | tr '\r' '\n' | sed 's/^/       tty| /'
[[ $tty_out == *"waiting for VFs: 2/2"* ]] && ok "progress shown on a terminal" || fail "no progress line on a terminal"
sc_ok create $PF 3 --force
[[ $SC_ERR != *"waiting for VFs"* ]] && ok "no progress on a pipe" || fail "progress on a pipe: $SC_ERR"

section "lock held by another process"
flock /run/sriovctl.lock sleep 15 &  # longer than one sriovctl run under TCG on a busy host
sleep 0.5
sc remove $PF --force
expect "exit status while locked" "$SC_RC" 1
[[ $SC_ERR == *"another sriovctl is changing this host"* ]] && ok "lock message" || fail "stderr: $SC_ERR"
wait

section "PF driver unbound: the ENOENT hint"
sc unbind $PF
expect "unbind a PF with VFs: exit status" "$SC_RC" 1
[[ $SC_ERR == *"it is a PF with 3 VFs"* ]] && ok "refused: PF has VFs" || fail "stderr: $SC_ERR"
sc_ok remove $PF --force
echo $PF >/sys/bus/pci/drivers/nvme/unbind && ok "unbound $PF from nvme" || fail "cannot unbind $PF"
sc create $PF 2
expect "exit status" "$SC_RC" 1
printf '%s\n' "$SC_ERR" | sed 's/^/       stderr: /'
[[ $SC_ERR == *"no driver is bound to the PF"* && $SC_ERR == *"hint: bind the PF's driver first"* ]] && ok "ENOENT explained with a hint" || fail "stderr: $SC_ERR"
[[ $SC_ERR != *"No such file or directory"* ]] && ok "no bare 'No such file or directory'" || fail "bare errno text"
# The kernel's own answer, for the record: ENOENT.
( echo 2 >"$P/sriov_numvfs" ) 2>/dev/null && fail "kernel accepted sriov_numvfs without a driver" || ok "kernel refuses sriov_numvfs=2 without a PF driver"

section "rebind the PF with sriovctl, then VFs work again"
sc_ok bind $PF nvme
expect "$PF driver" "$(drv $PF)" nvme
sc_ok create $PF 2
expect "sriov_numvfs" "$(<"$P/sriov_numvfs")" 2
finish
