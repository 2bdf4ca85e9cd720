#!/usr/bin/env python3
"""Compares two sriovctl binaries' output byte for byte (stdout, stderr, exit code).

  Benchmarks/compare.py OLD NEW ROOT...

For each root: every `list` variant; `show` and `show --json` of every function (or, on roots with
more than 1000 functions, of the first 4 PFs), of every netdev name, and of a missing address and
netdev. Prints the differences and a count; exits 1 if any differ. Used before and after each
performance change (see BENCHMARKS.md).
"""
import os
import subprocess
import sys

LISTS = [["list"], ["list", "--vfs"], ["list", "--json"], ["list", "--all"], ["list", "--all", "--vfs"],
         ["list", "--all", "--json"], ["list", "--vfs", "--json"]]


def run(binary, root, args):
    r = subprocess.run([binary, "--root", root] + args, capture_output=True)
    return r.returncode, r.stdout, r.stderr


def cases(root):
    devices = sorted(os.listdir(os.path.join(root, "sys/bus/pci/devices")))
    if len(devices) > 1000:
        devices = [d for d in devices
                   if os.path.exists(os.path.join(root, "sys/bus/pci/devices", d, "sriov_totalvfs"))][:4]
    net = os.path.join(root, "sys/class/net")
    netdevs = sorted(os.listdir(net)) if os.path.isdir(net) else []
    if len(netdevs) > 1000:
        netdevs = netdevs[:8]
    yield from LISTS
    for target in devices + netdevs + ["0000:ff:1f.7", "nosuchif0"]:
        yield ["show", target]
        yield ["show", target, "--json"]


def main():
    old, new, roots = sys.argv[1], sys.argv[2], sys.argv[3:]
    total = differ = 0
    for root in roots:
        for args in cases(root):
            total += 1
            a, b = run(old, root, args), run(new, root, args)
            if a != b:
                differ += 1
                print(f"DIFFER {root} {' '.join(args)}:\n  old {a!r:.300}\n  new {b!r:.300}")
    print(f"{total} comparisons, {differ} differ")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
