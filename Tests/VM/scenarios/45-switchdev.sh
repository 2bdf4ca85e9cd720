#!/bin/bash
# vm: --igb --netdevsim
# timeout: 300
# The devlink eSwitch on a real kernel: a netdevsim device with 2 VFs reads as legacy; `eswitch
# ... switchdev` switches it and the representors appear with the right VF numbers (as `devlink
# port` shows them); a second run and --dry-run change nothing; back to legacy removes them. The igb
# and NVMe PFs have no devlink eSwitch: reported as not supported, and `eswitch` fails with one line,
# changing nothing. A capture keeps the answers.
. "$(dirname "$0")/lib.sh"

DL=/usr/sbin/devlink
NSIM=/sys/bus/netdevsim/devices/netdevsim1
H=netdevsim/netdevsim1
IGB=0000:03:00.0
NVME=0000:01:00.0
# VF number -> representor netdev, from devlink(8)'s own port dump, as JSON ({"0":"eth1",...}).
devlink_reps() {
  "$DL" -j port show | jq -c --arg h "$H/" '[.port | to_entries[] | select(.key | startswith($h))
    | select(.value.flavour == "pcivf") | {key: (.value.vfnum | tostring), value: .value.netdev}] | from_entries'
}
devlink_mode() { "$DL" -j dev eswitch show "$H" | jq -r ".dev[\"$H\"].mode"; }

section "setup: netdevsim1 with 2 VFs (module built out of tree, from the VM cache)"
modprobe netdevsim && ok "modprobe netdevsim" || { fail "modprobe netdevsim"; finish; }
echo "1 1" >/sys/bus/netdevsim/new_device && ok "new_device 1 1" || fail "new_device"
wait_for 10 "$NSIM" test -d "$NSIM/net"
echo 2 >"$NSIM/sriov_numvfs" && ok "sriov_numvfs=2" || fail "sriov_numvfs=2"
note "devlink: $("$DL" dev eswitch show "$H" 2>&1)"

section "read: legacy, no representors"
if sc_ok show "$H" --json; then
  expect_json "eswitch" '.devlink_device.eswitch | [.source, .supported, .mode]' '["devlink",true,"legacy"]'
  expect_json "num_vfs" .devlink_device.num_vfs 2
  expect_json "driver" .devlink_device.driver '"netdevsim"'
  expect_json "representors" .devlink_device.representors '[]'
fi

section "--dry-run: the plan, nothing changes"
if sc_ok eswitch "$H" switchdev --dry-run --json; then
  expect_json "planned" '[.result.planned[] | [.action, .mode]]' '[["devlink","switchdev"]]'
  expect_json "order" .result.order '"mode-only"'
  expect_json "changed" .result.changed false
fi
expect "devlink mode after --dry-run" "$(devlink_mode)" legacy

section "switchdev: representors appear for VF 0 and 1"
if sc_ok eswitch "$H" switchdev --json; then
  expect_json "changed" .result.changed true
  expect_json "after" .result.after.mode '"switchdev"'
  expect_json "representor VFs" '[.result.representors[].vf]' '[0,1]'
fi
expect "devlink mode" "$(devlink_mode)" switchdev
REPS=$(devlink_reps)
note "devlink port: $REPS"
if sc_ok show "$H" --json; then
  expect_json "mode" .devlink_device.eswitch.mode '"switchdev"'
  expect_json "representors = devlink's" '[.devlink_device.representors[] | {key: (.vf | tostring), value: .netdev}] | from_entries' "$REPS"
  expect_json "ports of flavour pcivf" '[.devlink_device.ports[] | select(.flavour == "pcivf") | .vf]' '[0,1]'
fi
if sc_ok show "$H"; then
  [[ $SC_OUT == *"eswitch:  switchdev, 2 VF representor(s)"* ]] && ok "text: eswitch line" || fail "text: $SC_OUT"
fi

section "the same mode again: nothing to change"
if sc_ok eswitch "$H" switchdev --json; then
  expect_json "planned" .result.planned '[]'
  expect_json "changed" .result.changed false
fi
sc_ok eswitch "$H" switchdev
expect "text" "$SC_OUT" "$H: the eSwitch is already switchdev; nothing to change"

section "back to legacy: representors gone"
if sc_ok eswitch "$H" legacy --json; then
  expect_json "after" .result.after.mode '"legacy"'
  expect_json "representors" .result.representors '[]'
fi
expect "devlink mode" "$(devlink_mode)" legacy
expect "devlink pcivf ports" "$(devlink_reps)" '{}'

section "igb and NVMe PFs: no devlink eSwitch"
wait_for 20 "a netdev on $IGB (igb)" test -d "$(pcidev $IGB)/net"
for pf in $IGB $NVME; do
  if sc_ok show $pf --json; then
    expect_json "$pf eswitch" '.device.eswitch | [.supported, .mode, .inline_mode, .encap_mode]' '[false,null,null,null]'
  fi
  BEFORE=$(<"$(pcidev $pf)/sriov_numvfs")
  sc eswitch $pf switchdev
  expect "$pf eswitch: exit" "$SC_RC" 1
  expect "$pf: one error line + hint" "$(printf '%s\n' "$SC_ERR" | wc -l)" 2
  drv=$(link_base "$(pcidev $pf)/driver")
  [[ $SC_ERR == "Error: pci/$pf: cannot set the eSwitch to switchdev: $drv has no switchdev mode ("* ]] &&
    ok "$pf: '$drv has no switchdev mode'" || fail "$pf stderr: $SC_ERR"
  expect "$pf sriov_numvfs unchanged" "$(<"$(pcidev $pf)/sriov_numvfs")" "$BEFORE"
done
if sc_ok show $IGB; then
  [[ $SC_OUT == *"eswitch:"*"not supported: igb has no devlink eSwitch"* ]] && ok "show text says legacy-only" || fail "show text: $SC_OUT"
fi
if sc_ok check $IGB --json; then
  expect_json "check: legacy-only PASS" '.findings[] | select(.check == "eswitch") | [.severity, .message]' \
    '["pass","legacy-only: igb has no devlink eSwitch (no devlink instance)"]'
fi
if sc_ok list --json; then
  expect_json "list: igb eswitch" ".pfs[] | select(.address == \"$IGB\") | .eswitch | [.source, .supported]" '["devlink",false]'
fi

section "capture keeps the devlink answers"
CAP=$(mktemp -d)/cap
if sc_ok capture "$CAP"; then
  test -f "$CAP/sriovctl/devlink.json" && ok "devlink.json stored" || fail "no $CAP/sriovctl/devlink.json"
  if sc_ok --root "$CAP" show $IGB --json; then
    expect_json "from the capture" '.device.eswitch | [.source, .supported]' '["capture",false]'
  fi
fi
finish
