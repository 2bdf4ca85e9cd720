#!/bin/bash
# vm: --no-acs
# timeout: 300
# Root ports without ACS (disable-acs=on): `check` names root port 00:04.0 as the hop that breaks
# isolation and lists the real group (root port, PF, VFs). Unbound VFs keep the group viable.
. "$(dirname "$0")/lib.sh"

PF=0000:01:00.0 RP=0000:00:04.0
P=$(pcidev $PF)

section "setup: 2 unbound VFs"
echo 0 >"$P/sriov_drivers_autoprobe"
echo 2 >"$P/sriov_numvfs" && ok "sriov_numvfs=2" || fail "cannot write sriov_numvfs=2"
wait_for 20 "virtfn1 on $PF" test -e "$P/virtfn1/physfn"
G=$(group_of $PF)
MEMBERS=$(group_members "$G")
LIST=$(jq -r 'join(", ")' <<<"$MEMBERS")
note "group $G: $LIST"
expect "root port in the PF's group" "$(group_of $RP)" "$G"

section "sriovctl check $PF --json"
if sc_ok check $PF --json; then
  expect_json "acs path warns" '[.findings[] | select(.check == "isolation.acs_path") | .severity]' '["warn"]'
  expect_json "acs path names the root port and the group" '[.findings[] | select(.check == "isolation.acs_path") | .message]' \
    "[\"isolation breaks at $RP (root port): no ACS capability; IOMMU group $G holds $LIST\"]"
  expect_json "hint says the override is no fix" '[.findings[] | select(.check == "isolation.acs_path") | .hint | contains("pcie_acs_override")]' '[true]'
  expect_json "group as predicted" '[.findings[] | select(.check == "iommu.group") | .message]' \
    "[\"IOMMU group $G: $LIST, as the ACS path predicts\"]"
  expect_json "unbound VFs: viable" '[.findings[] | select(.check == "group.viable") | .severity]' '["pass"]'
  expect_json "ok (warn only)" .ok true
fi
sc check $PF --strict
expect "exit status with --strict (warn)" "$SC_RC" 1
printf '%s\n' "$SC_OUT" | grep -A1 WARN | sed 's/^/       | /'
finish
