#!/bin/bash
# Runs the real udev rule engine (udevadm test) on the rule `sriovctl persist` writes for
# vfs.networkmanager: unmanaged, against a copy of the x710-demo fixture mounted over /sys in a
# private mount namespace (the host's /sys and /etc/udev/rules.d stay untouched).
# Prints one line per interface: NAME NM_UNMANAGED=1 or NAME -. Needs root, unshare and udevadm.
# Usage: verify-nm-rule.sh FIXTURE_ROOT RULE_FILE IFACE...
set -eu
fixture=$1 rule=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -a "$fixture" "$work/root"
mkdir "$work/rules"
cp "$rule" "$work/rules/80-sriovctl-nm-unmanaged.rules"
# The fixture's netdevs lack what sd-device needs to open them: a uevent file and a subsystem link.
for name in "$@"; do
  dir=$(readlink -f "$work/root/sys/class/net/$name")
  printf 'INTERFACE=%s\n' "$name" > "$dir/uevent"
  ln -sfn "$work/root/sys/class/net" "$dir/subsystem"
done
exec unshare -m sh -c '
  mount --bind "$1/root/sys" /sys && mount --bind "$1/rules" /etc/udev/rules.d || exit 2
  shift
  for name in "$@"; do
    out=$(SYSTEMD_DEVICE_VERIFY_SYSFS=0 udevadm test --action=add "/sys/class/net/$name" 2>&1) || { echo "$name failed"; continue; }
    case "$out" in *NM_UNMANAGED=1*) echo "$name NM_UNMANAGED=1" ;; *) echo "$name -" ;; esac
  done' sh "$work" "$@"
