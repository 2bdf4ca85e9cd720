#!/bin/bash
# vm: (default topology: NVMe SR-IOV PF 0000:01:00.0 with sriov_totalvfs 4)
# timeout: 300
# The .deb on a real Debian system: dpkg -i with dependency checks against the system's own dpkg
# database, then the installed binary (with the Swift toolchain hidden: the runtime must be linked
# in), `man sriovctl`, bash completion, create/remove from the installed binary, dpkg -r.
# Needs .build-release/sriovctl_*.deb (scripts/build-deb; scripts/test builds it in check-dist).
. "$(dirname "$0")/lib.sh"

PF=0000:01:00.0
P=$(pcidev $PF)
repo=${SRIOVCTL_REPO:-$PWD}
version=$(<"$repo/VERSION")
deb=$repo/.build-release/sriovctl_${version}_$(dpkg --print-architecture).deb

section "dpkg -i $(basename "$deb")"
if [[ ! -f $deb ]]; then
  fail "no $deb: build it with scripts/build-deb"
  finish
fi
dpkg -s sriovctl >/dev/null 2>&1 && note "sriovctl was installed on the host image; reinstalling"
if out=$(dpkg -i "$deb" 2>&1); then ok "dpkg -i (dependencies satisfied by the system)"; else fail "dpkg -i: $out"; finish; fi
expect "dpkg status" "$(dpkg-query -W -f='${Status} ${Version}' sriovctl)" "install ok installed $version"
expect "command -v sriovctl" "$(command -v sriovctl)" /usr/bin/sriovctl

section "the installed binary without the Swift toolchain"
mount -t tmpfs none /opt/swift && ok "/opt/swift hidden (empty tmpfs)" || fail "cannot hide /opt/swift"
expect "sriovctl --version" "$(sriovctl --version 2>&1)" "$version"
if out=$(sriovctl list 2>&1); then
  ok "sriovctl list on the real kernel"
  printf '%s\n' "$out" | sed 's/^/       | /'
  grep -q "^$PF " <<<"$out" && ok "list shows the SR-IOV PF $PF" || fail "list does not show $PF"
else
  fail "sriovctl list: $out"
fi
echo 0 >"$P/sriov_drivers_autoprobe"
if out=$(sriovctl create $PF 2 2>&1); then ok "sriovctl create $PF 2"; else fail "create: $out"; fi
expect "sriov_numvfs after create" "$(<"$P/sriov_numvfs")" 2
if out=$(sriovctl remove $PF 2>&1); then ok "sriovctl remove $PF"; else fail "remove: $out"; fi
expect "sriov_numvfs after remove" "$(<"$P/sriov_numvfs")" 0
echo 1 >"$P/sriov_drivers_autoprobe"

section "man sriovctl"
page=$(MANWIDTH=80 man -P cat sriovctl 2>&1)
grep -q "SRIOVCTL(8)" <<<"$page" && ok "man sriovctl renders section 8" || fail "man sriovctl: $(head -3 <<<"$page")"
expect "man -w sriovctl" "$(man -w sriovctl 2>&1)" /usr/share/man/man8/sriovctl.8.gz
for c in $(sriovctl --experimental-dump-help | jq -r '.command.subcommands[].commandName' | grep -vx help); do
  grep -qE "^ +$c( |$)" <<<"$page" && ok "man page documents $c" || fail "man page lacks $c"
done

section "bash completion from /usr/share/bash-completion/completions/sriovctl"
words=$(bash -c '
  source /usr/share/bash-completion/completions/sriovctl
  COMP_WORDS=(sriovctl create ""); COMP_CWORD=2; COMP_LINE="sriovctl create "; COMP_POINT=${#COMP_LINE}
  _sriovctl sriovctl "" create
  printf "%s\n" "${COMPREPLY[@]}"')
note "sriovctl create <TAB>: $(echo $words)"
grep -qx "$PF" <<<"$words" && ok "create <TAB> offers the PF $PF" || fail "create <TAB> offers: $(echo $words)"

section "dpkg -r"
if out=$(dpkg -r sriovctl 2>&1); then ok "dpkg -r sriovctl"; else fail "dpkg -r: $out"; fi
[[ ! -e /usr/bin/sriovctl && ! -e /usr/share/man/man8/sriovctl.8.gz ]] && ok "binary and man page removed" || fail "files left after dpkg -r"
umount /opt/swift
finish
