#!/bin/bash
# vm: --igb
# timeout: 400
# `sriovctl capture` on a real kernel: the capture of a host with an igb PF (2 VFs, igbvf netdevs)
# and the SR-IOV NVMe answers list, list --vfs, show (every captured function) and check exactly as
# the live host does; it holds only the SR-IOV subset; --anonymize hides every MAC and the serial;
# as nobody it still works and keeps only the 64 config bytes the kernel serves.
. "$(dirname "$0")/lib.sh"

PF=0000:03:00.0 NVME=0000:01:00.0
P=$(pcidev $PF)
NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/)
# The guest's / is the host's (overlay): use a fresh directory, never a fixed /tmp name.
W=$(mktemp -d /tmp/sriovctl-capture-scenario.XXXXXX) && chmod 755 "$W"

section "setup: 2 VFs on the igb PF (igbvf binds, each VF gets a netdev)"
wait_for 20 "a netdev on $PF (igb)" test -d "$P/net"
echo 2 >"$P/sriov_numvfs" && ok "sriov_numvfs=2" || fail "cannot write sriov_numvfs=2"
wait_for 30 "igbvf on virtfn1 with a netdev" test -d "$P/virtfn1/net"
VF0=$(link_base "$P/virtfn0") VF1=$(link_base "$P/virtfn1")

section "sriovctl capture $W/cap"
if sc_ok capture $W/cap --json; then
  expect_json "igb PF captured as pf" ".capture.devices[] | select(.address == \"$PF\") | .role" '"pf"'
  expect_json "NVMe PF captured as pf" ".capture.devices[] | select(.address == \"$NVME\") | .role" '"pf"'
  expect_json "VFs captured" "[.capture.devices[] | select(.role == \"vf\") | .address] | map(select(. == \"$VF0\" or . == \"$VF1\")) | length" 2
  expect_json "root ports captured as bridges" "[.capture.devices[] | select(.role == \"bridge\") | .address] | sort" '["0000:00:04.0","0000:00:06.0"]'
  expect_json "anonymized" .capture.anonymized false
fi
n_live=$(ls /sys/bus/pci/devices | wc -l) n_cap=$(ls $W/cap/sys/bus/pci/devices | wc -l)
note "$n_cap of $n_live PCI functions captured: $(ls $W/cap/sys/bus/pci/devices | xargs)"
for d in 0000:00:01.0 0000:00:02.0 0000:00:1f.0; do
  [[ -e $W/cap/sys/bus/pci/devices/$d ]] && fail "$d (not SR-IOV related) was captured" || ok "$d not captured"
done
[[ -e $W/cap/sys/class/net/lo ]] && fail "lo captured" || ok "lo not captured"
bad=$(find $W/cap -type l -lname '/*' | head -n3)
[[ -z $bad ]] && ok "every link in the capture is relative" || fail "absolute links: $bad"
dangling=$(find $W/cap -type l ! -exec test -e {} \; -print | head -n3)
[[ -z $dangling ]] && ok "no dangling links" || fail "dangling links: $dangling"
for f in resource0 rom vpd reset remove; do
  [[ -z $(find $W/cap -name "$f" | head -n1) ]] && ok "no $f copied" || fail "$f copied"
done

section "the capture answers like the live host"
cmp_cmd() {
  local live cap lrc crc
  # VF settings come from netlink live and from the stored dump on the capture, and so do the
  # devlink eSwitch answers: only their "source" differs, by design; every value must match.
  live=$("$SRIOVCTL" "$@" 2>&1); lrc=$?
  live=${live//'"source": "netlink"'/'"source": "capture"'}
  live=${live//'"source": "devlink"'/'"source": "capture"'}
  cap=$("$SRIOVCTL" --root $W/cap "$@" 2>&1); crc=$?
  if [[ $live == "$cap" && $lrc == "$crc" ]]; then ok "same: sriovctl $* (exit $lrc)"
  else fail "differs: sriovctl $*"; diff <(printf '%s\n' "$live") <(printf '%s\n' "$cap") | head -n 12 | sed 's/^/       /'; fi
}
for args in "list" "list --vfs" "list --json --vfs" "check" "check --json" "check $PF $VF0"; do cmp_cmd $args; done
for d in $(ls $W/cap/sys/bus/pci/devices); do cmp_cmd show "$d"; cmp_cmd show "$d" --json; done
for n in $(ls $W/cap/sys/class/net); do cmp_cmd show "$n" --json; done
lspci_live=$(lspci -nn -vvv -s $PF 2>/dev/null | grep -E 'Total VFs|ACSCap|Serial' | xargs)
lspci_cap=$(lspci -A linux-sysfs -O sysfs.path=$W/cap/sys/bus/pci -nn -vvv -s $PF 2>/dev/null | grep -E 'Total VFs|ACSCap|Serial' | xargs)
expect "lspci on the capture (SR-IOV, ACS, serial lines of $PF)" "$lspci_cap" "$lspci_live"

section "DIR must be new or empty"
sc capture $W/cap
expect "capture into a non-empty dir: exit" "$SC_RC" 1
expect "error line" "$(head -n1 <<<"$SC_ERR")" "Error: $W/cap: cannot capture into it: the directory is not empty"

section "sriovctl capture --anonymize $W/anon"
sc_ok capture --anonymize $W/anon >/dev/null
leaks=0
for n in /sys/class/net/*; do
  mac=$(<"$n/address")
  [[ $mac == 00:00:00:00:00:00 || ${n##*/} == lo ]] && continue
  if grep -rqiF "$mac" $W/anon; then fail "MAC $mac of ${n##*/} is in the anonymized capture"; leaks=1; fi
done
((leaks)) || ok "no live MAC address appears in the anonymized capture"
for n in $(ls $W/anon/sys/class/net); do
  a=$(<"$W/anon/sys/class/net/$n/address")
  [[ $a == 02:00:00:00:* ]] && ok "$n address anonymized to $a" || fail "$n address is $a"
done
serial=$(lspci -vvv -s $PF 2>/dev/null | sed -n 's/.*Device Serial Number \(.*\)/\1/p')
if [[ -n $serial ]]; then
  anon_serial=$(lspci -A linux-sysfs -O sysfs.path=$W/anon/sys/bus/pci -vvv -s $PF 2>/dev/null | sed -n 's/.*Device Serial Number \(.*\)/\1/p')
  expect "serial number in the anonymized capture (live: $serial)" "$anon_serial" "00-00-00-00-00-00-00-00"
else
  note "the emulated $PF has no Device Serial Number capability"
fi
live_check=$("$SRIOVCTL" check 2>&1) anon_check=$("$SRIOVCTL" --root $W/anon check 2>&1)
[[ $anon_check == "$live_check" ]] && ok "check on the anonymized capture: same $(tail -n1 <<<"$live_check")" \
  || { fail "check differs on the anonymized capture"; diff <(printf '%s\n' "$live_check") <(printf '%s\n' "$anon_check") | head | sed 's/^/       /'; }

section "capture as nobody: works, 64 config bytes"
mkdir -p $W/nb && chown nobody:nogroup $W/nb
SC_AS=("${NOBODY[@]}")
sc_ok capture $W/nb/cap >/dev/null
SC_AS=()
expect "config bytes captured as nobody" "$(wc -c <"$W/nb/cap/sys/bus/pci/devices/$PF/config")" 64
expect "config bytes captured as root" "$(wc -c <"$W/cap/sys/bus/pci/devices/$PF/config")" 4096
sc_ok --root $W/nb/cap show $PF --json && expect_json "ACS through a nobody capture" .device.acs.status '"unreadable"'

section "mutating commands as nobody say they need root first"
SC_AS=("${NOBODY[@]}")
sc remove $PF
SC_AS=()
expect "remove as nobody: exit" "$SC_RC" 1
[[ $SC_ERR == *"needs root"* ]] && ok "says it needs root: $(head -n1 <<<"$SC_ERR")" || fail "stderr: $SC_ERR"
expect "sriov_numvfs unchanged" "$(<"$P/sriov_numvfs")" 2

echo 0 >"$P/sriov_numvfs" && ok "sriov_numvfs=0" || fail "cannot write sriov_numvfs=0"
finish
