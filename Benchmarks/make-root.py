#!/usr/bin/env python3
"""Generate a large fake host root for benchmarks: PFS Intel E810 PFs, each behind its own root port
on its own root bus, each with VFS enabled VFs (iavf-bound, one netdev each).

    python3 Benchmarks/make-root.py OUTDIR PFS VFS [--pci-ids FILE]

Reuses Fixtures/make-fixtures.py, so every device gets the same files the test fixtures have
(vendor/device/class/..., resource, uevent, modalias, a 4 KiB binary config with real capability
layouts, driver/iommu_group/iommu/subsystem/physfn/virtfn links, netdevs). pci.ids: the file given
with --pci-ids (Benchmarks/run passes the system's full /usr/share/misc/pci.ids, as a real host has),
else the fixture-style subset. Deterministic. The fixture self-check (a realpath per link) is skipped
for speed; run it with --check.
"""

import importlib.util
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("fixtures", os.path.join(HERE, "..", "Fixtures", "make-fixtures.py"))
fx = importlib.util.module_from_spec(spec)
sys.modules["fixtures"] = fx
spec.loader.exec_module(fx)


def scenario(pfs, vfs):
    roots = [dict(bus="0000:00", mem=0x90000000, pref=0x380000000000, devices=[
        fx.Dev("0000:00:00.0", (0x8086, 0x2020), 0x060000, "host", rev=0x04, numa=0)])]
    for i in range(pfs):
        rb = 0x10 + 3 * i          # root bus; the PF on rb+1, its VFs on rb+1 and rb+2
        numa = i % 2
        n = f"ens{rb + 1}f0"
        pf = fx.Dev(f"0000:{rb + 1:02x}:00.0", (0x8086, 0x1592), 0x020000, "ep", rev=0x02,
                    subsys=(0x8086, 0x0002), driver="ice", numa=numa, irq=60 + i,
                    bars=[(0, 32 << 20, fx.PREF64), (3, 64 << 10, fx.PREF64)], msix=(1024, 3), ari=True,
                    link=(4, 16), netdev=n, up=True,
                    sriov=fx.SRIOV(total=256, numvfs=vfs, offset=128, stride=1, vf_device=0x1889,
                                   vf_bars=[(0, 128 << 10, fx.PREF64), (3, 64 << 10, fx.PREF64)],
                                   vf_driver="iavf", vf_netdevs=[f"{n}v{k}" for k in range(vfs)], vf_msix=17))
        roots.append(dict(bus=f"0000:{rb:02x}", mem=0xA0000000 + i * 0x1000000,
                          pref=0x381000000000 + i * 0x10000000000, devices=[
            fx.Dev(f"0000:{rb:02x}:00.0", (0x8086, 0x2030), 0x060400, "rp", rev=0x04, subsys=(0x8086, 0x0000),
                   driver="pcieport", numa=numa, irq=27 + i, acs=fx.ACS_HEALTHY, slot=4 + i, link=(4, 16),
                   children=[pf], sub=rb + 2)]))
    return dict(iommu="intel", cmdline=fx.INTEL_CMDLINE + " intel_iommu=on", roots=roots)


def main(argv):
    check = "--check" in argv
    argv = [a for a in argv if a != "--check"]
    ids = None
    if "--pci-ids" in argv:
        k = argv.index("--pci-ids")
        ids = argv[k + 1]
        del argv[k:k + 2]
    out, pfs, vfs = argv[0], int(argv[1]), int(argv[2])
    sc = scenario(pfs, vfs)
    if os.path.lexists(out):
        shutil.rmtree(out)
    devs = fx.build_topology(sc)
    groups = fx.assign_groups(devs)
    ifindex = 2
    for d in devs:
        fx.device(out, d, sc, ifindex)
        ifindex += 1 if d.netdev else 0
    fx.host_files(out, sc, groups, {d.driver for d in devs if d.driver})
    if ids:
        os.makedirs(os.path.join(out, "usr/share/misc"), exist_ok=True)
        shutil.copyfile(ids, os.path.join(out, "usr/share/misc/pci.ids"))
    else:
        fx.write(out, "usr/share/misc/pci.ids", fx.pci_ids(devs))
    if check:
        fx.check(out, devs, sc)
    print(f"{out}: {len(devs)} devices, {len(groups)} IOMMU groups")


if __name__ == "__main__":
    main(sys.argv[1:])
