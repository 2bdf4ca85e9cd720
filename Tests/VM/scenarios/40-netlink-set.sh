#!/bin/bash
# vm: --igb
# timeout: 300
# VF settings over rtnetlink on a real igb (82576): `set` mac/vlan/qos/spoofchk/trust round-trips and
# agrees with `ip -d link show`; an equal set sends nothing; settings ip changes show up in list/show;
# --link-state (igb has no handler) fails with the unsupported message and changes nothing; a combined
# set whose rate fails (igb: link down, min rate) is rolled back.
. "$(dirname "$0")/lib.sh"

PF=0000:03:00.0
P=$(pcidev $PF)
IP=/usr/sbin/ip
# The `vf N` line of `ip -d link show` for the PF.
ipvf() { "$IP" -d link show dev "$NETDEV" | grep -E "^[[:space:]]+vf $1 " | sed 's/^[[:space:]]*//'; }
has() { [[ $2 == *"$3"* ]] && ok "$1: '$3'" || fail "$1: no '$3' in: $2"; }

section "setup: 2 VFs on the igb PF"
wait_for 20 "a netdev on $PF (igb)" test -d "$P/net"
NETDEV=$(ls "$P/net" | head -n1)
note "PF netdev $NETDEV, iproute2 $("$IP" -V 2>&1)"
sc_ok create $PF 2
expect "sriov_numvfs" "$(<"$P/sriov_numvfs")" 2
note "ip before: $(ipvf 0)"

section "read: driver defaults, as ip shows them"
if sc_ok show $PF --json; then
  s='.device.sriov.vfs[0].settings'
  expect_json "vf 0 mac" "$s.mac" '"00:00:00:00:00:00"'
  expect_json "vf 0 vlan/qos/proto" "[$s.vlan, $s.qos, $s.vlan_proto]" '[0,0,"802.1Q"]'
  expect_json "vf 0 spoofchk" "$s.spoofchk" true
  expect_json "vf 0 trust" "$s.trust" false
  expect_json "vf 0 link_state" "$s.link_state" '"auto"'
  expect_json "vf_settings" '.device.vf_settings | [.source, .num_vfs, .reported_vfs, .truncated]' '["netlink",2,2,false]'
fi
has "ip vf 0" "$(ipvf 0)" "spoof checking on"

section "set mac/vlan/qos/spoofchk/trust on vf 0"
if sc_ok set "$NETDEV" 0 --mac 02:00:00:00:00:10 --vlan 100 --qos 3 --spoofchk off --trust on --json; then
  expect_json "applied, in kernel order" '[.result.applied[].setting]' '["mac","vlan","spoofchk","trust"]'
  expect_json "changed" .result.changed true
  expect_json "failed" .result.failed '[]'
  expect_json "after" '.result.after | [.mac, .vlan, .qos, .spoofchk, .trust]' '["02:00:00:00:00:10",100,3,false,true]'
fi
L=$(ipvf 0)
note "ip: $L"
has "ip vf 0" "$L" "link/ether 02:00:00:00:00:10"
has "ip vf 0" "$L" "vlan 100, qos 3"
has "ip vf 0" "$L" "spoof checking off"
has "ip vf 0" "$L" "trust on"
if sc_ok list --vfs --json; then
  s=".pfs[] | select(.address == \"$PF\") | .vfs[0].settings"
  expect_json "list --vfs agrees" "$s | [.mac, .vlan, .qos, .vlan_proto, .spoofchk, .trust, .link_state]" \
    '["02:00:00:00:00:10",100,3,"802.1Q",false,true,"auto"]'
fi

section "the same set again: no request"
if sc_ok set "$NETDEV" 0 --mac 02:00:00:00:00:10 --vlan 100 --qos 3 --spoofchk off --trust on --json; then
  expect_json "planned" .result.planned '[]'
  expect_json "changed" .result.changed false
fi
if sc_ok set $PF 0 --trust on; then
  expect "text" "$SC_OUT" "$PF vf 0 ($NETDEV): already set; nothing to change"
fi

section "ip changes vf 1; sriovctl reads it back"
"$IP" link set dev "$NETDEV" vf 1 mac 02:00:00:00:00:11 vlan 7 trust on && ok "ip link set vf 1" || fail "ip link set vf 1"
VF1=$(link_base "$P/virtfn1")
if sc_ok show "$VF1" --json; then
  expect_json "show VF: its settings" '.device.settings | [.mac, .vlan, .trust]' '["02:00:00:00:00:11",7,true]'
fi

section "--link-state enable: igb has no handler; nothing changes"
BEFORE=$(ipvf 0)
sc set "$NETDEV" 0 --mac 02:00:00:00:00:20 --link-state enable
expect "exit status" "$SC_RC" 1
printf '%s\n' "$SC_OUT" "$SC_ERR" | sed 's/^/       | /'
has "stderr" "$SC_ERR" "Error: $PF vf 0: igb does not support link-state on VFs"
has "stderr" "$SC_ERR" "restored mac"
expect "ip vf 0 unchanged" "$(ipvf 0)" "$BEFORE"

section "combined set whose rate fails (igb: link down / min rate): rolled back"
sc set "$NETDEV" 0 --vlan 200 --qos 0 --trust off --max-rate 100 --json
expect "exit status" "$SC_RC" 1
printf '%s\n' "$SC_ERR" | sed 's/^/       | /'
expect_json "failed setting" '[.result.failed[].setting]' '["rate"]'
expect_json "rolled back" '[.result.rolled_back[].setting]' '["vlan"]'
expect_json "applied (left in place)" .result.applied '[]'
expect_json "changed" .result.changed false
has "stderr" "$SC_ERR" "igb rejected min-rate 0 max-rate 100"
OPER=$(<"/sys/class/net/$NETDEV/operstate")
note "PF operstate: $OPER"
if [[ $OPER == down ]]; then has "hint names the down link" "$SC_ERR" "the PF link is down ($NETDEV operstate down)"; fi
expect "ip vf 0 unchanged" "$(ipvf 0)" "$BEFORE"
sc set "$NETDEV" 0 --mac 02:00:00:00:00:30 --min-rate 10
expect "min rate: exit status" "$SC_RC" 1
has "stderr" "$SC_ERR" "Invalid argument"
expect "ip vf 0 unchanged" "$(ipvf 0)" "$BEFORE"

section "validation before sending"
sc set "$NETDEV" 2 --trust on
expect "VF index >= sriov_numvfs: exit" "$SC_RC" 1
has "stderr" "$SC_ERR" "has no VF 2: VFs are 0 to 1 (sriov_numvfs is 2)"
sc set "$NETDEV" 0 --vlan 4096
expect "VLAN 4096: exit" "$SC_RC" 64
has "stderr" "$SC_ERR" "VLAN 4096 is out of range"
sc set "$NETDEV" 0 --vlan-proto 802.1ad --vlan 0
expect "802.1ad with VLAN 0: exit" "$SC_RC" 64
expect "ip vf 0 unchanged" "$(ipvf 0)" "$BEFORE"

section "802.1ad: igb supports only 802.1Q"
sc set "$NETDEV" 0 --vlan 300 --vlan-proto 802.1ad
expect "exit status" "$SC_RC" 1
printf '%s\n' "$SC_ERR" | sed 's/^/       | /'
has "stderr" "$SC_ERR" "igb does not support 802.1ad VLANs on VFs"
expect "ip vf 0 unchanged" "$(ipvf 0)" "$BEFORE"

section "without CAP_NET_ADMIN (root, capability dropped from the bounding set): EPERM"
SC_AS=(setpriv --bounding-set=-net_admin)
sc set "$NETDEV" 0 --trust off
SC_AS=()
expect "exit status" "$SC_RC" 1
printf '%s\n' "$SC_ERR" | sed 's/^/       | /'
has "stderr" "$SC_ERR" "Error: $PF vf 0: setting trust off needs CAP_NET_ADMIN (Operation not permitted)"
has "stderr" "$SC_ERR" "hint: run as root (sudo)"
expect "ip vf 0 unchanged" "$(ipvf 0)" "$BEFORE"

section "clear: mac 0, vlan 0, spoofchk on, trust off"
sc_ok set "$NETDEV" 0 --mac 00:00:00:00:00:00 --vlan 0 --spoofchk on --trust off
L=$(ipvf 0)
note "ip: $L"
has "ip vf 0" "$L" "spoof checking on"
has "ip vf 0" "$L" "trust off"
[[ $L != *"vlan 100"* ]] && ok "ip vf 0: no vlan 100" || fail "ip vf 0 still has vlan 100: $L"
sc_ok remove $PF
finish
