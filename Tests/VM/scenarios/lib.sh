# Tests/VM/scenarios/lib.sh — sourced by every scenario. Scenarios run inside the VM, as
# root, with the host's root file system (read-only 9p + tmpfs overlay) as their root.
#
#   section TITLE            a heading in the output
#   ok MSG / fail MSG        one result line ("ok   ..." / "FAIL ..."); finish exits 1 after any FAIL
#   note MSG                 an indented detail line (what the kernel or sriovctl did)
#   expect DESC GOT WANT     ok when GOT == WANT (strings)
#   sc ARGS...               run sriovctl: sets SC_OUT, SC_ERR, SC_RC, prints the command and status
#   sc_ok ARGS...            sc, and a FAIL unless it exits 0 (and, with --json, prints valid JSON)
#   jqv FILTER               jq -c FILTER on SC_OUT (a JSON value: strings come quoted, null is null)
#   expect_json DESC FILTER WANT_JSON   ok when FILTER on SC_OUT gives WANT_JSON (compact JSON).
#                            Checks are queued and evaluated by one jq run (jq costs ~0.5 s per
#                            start under TCG) at jdone, at the next sc/sc_ok, or at finish.
#                            FILTER may use `hexnum` ("0x0553" or 1363 -> 1363).
#   jdone                    evaluate the queued checks; print the JSON if one of them failed
#   js STRING                STRING as a JSON string;  jarr WORD...  the words as a JSON array
#   wait_for SECS DESC CMD   poll CMD every 0.1 s until it succeeds (FAIL after SECS)
#   pcidev ADDR              /sys/bus/pci/devices/ADDR; hexid FILE: 0x1b36 -> 1b36
#   group_of ADDR            IOMMU group number from the iommu_group link ("" without one)
#   group_members N          JSON array of /sys/kernel/iommu_groups/N/devices, sorted
#   finish                   summary line; exit 1 if anything failed
set -uo pipefail
shopt -s nullglob
export LC_ALL=C
_PASSES=0 _FAILS=0
SRIOVCTL=${SRIOVCTL_BIN:?SRIOVCTL_BIN is not set (the runner sets it)}

section() { jdone; printf '== %s\n' "$*"; }
ok() { _PASSES=$((_PASSES + 1)); printf 'ok   %s\n' "$*"; }
fail() { _FAILS=$((_FAILS + 1)); printf 'FAIL %s\n' "$*"; }
note() { printf '       %s\n' "$*"; }
expect() {
  if [[ $2 == "$3" ]]; then ok "$1 = $3"; else fail "$1: got '$2', want '$3'"; fi
}
finish() {
  jdone
  printf -- '-- %s: %d ok, %d failed\n' "$(basename "$0" .sh)" "$_PASSES" "$_FAILS"
  ((_FAILS == 0)) && exit 0
  exit 1
}

command -v jq >/dev/null || { fail "jq is not installed on the host (Tests/VM/vm installs it)"; finish; }

# JSON encoding in bash (each jq start costs ~0.5 s under TCG)
js() { local v=${1//\\/\\\\}; v=${v//\"/\\\"}; v=${v//$'\t'/\\t}; printf '"%s"' "$v"; }
jarr() {
  local out="" x
  for x in "$@"; do out+=${out:+,}$(js "$x"); done
  printf '[%s]' "$out"
}

# SC_AS: a command prefix for sc (e.g. SC_AS=(setpriv --reuid=nobody ...)); empty = as root
SC_OUT="" SC_ERR="" SC_RC=0 SC_AS=()
sc() {
  jdone
  local t0 t1 errf
  errf=$(mktemp)
  t0=$(date +%s.%N)
  SC_OUT=$("${SC_AS[@]}" "$SRIOVCTL" "$@" 2>"$errf")
  SC_RC=$?
  t1=$(date +%s.%N)
  SC_ERR=$(<"$errf"); rm -f "$errf"
  printf '  $ %ssriovctl %s   (exit %d, %.1fs)\n' "${SC_AS[*]}${SC_AS[*]:+ }" "$*" "$SC_RC" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
}
sc_ok() {
  sc "$@"
  if ((SC_RC != 0)); then
    fail "sriovctl $* exited $SC_RC"
    [[ -n $SC_ERR ]] && printf '%s\n' "$SC_ERR" | sed 's/^/       stderr: /'
    [[ -n $SC_OUT ]] && printf '%s\n' "$SC_OUT" | head -n 40 | sed 's/^/       stdout: /'
    return 1
  fi
  [[ -n $SC_ERR ]] && printf '%s\n' "$SC_ERR" | sed 's/^/       stderr: /'
  if [[ " $* " == *" --json "* ]]; then
    if ! jq -e . >/dev/null 2>&1 <<<"$SC_OUT"; then
      fail "sriovctl $* printed invalid JSON"
      printf '%s\n' "$SC_OUT" | head -n 40 | sed 's/^/       stdout: /'
      return 1
    fi
    [[ $(jq -c .schema_version <<<"$SC_OUT") == 1 ]] || fail "sriovctl $*: schema_version is not 1"
  fi
  return 0
}
jqv() { jq -c "$1" <<<"$SC_OUT" 2>&1; }
_JQ_DESC=() _JQ_FILTER=() _JQ_WANT=()
expect_json() { _JQ_DESC+=("$1"); _JQ_FILTER+=("$2"); _JQ_WANT+=("$3"); }
jdone() {
  local n=${#_JQ_FILTER[@]} prog i got=() failed=0
  ((n)) || return 0
  prog='def hexnum: if type == "string" and startswith("0x") then ltrimstr("0x") | ascii_downcase | explode
    | reduce .[] as $c (0; . * 16 + (if $c >= 97 then $c - 87 else $c - 48 end)) else . end;'
  for ((i = 0; i < n; i++)); do
    prog+=" (try [${_JQ_FILTER[i]}] catch [\"jq error: \" + tostring] | if length == 1 then .[0] else . end | tojson),"
  done
  prog=${prog%,}
  mapfile -t got < <(jq -r "$prog" <<<"$SC_OUT" 2>&1)
  for ((i = 0; i < n; i++)); do
    if [[ ${got[i]-} == "${_JQ_WANT[i]}" ]]; then ok "${_JQ_DESC[i]}: ${_JQ_FILTER[i]} = ${_JQ_WANT[i]}"
    else fail "${_JQ_DESC[i]}: ${_JQ_FILTER[i]} is ${got[i]-<nothing>}, want ${_JQ_WANT[i]}"; failed=1; fi
  done
  _JQ_DESC=() _JQ_FILTER=() _JQ_WANT=()
  ((failed)) && dump_json
  return 0
}
dump_json() { jq . <<<"$SC_OUT" | sed 's/^/       | /'; }

wait_for() {
  local secs=$1 desc=$2 i
  shift 2
  for ((i = 0; i < secs * 10; i++)); do
    "$@" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "timed out after ${secs}s waiting for: $desc"
  return 1
}

pcidev() { echo "/sys/bus/pci/devices/$1"; }
hexid() { local v; v=$(<"$1"); v=${v#0x}; echo "${v,,}"; }
group_of() { local l; l=$(readlink "/sys/bus/pci/devices/$1/iommu_group" 2>/dev/null) && echo "${l##*/}"; return 0; }
group_members() { # (glob order is sorted)
  local f names=()
  [[ -n $1 ]] || { echo null; return; }
  for f in /sys/kernel/iommu_groups/"$1"/devices/*; do [[ -e $f ]] && names+=("${f##*/}"); done
  jarr "${names[@]}"
}
link_base() { local l; l=$(readlink "$1" 2>/dev/null) && echo "${l##*/}"; return 0; }
netdevs_of() {
  local f names=()
  for f in /sys/bus/pci/devices/"$1"/net/*; do [[ -e $f ]] && names+=("${f##*/}"); done
  jarr "${names[@]}"
}

# `lspci -vvv -s ADDR` field helpers (the guest's libpci reads config space as root).
lspci_v() { lspci -vvv -s "$1" 2>/dev/null; }
# ACS flags of an lspci "ACSCap:" / "ACSCtl:" line ("SrcValid+ TransBlk- ...") read from stdin:
# the + ones as a JSON list
acs_plus() {
  local line f names=()
  line=$(grep -m1 "$1:") || { echo null; return; }
  for f in ${line#*"$1":}; do [[ $f == *+ ]] && names+=("${f%+}"); done
  jarr "${names[@]}"
}
# The hex word of such a JSON list, in the kernel's bit order (PCI_ACS_SV 0x01 .. PCI_ACS_DT 0x40)
acs_word() {
  local bit=1 v=0 f
  for f in SrcValid TransBlk ReqRedir CmpltRedir UpstreamFwd EgressCtrl DirectTrans; do
    [[ $1 == *\"$f\"* ]] && v=$((v | bit))
    bit=$((bit << 1))
  done
  printf '0x%04x' "$v"
}
