#!/bin/bash
# vm: --igb
# timeout: 900
# The Ansible collection on a real kernel: the example playbook (ansible/.../playbooks/sriov.yml, the
# sriovctl.sriov.sriov role: preflight, apply, persist, verify) with the local connection makes the
# NVMe PF have 3 VFs on vfio-pci (autoprobe off) and the igb PF 2 VFs, VF 0 with a MAC and VLAN set
# over rtnetlink; the second run reports changed=0. (Check mode, refusals and failures are covered on
# fixtures by ansible/test/run; each ansible-playbook run takes 2-4.5 minutes under TCG.)
# Needs the virtual environment that ansible/test/run creates on the host (scripts/test runs it
# first): ansible-core installed for Debian's /usr/bin/python3, which the guest shares with the host.
# The guest gets HOME but not XDG_CACHE_HOME: with XDG_CACHE_HOME set on the host, the venv is not found.
. "$(dirname "$0")/lib.sh"

NVME=0000:01:00.0 IGB=0000:03:00.0
N=$(pcidev $NVME) G=$(pcidev $IGB)
repo=${SRIOVCTL_REPO:-$PWD}
W=$(mktemp -d)
vf_count() { local n=0 f; for f in "$1"/virtfn*; do [[ -e $f/physfn ]] && n=$((n + 1)); done; echo $n; }
drv() { link_base "$(pcidev "$1")/driver"; }

section "setup"
version=$(sed -n 's/^ANSIBLE_CORE_VERSION=//p' "$repo/ansible/test/run")
venv=${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/sriovctl-ansible/venv-$version
if [[ ! -x $venv/bin/ansible-playbook ]]; then
  fail "no $venv/bin/ansible-playbook: run ansible/test/run on the host first (scripts/test does)"
  finish
fi
ok "ansible-core $version in $venv ($("$venv/bin/python" --version 2>&1))"
modprobe vfio-pci && ok "modprobe vfio-pci" || fail "modprobe vfio-pci"
wait_for 20 "a netdev on $IGB (igb)" test -d "$G/net"
PFNET=$(ls "$G/net" | head -n1)
IGB_ID="$(hexid "$G/vendor"):$(hexid "$G/device")"
note "igb $PFNET ($IGB_ID), nvme numvfs $(<"$N/sriov_numvfs"), igb numvfs $(<"$G/sriov_numvfs")"

export ANSIBLE_COLLECTIONS_PATH=$repo/ansible ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 \
  ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0 ANSIBLE_PIPELINING=1 \
  ANSIBLE_PYTHON_INTERPRETER=$venv/bin/python ANSIBLE_HOME=$W/ansible-home
playbook=$repo/ansible/ansible_collections/sriovctl/sriov/playbooks/sriov.yml

state() {  # nvme-count
  cat <<EOT
sriov_binary: $SRIOVCTL
sriov_state:
  version: 1
  pfs:
    - address: "$NVME"
      vfs:
        count: $1
        autoprobe: false      # QEMU's NVMe VFs are offline controllers
        driver: vfio-pci
    - vendor_device: "$IGB_ID"
      vfs:
        count: 2
        per_vf:
          - {vf: 0, mac: "02:00:00:00:80:01", vlan: 80}
EOT
}
state 3 >"$W/vars.yml"

play() {  # log-name ansible-playbook-args...
  local log=$W/$1.log t0=$SECONDS
  shift
  # Ansible requires a UTF-8 locale (lib.sh sets LC_ALL=C for the other checks).
  LC_ALL=C.UTF-8 "$venv/bin/ansible-playbook" -i localhost, -c local "$playbook" "$@" >"$log" 2>&1
  PLAY_RC=$?
  PLAY_RECAP=$(grep -E '^localhost +: ok=' "$log" | sed 's/  */ /g')
  note "ansible-playbook $* -> exit $PLAY_RC in $((SECONDS - t0)) s: $PLAY_RECAP"
  PLAY_LOG=$log
}
recap() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$PLAY_RECAP"; }
show_log() { sed 's/^/       | /' "$PLAY_LOG" | tail -${1:-40}; }

section "first run: preflight, apply, persist, verify"
play first -e "@$W/vars.yml" --diff
expect "exit status" "$PLAY_RC" 0
expect "failed tasks" "$(recap failed)" 0
(($(recap changed) >= 2)) && ok "changed=$(recap changed) (apply and persist)" || { fail "changed: $PLAY_RECAP"; show_log; }
grep -q -- "+++ after: $NVME vf_count" "$PLAY_LOG" && ok "diff shows the NVMe count change" || fail "no diff for the NVMe count"
expect "nvme VFs" "$(vf_count "$N")" 3
expect "nvme autoprobe" "$(<"$N/sriov_drivers_autoprobe")" 0
for i in 0 1 2; do
  vf=$(link_base "$N/virtfn$i")
  expect "nvme VF $i ($vf) driver" "$(drv "$vf")" vfio-pci
done
expect "igb VFs" "$(vf_count "$G")" 2
ip link show "$PFNET" | grep -q "vf 0 .*link/ether 02:00:00:00:80:01.*vlan 80" && ok "igb VF 0 mac and vlan (ip link)" \
  || fail "igb VF 0: $(ip link show "$PFNET" | grep 'vf 0')"
[[ -f /etc/sriovctl/desired-state.yaml && -L /etc/systemd/system/multi-user.target.wants/sriovctl.service ]] \
  && ok "persisted: /etc/sriovctl/desired-state.yaml and the enable link" || fail "persist left no files"

section "second run: changed=0"
play second -e "@$W/vars.yml"
expect "exit status" "$PLAY_RC" 0
expect "changed tasks" "$(recap changed)" 0
[[ $(recap changed) == 0 ]] || show_log 80

section "cleanup"
echo 0 >"$N/sriov_numvfs"; echo 0 >"$G/sriov_numvfs"
finish
