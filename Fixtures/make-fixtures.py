#!/usr/bin/env python3
"""Regenerate the fake host roots in Fixtures/sysfs/<scenario>/.

    python3 Fixtures/make-fixtures.py            # rebuild every scenario
    python3 Fixtures/make-fixtures.py x710-demo  # rebuild some

Each scenario is a host root (sys/, proc/cmdline, usr/share/misc/pci.ids) that mirrors what a Linux
kernel shows under /sys for a described machine: device directories at their hierarchical path under
sys/devices, relative symlinks for bus/class/driver/iommu_group/virtfn/physfn, text attributes in the
kernel's exact formats and a binary `config` per device with real capability layouts (lspci decodes
them). See Fixtures/sysfs/README.md for what each scenario imitates.

Deterministic: stdlib only, no clock, no randomness, no reading of host files. After generating, every
scenario is checked (all symlinks relative and resolving inside the scenario root, sysfs attributes
consistent with config space); a failure raises and exits nonzero.
"""

import json
import os
import shutil
import struct
import sys
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "sysfs")

# ---------------------------------------------------------------------------------------------
# Names, copied from the real pci.ids (2023.04.11). Only what the scenarios use is written out.

VENDORS = {
    0x1022: "Advanced Micro Devices, Inc. [AMD]",
    0x10B5: "PLX Technology, Inc.",
    0x144D: "Samsung Electronics Co Ltd",
    0x15B3: "Mellanox Technologies",
    0x8086: "Intel Corporation",
}
DEVICES = {
    (0x1022, 0x1480): "Starship/Matisse Root Complex",
    (0x1022, 0x1481): "Starship/Matisse IOMMU",
    (0x1022, 0x1483): "Starship/Matisse GPP Bridge",
    (0x10B5, 0x8747): "PEX 8747 48-Lane, 5-Port PCI Express Gen 3 (8.0 GT/s) Switch",
    (0x144D, 0xA808): "NVMe SSD Controller SM981/PM981/PM983",
    (0x144D, 0xA824): "NVMe SSD Controller PM173X",
    (0x15B3, 0x1017): "MT27800 Family [ConnectX-5]",
    (0x15B3, 0x1018): "MT27800 Family [ConnectX-5 Virtual Function]",
    (0x8086, 0x10C9): "82576 Gigabit Network Connection",
    (0x8086, 0x10CA): "82576 Virtual Function",
    (0x8086, 0x10ED): "82599 Ethernet Controller Virtual Function",
    (0x8086, 0x10FB): "82599ES 10-Gigabit SFI/SFP+ Network Connection",
    (0x8086, 0x1520): "I350 Ethernet Controller Virtual Function",
    (0x8086, 0x1521): "I350 Gigabit Network Connection",
    (0x8086, 0x1533): "I210 Gigabit Network Connection",
    (0x8086, 0x154C): "Ethernet Virtual Function 700 Series",
    (0x8086, 0x1572): "Ethernet Controller X710 for 10GbE SFP+",
    (0x8086, 0x1592): "Ethernet Controller E810-C for QSFP",
    (0x8086, 0x1889): "Ethernet Adaptive Virtual Function",
    (0x8086, 0x2020): "Sky Lake-E DMI3 Registers",
    (0x8086, 0x2030): "Sky Lake-E PCI Express Root Port A",
    (0x8086, 0x2F00): "Xeon E7 v3/Xeon E5 v3/Core i7 DMI2",
    (0x8086, 0x2F02): "Xeon E7 v3/Xeon E5 v3/Core i7 PCI Express Root Port 1",
    (0x8086, 0x2F04): "Xeon E7 v3/Xeon E5 v3/Core i7 PCI Express Root Port 2",
    (0x8086, 0x2F08): "Xeon E7 v3/Xeon E5 v3/Core i7 PCI Express Root Port 3",
    (0x8086, 0xA190): "C620 Series Chipset Family PCI Express Root Port #1",
}
SUBSYSTEMS = {  # (vendor, device, subvendor, subdevice)
    (0x8086, 0x1572, 0x8086, 0x0000): "Ethernet Converged Network Adapter X710",
    (0x8086, 0x1592, 0x8086, 0x0002): "Ethernet Network Adapter E810-C-Q2",
    (0x15B3, 0x1017, 0x15B3, 0x0020):
        "ConnectX-5 EN network interface card, 10/25GbE dual-port SFP28, PCIe3.0 x8, tall bracket ; MCX512A-ACAT",
}
CLASSES = {0x01: "Mass storage controller", 0x02: "Network controller", 0x06: "Bridge",
           0x08: "Generic system peripheral"}
SUBCLASSES = {(0x01, 0x08): "Non-Volatile memory controller", (0x02, 0x00): "Ethernet controller",
              (0x06, 0x00): "Host bridge", (0x06, 0x04): "PCI bridge", (0x08, 0x06): "IOMMU"}
PROGIFS = {(0x01, 0x08, 0x02): "NVM Express", (0x06, 0x04, 0x00): "Normal decode"}

# ---------------------------------------------------------------------------------------------
# Declarative model

# PCIe device/port type (PCI Express Capabilities register bits 7:4)
ENDPOINT, ROOT_PORT, UPSTREAM, DOWNSTREAM = 0, 4, 5, 6
# ACS bits
SV, TB, RR, CR, UF, EC, DT = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40
REQ_ACS_FLAGS = SV | RR | CR | UF          # drivers/iommu/iommu.c
ACS_HEALTHY = (0x005F, 0x001D)             # Intel root port with an IOMMU: SV TB RR CR UF DT / SV RR CR UF
ACS_NO_IOMMU = (0x005F, 0x0000)            # same port, kernel left ACS off (no IOMMU)

MEM32, MEM64, PREF64 = "mem32", "mem64", "pref64"  # BAR kinds


@dataclass
class SRIOV:
    total: int                 # TotalVFs in config space (= InitialVFs)
    numvfs: int
    offset: int                # First VF Offset as the registers read now
    stride: int
    vf_device: int
    vf_bars: list              # [(index, per-VF size, kind)]
    sysfs_total: int = None    # sriov_totalvfs; lower than `total` where the PF driver caps it
    autoprobe: int = 1
    vf_driver: str = None      # None: VFs unbound
    vf_netdevs: list = None    # names per enabled VF, or None
    vf_msix: int = 5
    vf_irq: int = 0
    unassigned: bool = False   # firmware reserved no MMIO: IOV resource lines stay zero (numvfs must be 0)


@dataclass
class Dev:
    addr: str                  # "0000:3b:00.0"
    ids: tuple                 # (vendor, device)
    cls: int                   # 0x020000
    kind: str                  # host | rp | usp | dsp | ep | iommu | vf
    rev: int = 0x00
    subsys: tuple = (0, 0)
    driver: str = None
    numa: int = -1
    irq: int = 0
    bars: list = field(default_factory=list)     # [(index, size, kind)]
    msix: tuple = None         # (vectors, bar)
    acs: tuple = None          # (ACSCap, ACSCtl) or None for no ACS capability
    ari: bool = False          # ARI capability (and ARI forwarding enabled in the port above)
    sriov: SRIOV = None
    netdev: str = None
    up: bool = False
    phys_port_name: str = None
    link: tuple = (3, 8)       # (speed code 1..5, width)
    slot: int = None           # physical slot number for root/downstream ports
    children: list = field(default_factory=list)
    # filled in by the generator
    parent: "Dev" = None
    physfn: "Dev" = None
    vf_index: int = None
    vfs: list = field(default_factory=list)
    res: dict = field(default_factory=dict)      # resource index -> (start, end, flags)
    sec: int = None
    sub: int = None
    group: int = None
    mac: str = None
    ifindex: int = None

    @property
    def bus(self):
        return int(self.addr[5:7], 16)

    @property
    def devfn(self):
        return (int(self.addr[8:10], 16) << 3) | int(self.addr[11])

    @property
    def domain(self):
        return self.addr[:4]

    @property
    def is_bridge(self):
        return self.kind in ("rp", "usp", "dsp")

    @property
    def pcie_type(self):
        return {"rp": ROOT_PORT, "usp": UPSTREAM, "dsp": DOWNSTREAM}.get(self.kind, ENDPOINT)

    @property
    def multifunction(self):  # header type bit 7: other physical functions in the same slot
        return self.kind != "vf" and any(
            o is not self and o.kind != "vf" and o.bus == self.bus and o.devfn >> 3 == self.devfn >> 3
            for o in self.siblings)

    siblings: list = field(default_factory=list, repr=False)


def bdf(bus, devfn, domain="0000"):
    return f"{domain}:{bus:02x}:{devfn >> 3:02x}.{devfn & 7}"


def vf_addr(pf, i):
    """drivers/pci/iov.c pci_iov_virtfn_bus/devfn"""
    rid = pf.devfn + pf.sriov.offset + pf.sriov.stride * i
    return bdf(pf.bus + (rid >> 8), rid & 0xFF, pf.domain)


# ---------------------------------------------------------------------------------------------
# Scenarios

INTEL_CMDLINE = "BOOT_IMAGE=/boot/vmlinuz-6.1.0-26-amd64 root=UUID=5f1c0b5e-7d3a-4c2e-9b1a-2f6e8d4c3a10 ro quiet"


def x710_demo():
    x710 = dict(ids=(0x8086, 0x1572), cls=0x020000, kind="ep", rev=0x02, subsys=(0x8086, 0x0000), driver="i40e",
                numa=0, bars=[(0, 8 << 20, PREF64), (3, 32 << 10, PREF64)], msix=(129, 3),
                acs=ACS_HEALTHY, ari=True, link=(3, 8))
    vf_bars = [(0, 64 << 10, PREF64), (3, 16 << 10, PREF64)]
    pf0 = Dev("0000:3b:00.0", irq=40, netdev="enp59s0f0", up=True, **x710,
              sriov=SRIOV(total=64, numvfs=4, offset=16, stride=1, vf_device=0x154C, vf_bars=vf_bars,
                          vf_driver="iavf", vf_netdevs=[f"enp59s0f0v{i}" for i in range(4)]))
    pf1 = Dev("0000:3b:00.1", irq=41, netdev="enp59s0f1", up=False, **x710,
              sriov=SRIOV(total=64, numvfs=0, offset=79, stride=1, vf_device=0x154C, vf_bars=vf_bars))
    i210 = Dev("0000:04:00.0", (0x8086, 0x1533), 0x020000, "ep", rev=0x03, subsys=(0x8086, 0x0000),
               driver="igb", numa=0, irq=17, bars=[(0, 128 << 10, MEM32), (3, 16 << 10, MEM32)],
               msix=(5, 3), netdev="eno1", up=True, link=(1, 1))
    return dict(
        iommu="intel", cmdline=INTEL_CMDLINE + " intel_iommu=on", expect_groups="each",
        roots=[
            dict(bus="0000:00", mem=0x92000000, pref=0x380000000000, devices=[
                Dev("0000:00:00.0", (0x8086, 0x2020), 0x060000, "host", rev=0x04, numa=0),
                Dev("0000:00:1c.0", (0x8086, 0xA190), 0x060400, "rp", rev=0xF9, subsys=(0x8086, 0x0000),
                    driver="pcieport", numa=0, irq=24, acs=ACS_HEALTHY, slot=0, link=(1, 1),
                    children=[i210]),
            ]),
            dict(bus="0000:3a", mem=0xC5000000, pref=0x383000000000, devices=[
                Dev("0000:3a:00.0", (0x8086, 0x2030), 0x060400, "rp", rev=0x04, subsys=(0x8086, 0x0000),
                    driver="pcieport", numa=0, irq=26, acs=ACS_HEALTHY, slot=1, children=[pf0, pf1]),
            ]),
        ])


def connectx5():
    cx5 = dict(ids=(0x15B3, 0x1017), cls=0x020000, kind="ep", subsys=(0x15B3, 0x0020), driver="mlx5_core",
               numa=1, bars=[(0, 32 << 20, PREF64)], msix=(64, 0), acs=ACS_HEALTHY, ari=True, link=(3, 8))
    vf_bars = [(0, 1 << 20, PREF64)]
    pf0 = Dev("0000:5e:00.0", irq=89, netdev="enp94s0f0np0", up=True, phys_port_name="p0", **cx5,
              sriov=SRIOV(total=8, numvfs=2, offset=2, stride=1, vf_device=0x1018, vf_bars=vf_bars,
                          vf_driver="mlx5_core", vf_netdevs=["enp94s0f0v0", "enp94s0f0v1"], vf_msix=13))
    pf1 = Dev("0000:5e:00.1", irq=90, netdev="enp94s0f1np1", up=False, phys_port_name="p1", **cx5,
              sriov=SRIOV(total=8, numvfs=0, offset=9, stride=1, vf_device=0x1018, vf_bars=vf_bars))
    return dict(
        iommu="amd", cmdline="BOOT_IMAGE=/boot/vmlinuz-6.1.0-26-amd64 "
                             "root=UUID=0b6d2a4e-91c3-4f57-8e2d-6a1f3c9b7d52 ro quiet",
        expect_groups="each",
        roots=[
            dict(bus="0000:00", mem=0xF0000000, pref=0x10000000000, devices=[
                Dev("0000:00:00.0", (0x1022, 0x1480), 0x060000, "host", subsys=(0x1022, 0x1480), numa=0),
                Dev("0000:00:00.2", (0x1022, 0x1481), 0x080600, "iommu", subsys=(0x1022, 0x1481), numa=0),
            ]),
            dict(bus="0000:5d", mem=0xB0000000, pref=0x20000000000, devices=[
                Dev("0000:5d:00.0", (0x1022, 0x1483), 0x060400, "rp", subsys=(0x1022, 0x1453),
                    driver="pcieport", numa=1, irq=35, acs=ACS_HEALTHY, slot=3, children=[pf0, pf1]),
            ]),
        ])


def nvme_sriov():
    pf = Dev("0000:01:00.0", (0x144D, 0xA824), 0x010802, "ep", subsys=(0x144D, 0xA801), driver="nvme",
             numa=0, irq=16, bars=[(0, 32 << 10, MEM64)], msix=(130, 0), ari=True, link=(4, 4),
             sriov=SRIOV(total=32, numvfs=2, offset=1, stride=1, vf_device=0xA824,
                         vf_bars=[(0, 32 << 10, MEM64)], autoprobe=0, vf_driver=None, vf_msix=32))
    other = Dev("0000:02:00.0", (0x144D, 0xA808), 0x010802, "ep", subsys=(0x144D, 0xA801), driver="nvme",
                numa=0, irq=16, bars=[(0, 16 << 10, MEM64)], msix=(33, 0), link=(3, 4))
    return dict(
        iommu="intel", cmdline=INTEL_CMDLINE + " intel_iommu=on", extra_drivers=["vfio-pci"], expect_groups="each",
        roots=[dict(bus="0000:00", mem=0xFB000000, pref=0x380000000000, devices=[
            Dev("0000:00:00.0", (0x8086, 0x2F00), 0x060000, "host", rev=0x02, numa=0),
            Dev("0000:00:02.0", (0x8086, 0x2F04), 0x060400, "rp", rev=0x02, subsys=(0x8086, 0x0000),
                driver="pcieport", numa=0, irq=25, acs=ACS_HEALTHY, slot=2, link=(4, 4), children=[pf]),
            Dev("0000:00:03.0", (0x8086, 0x2F08), 0x060400, "rp", rev=0x02, subsys=(0x8086, 0x0000),
                driver="pcieport", numa=0, irq=26, acs=ACS_HEALTHY, slot=3, link=(3, 4), children=[other]),
        ])])


def vf_second_bus():
    n = 132
    pf = Dev("0000:18:00.0", (0x8086, 0x1592), 0x020000, "ep", rev=0x02, subsys=(0x8086, 0x0002),
             driver="ice", numa=0, irq=60, bars=[(0, 32 << 20, PREF64), (3, 64 << 10, PREF64)],
             msix=(1024, 3), ari=True, link=(4, 16), netdev="ens785f0", up=True,
             sriov=SRIOV(total=256, numvfs=n, offset=128, stride=1, vf_device=0x1889,
                         vf_bars=[(0, 128 << 10, PREF64), (3, 64 << 10, PREF64)], vf_driver="iavf",
                         vf_netdevs=[f"ens785f0v{i}" for i in range(n)], vf_msix=17))
    return dict(
        iommu="intel", cmdline=INTEL_CMDLINE + " intel_iommu=on", expect_groups="each",
        roots=[
            dict(bus="0000:00", mem=0x92000000, pref=0x380000000000, devices=[
                Dev("0000:00:00.0", (0x8086, 0x2020), 0x060000, "host", rev=0x04, numa=0)]),
            dict(bus="0000:17", mem=0xA8000000, pref=0x381000000000, devices=[
                Dev("0000:17:00.0", (0x8086, 0x2030), 0x060400, "rp", rev=0x04, subsys=(0x8086, 0x0000),
                    driver="pcieport", numa=0, irq=27, acs=ACS_HEALTHY, slot=4, link=(4, 16),
                    children=[pf], sub=0x19)]),
        ])


def haswell_host(rp_children, rp_acs=ACS_HEALTHY, numa=0, link=(3, 8)):
    return [dict(bus="0000:00", mem=0xF7000000, pref=0x380000000000, devices=[
        Dev("0000:00:00.0", (0x8086, 0x2F00), 0x060000, "host", rev=0x02, numa=numa),
        Dev("0000:00:01.0", (0x8086, 0x2F02), 0x060400, "rp", rev=0x02, subsys=(0x8086, 0x0000),
            driver="pcieport", numa=numa, irq=24, acs=rp_acs, slot=1, link=link, children=rp_children),
    ])]


def switch_no_acs():
    plx = dict(ids=(0x10B5, 0x8747), cls=0x060400, rev=0xCA, subsys=(0x10B5, 0x8747), driver="pcieport",
               numa=0, acs=None)
    nic = Dev("0000:03:00.0", (0x8086, 0x10FB), 0x020000, "ep", rev=0x01, subsys=(0x8086, 0x0003),
              driver="ixgbe", numa=0, irq=32, bars=[(0, 512 << 10, MEM64), (4, 16 << 10, MEM64)],
              msix=(64, 4), netdev="enp3s0f0", up=True, link=(2, 8),
              sriov=SRIOV(total=64, sysfs_total=63, numvfs=2, offset=128, stride=2, vf_device=0x10ED,
                          vf_bars=[(0, 16 << 10, PREF64), (3, 16 << 10, PREF64)], vf_driver="ixgbevf",
                          vf_netdevs=["enp3s0f0v0", "enp3s0f0v1"], vf_msix=3))
    nvme = Dev("0000:04:00.0", (0x144D, 0xA808), 0x010802, "ep", subsys=(0x144D, 0xA801), driver="nvme",
               numa=0, irq=16, bars=[(0, 16 << 10, MEM64)], msix=(33, 0), link=(3, 4))
    usp = Dev("0000:01:00.0", kind="usp", irq=26, bars=[(0, 256 << 10, MEM32)], link=(3, 16), **plx,
              children=[Dev("0000:02:08.0", kind="dsp", irq=27, slot=8, link=(2, 8), children=[nic], **plx),
                        Dev("0000:02:09.0", kind="dsp", irq=28, slot=9, link=(3, 4), children=[nvme], **plx)])
    return dict(iommu="intel", cmdline=INTEL_CMDLINE + " intel_iommu=on", roots=haswell_host([usp], link=(3, 16)),
                expect_groups=[{"0000:00:00.0"}, {"0000:00:01.0"}, {"0000:01:00.0"},
                               {"0000:02:08.0", "0000:03:00.0", "0000:03:10.0", "0000:03:10.2"},
                               {"0000:02:09.0", "0000:04:00.0"}])


def no_iommu():
    i350 = Dev("0000:01:00.0", (0x8086, 0x1521), 0x020000, "ep", rev=0x01, subsys=(0x8086, 0x0001),
               driver="igb", numa=-1, irq=16, bars=[(0, 1 << 20, MEM32), (3, 16 << 10, MEM32)],
               msix=(10, 3), netdev="enp1s0f0", up=True, link=(2, 4),
               sriov=SRIOV(total=8, sysfs_total=7, numvfs=0, offset=128, stride=4, vf_device=0x1520,
                           vf_bars=[(0, 16 << 10, PREF64), (3, 16 << 10, PREF64)]))
    return dict(iommu=None, firmware="DMAR", cmdline=INTEL_CMDLINE + " intel_iommu=off",
                roots=haswell_host([i350], rp_acs=ACS_NO_IOMMU, numa=-1, link=(2, 4)))


def nonroot_view():
    i82576 = Dev("0000:01:00.0", (0x8086, 0x10C9), 0x020000, "ep", rev=0x01, subsys=(0x8086, 0xA03C),
                 driver="igb", numa=-1, irq=16, bars=[(0, 128 << 10, MEM32), (3, 16 << 10, MEM32)],
                 msix=(10, 3), netdev="enp1s0", up=True, link=(1, 4),
                 sriov=SRIOV(total=8, sysfs_total=7, numvfs=2, offset=128, stride=2, vf_device=0x10CA,
                             vf_bars=[(0, 16 << 10, PREF64), (3, 16 << 10, PREF64)], vf_driver="igbvf",
                             vf_netdevs=["enp1s0v0", "enp1s0v1"], vf_msix=3))
    return dict(iommu="intel", cmdline=INTEL_CMDLINE + " intel_iommu=on", config_bytes=64, expect_groups="each",
                roots=haswell_host([i82576], numa=-1, link=(1, 4)))


# Scenarios for `sriovctl check` (kernel-abi.md §7-8). Each is a Haswell-EP host with one root port.

CHECK_CPU_FLAGS = "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov vmx smx est tm2 ssse3 x2apic"


def i350_pf(addr="0000:01:00.0", driver="igb", netdev="enp1s0f0", acs=None, unassigned=False):
    return Dev(addr, (0x8086, 0x1521), 0x020000, "ep", rev=0x01, subsys=(0x8086, 0x0001), driver=driver,
               numa=0, irq=16, bars=[(0, 1 << 20, MEM32), (3, 16 << 10, MEM32)], msix=(10, 3), netdev=netdev,
               up=netdev is not None, link=(2, 4), acs=acs,
               sriov=SRIOV(total=8, sysfs_total=7, numvfs=0, offset=128, stride=4, vf_device=0x1520,
                           vf_bars=[(0, 16 << 10, PREF64), (3, 16 << 10, PREF64)], unassigned=unassigned))


def check_host(children, rp_acs=ACS_HEALTHY, extra=""):
    return dict(iommu="intel", cmdline=INTEL_CMDLINE + " intel_iommu=on" + extra, cpu_flags=CHECK_CPU_FLAGS,
                roots=haswell_host(children, rp_acs=rp_acs, link=(2, 4)))


def check_iommu_pt():
    return dict(check_host([i350_pf()], extra=" iommu=pt"), group_type="identity", expect_groups="each")


def check_acs_off():
    return dict(check_host([i350_pf()], rp_acs=ACS_NO_IOMMU),
                expect_groups=[{"0000:00:00.0"}, {"0000:00:01.0", "0000:01:00.0"}])


def check_vf_bars_unassigned():
    return dict(check_host([i350_pf(unassigned=True)]), expect_groups="each")


def check_bus_range():
    e810 = Dev("0000:01:00.0", (0x8086, 0x1592), 0x020000, "ep", rev=0x02, subsys=(0x8086, 0x0002),
               driver="ice", numa=0, irq=60, bars=[(0, 32 << 20, PREF64), (3, 64 << 10, PREF64)],
               msix=(1024, 3), ari=True, link=(4, 16), netdev="ens1f0", up=True,
               sriov=SRIOV(total=256, numvfs=0, offset=128, stride=1, vf_device=0x1889,
                           vf_bars=[(0, 128 << 10, PREF64), (3, 64 << 10, PREF64)]))
    return dict(check_host([e810]), expect_groups="each")


def check_group_not_viable():
    pf0 = i350_pf("0000:01:00.0", driver="vfio-pci", netdev=None)
    pf1 = i350_pf("0000:01:00.1", netdev="enp1s0f1")
    return dict(check_host([pf0, pf1]),
                expect_groups=[{"0000:00:00.0"}, {"0000:00:01.0"}, {"0000:01:00.0", "0000:01:00.1"}])


SCENARIOS = {
    "x710-demo": x710_demo,
    "connectx5": connectx5,
    "nvme-sriov": nvme_sriov,
    "vf-second-bus": vf_second_bus,
    "switch-no-acs": switch_no_acs,
    "no-iommu": no_iommu,
    "nonroot-view": nonroot_view,
    "check-iommu-pt": check_iommu_pt,
    "check-acs-off": check_acs_off,
    "check-vf-bars-unassigned": check_vf_bars_unassigned,
    "check-bus-range": check_bus_range,
    "check-group-not-viable": check_group_not_viable,
}

# ---------------------------------------------------------------------------------------------
# File helpers


def write(root, rel, data):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


def attr(root, rel, value):
    """A sysfs text attribute: the value and one newline (empty value: an empty, write-only file)."""
    write(root, rel, "" if value == "" else f"{value}\n")


def link(root, rel, target):
    """Relative symlink at `rel` pointing to `target` (both relative to the scenario root)."""
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    os.symlink(os.path.relpath(os.path.join(root, target), os.path.dirname(path)), path)


# ---------------------------------------------------------------------------------------------
# Topology: parents, VFs, bus numbers, MMIO assignment


def walk(devs):
    for d in devs:
        yield d
        yield from d.vfs
        yield from walk(d.children)


def build_topology(sc):
    for r in sc["roots"]:
        r["bus_num"] = int(r["bus"][5:], 16)
        link_parents(r["devices"], None)
        cursor = {MEM32: r["mem"], MEM64: r["mem"], PREF64: r["pref"]}
        for d in r["devices"]:
            assign(d, cursor, r["bus_num"])
    return [d for r in sc["roots"] for d in walk(r["devices"])]


def link_parents(devs, parent):
    for d in devs:
        d.parent, d.siblings = parent, devs
        if d.sriov:
            for i in range(d.sriov.numvfs):
                d.vfs.append(Dev(vf_addr(d, i), (d.ids[0], d.sriov.vf_device), d.cls, "vf", rev=d.rev,
                                 subsys=d.subsys, driver=d.sriov.vf_driver, numa=d.numa, irq=d.sriov.vf_irq,
                                 msix=(d.sriov.vf_msix, d.sriov.vf_bars[-1][0]), ari=d.ari, physfn=d,
                                 vf_index=i, link=(0, 0), parent=parent, siblings=devs,
                                 netdev=d.sriov.vf_netdevs[i] if d.sriov.vf_netdevs else None))
        link_parents(d.children, d)


MEM_FLAGS = {MEM32: 0x00040200, MEM64: 0x00140204, PREF64: 0x0014220C}  # IORESOURCE_* | BAR type bits


def alloc(cursor, kind, size):
    space = PREF64 if kind == PREF64 else MEM32
    start = -(-cursor[space] // size) * size
    cursor[space] = start + size
    if space == MEM32:
        cursor[MEM64] = cursor[MEM32]
    return start


def assign(d, cursor, bus):
    """Give BARs, IOV BARs and bridge windows addresses (children first, windows = hull, 1 MiB)."""
    for idx, size, kind in sorted(d.bars, key=lambda b: -b[1]):
        d.res[idx] = (alloc(cursor, kind, size), size, MEM_FLAGS[kind])
    if d.sriov and not d.sriov.unassigned:
        for idx, size, kind in d.sriov.vf_bars:
            start = alloc(cursor, kind, size * d.sriov.total)
            d.res[7 + idx] = (start, size * d.sriov.total, MEM_FLAGS[kind])
            for vf in d.vfs:
                vf.res[idx] = (start + size * vf.vf_index, size, MEM_FLAGS[kind])
    if not d.is_bridge:
        return
    d.sec = int(d.children[0].addr[5:7], 16)
    windows = {}
    for space in (MEM32, PREF64):
        cursor[space] = -(-cursor[space] // (1 << 20)) * (1 << 20)
        windows[space] = cursor[space]
    cursor[MEM64] = cursor[MEM32]
    for c in d.children:
        assign(c, cursor, d.sec)
    for space, idx, flags in ((MEM32, 14, 0x200), (PREF64, 15, 0x102201)):
        cursor[space] = -(-cursor[space] // (1 << 20)) * (1 << 20)
        if cursor[space] > windows[space]:
            d.res[idx] = (windows[space], cursor[space] - windows[space], flags)
    cursor[MEM64] = cursor[MEM32]
    below = [x.bus for x in walk(d.children)]
    d.sub = max([d.sub or 0] + below)


# ---------------------------------------------------------------------------------------------
# Config space


class Config:
    def __init__(self, size):
        self.b = bytearray(size)

    def w8(self, off, v):
        self.b[off] = v & 0xFF

    def w16(self, off, v):
        struct.pack_into("<H", self.b, off, v & 0xFFFF)

    def w32(self, off, v):
        struct.pack_into("<I", self.b, off, v & 0xFFFFFFFF)


def std_caps(d):
    """[(offset, cap id, writer)] for the capability list at 0x34."""
    caps = []
    if d.is_bridge:
        caps = [(0x40, 0x0D, cap_ssvid), (0x60, 0x05, cap_msi), (0x90, 0x10, cap_pcie), (0xE0, 0x01, cap_pm)]
    elif d.kind == "vf":
        caps = [(0x70, 0x11, cap_msix), (0xA0, 0x10, cap_pcie)]
    elif d.kind == "ep":
        caps = [(0x40, 0x01, cap_pm), (0x70, 0x11, cap_msix), (0xA0, 0x10, cap_pcie)]
    return caps


def ext_caps(d):
    """[(cap id, version, size, writer)] laid out from 0x100 in this order."""
    caps = [(0x0001, 2, 0x48, ecap_aer)]
    if d.ari:
        caps.append((0x000E, 1, 0x08, ecap_ari))
    if d.sriov:
        caps.append((0x0010, 1, 0x40, ecap_sriov))
    if d.acs:
        caps.append((0x000D, 1, 0x08, ecap_acs))
    return caps


def config_space(d, size):
    c = Config(4096 if d.kind not in ("host", "iommu") else 256)
    vendor, device = (0xFFFF, 0xFFFF) if d.kind == "vf" else d.ids
    c.w16(0x00, vendor)
    c.w16(0x02, device)
    if d.kind == "vf":
        command = 0x0004 if d.driver else 0x0000      # VF Memory Space lives in the PF's IOVCtl.MSE
    elif d.kind in ("host", "iommu"):
        command = 0x0006 if d.kind == "host" else 0x0004
    else:
        command = 0x0406 if d.driver else 0x0000      # Mem+ BusMaster+ DisINTx+
    c.w16(0x04, command)
    caps = std_caps(d)
    c.w16(0x06, 0x0010 if caps else 0x0000)
    c.w32(0x08, (d.cls << 8) | d.rev)
    c.w8(0x0C, 0x10 if d.kind != "vf" else 0)
    c.w8(0x0E, (0x01 if d.is_bridge else 0x00) | (0x80 if d.multifunction else 0))
    for idx, (start, _, flags) in d.res.items():
        if idx < 6 and d.kind != "vf":                # VF BARs read as zero (spec); addresses are in the PF
            c.w32(0x10 + 4 * idx, start | (flags & 0xF))
            if flags & 0x4:
                c.w32(0x14 + 4 * idx, start >> 32)
    if d.is_bridge:
        c.w8(0x18, d.parent.sec if d.parent else d.bus)
        c.w8(0x19, d.sec)
        c.w8(0x1A, d.sub)
        c.w16(0x1C, 0x00F0)                          # I/O window disabled (base > limit)
        mem = d.res.get(14)
        c.w32(0x20, ((mem[0] + mem[1] - 1) >> 16 & 0xFFF0) << 16 | (mem[0] >> 16 & 0xFFF0)
              if mem else 0x0000FFF0)
        pref = d.res.get(15)
        if pref:
            end = pref[0] + pref[1] - 1
            c.w32(0x24, ((end >> 16 & 0xFFF0) | 1) << 16 | (pref[0] >> 16 & 0xFFF0) | 1)
            c.w32(0x28, pref[0] >> 32)
            c.w32(0x2C, end >> 32)
        else:
            c.w32(0x24, 0x0001FFF1)
        c.w16(0x3E, 0x0012)                          # BridgeCtl: SERR+ VGA16+
    else:
        c.w16(0x2C, d.subsys[0])
        c.w16(0x2E, d.subsys[1])
    if caps:
        c.w8(0x34, caps[0][0])
        for i, (off, cid, writer) in enumerate(caps):
            c.w8(off, cid)
            c.w8(off + 1, caps[i + 1][0] if i + 1 < len(caps) else 0)
            writer(c, off, d)
    c.w8(0x3C, d.irq & 0xFF if d.irq else 0xFF if d.kind != "vf" else 0)
    c.w8(0x3D, 0 if d.kind in ("vf", "host") else 1)
    if len(c.b) == 4096:
        ecaps, off = ext_caps(d), 0x100
        for i, (cid, ver, sz, writer) in enumerate(ecaps):
            nxt = off + -(-sz // 0x10) * 0x10 if i + 1 < len(ecaps) else 0
            c.w32(off, cid | ver << 16 | nxt << 20)
            writer(c, off, d)
            off = nxt
    return bytes(c.b[:size])


def cap_ssvid(c, off, d):
    c.w16(off + 4, d.subsys[0])
    c.w16(off + 6, d.subsys[1])


def cap_msi(c, off, d):
    c.w16(off + 2, 0x0081 if d.driver else 0x0080)  # 64bit+, Enable when pcieport uses it
    if d.driver:
        c.w32(off + 4, 0xFEE00000 | (d.irq % 16) << 12)
        c.w16(off + 12, 0x4020 + d.irq)


def cap_pm(c, off, d):
    c.w16(off + 2, 0xC803)                                 # PME from D0/D3hot/D3cold, version 3
    c.w16(off + 4, 0x0008)                                 # D0, NoSoftRst+


def cap_msix(c, off, d):
    vectors, bir = d.msix
    enabled = bool(d.driver)
    c.w16(off + 2, (vectors - 1) | (0x8000 if enabled else 0))
    c.w32(off + 4, 0x0000 | bir)
    c.w32(off + 8, -(-vectors * 16 // 0x1000) * 0x1000 | bir)   # PBA after the table, 4K aligned


SPEED_VECTOR = {1: 0x02, 2: 0x06, 3: 0x0E, 4: 0x1E, 5: 0x3E}


def cap_pcie(c, off, d):
    port = d.kind in ("rp", "dsp")
    child = d.children[0] if d.children else None
    caps_reg = 0x0002 | d.pcie_type << 4 | (0x0100 if port and d.slot is not None else 0)
    c.w16(off + 2, caps_reg)
    if d.kind in ("ep", "vf"):
        c.w32(off + 4, 0x10008FE2)   # MaxPayload 512, ExtTag+, L0s/L1 unlimited, RBE+, FLReset+
        c.w16(off + 8, 0x2937 if d.kind == "ep" else 0x0000)
    else:
        c.w32(off + 4, 0x00008022)   # MaxPayload 512, ExtTag+, RBE+
        c.w16(off + 8, 0x0027)       # errors reported, MaxPayload 256
    speed, width = d.link
    port_no = {"rp": d.devfn >> 3, "dsp": d.devfn >> 3, "usp": 0}.get(d.kind, 0)
    lnkcap = speed | width << 4
    if d.kind != "vf":
        lnkcap |= 0x2 << 10 | 0x3 << 12 | 0x6 << 15 | port_no << 24  # ASPM L1, exit latencies
    if port:
        lnkcap |= 1 << 20 | 1 << 21                                   # DLActive, BwNot reporting
    c.w32(off + 0x0C, lnkcap)
    c.w16(off + 0x10, 0x0040 if d.kind != "vf" else 0)                # CommClk+
    lnksta = 0
    if d.kind != "vf":
        lnksta = speed | width << 4 | 0x1000 | (0x2000 if port and child else 0)
    c.w16(off + 0x12, lnksta)
    if port and d.slot is not None:
        c.w32(off + 0x14, d.slot << 19 | 1 << 15 | 250 << 7 | 1 << 6)  # Slot #N, 25W, HotPlug-less, NoCompl+
        c.w16(off + 0x1A, 0x0040 if child else 0x0000)                # PresDet
    ari_below = any(x.ari for x in d.children)
    if d.is_bridge:
        c.w32(off + 0x24, 0x0000003F if port else 0x0000001F)         # CT ranges, ARIFwd+ on ports
        c.w16(off + 0x28, 0x0020 if port and ari_below else 0x0000)   # ARIFwd enabled
    else:
        c.w32(off + 0x24, 0x0000001F if d.kind == "ep" else 0)
    if d.kind != "vf":
        c.w32(off + 0x2C, SPEED_VECTOR[speed])
        c.w16(off + 0x30, speed)


def ecap_aer(c, off, d):
    c.w32(off + 0x08, 0x00000000)      # UEMsk
    c.w32(off + 0x0C, 0x00462030)      # UESvrt (spec defaults)
    c.w32(off + 0x14, 0x00002000)      # CEMsk AdvNonFatalErr
    c.w32(off + 0x18, 0x000000A0)      # ECRCGenCap+ ECRCChkCap+


def ecap_ari(c, off, d):
    nxt = 0
    if d.kind != "vf":
        later = sorted(o.devfn for o in d.siblings if o.kind != "vf" and o.bus == d.bus and o.devfn > d.devfn)
        nxt = later[0] if later else 0
    c.w16(off + 4, nxt << 8)


def ecap_acs(c, off, d):
    c.w16(off + 4, d.acs[0])
    c.w16(off + 6, d.acs[1])


def ecap_sriov(c, off, d):
    s = d.sriov
    ctl = (0x0009 if s.numvfs else 0) | (0x0010 if ari_hierarchy(d) else 0)
    c.w32(off + 0x04, 0)                    # IOVCap
    c.w16(off + 0x08, ctl)                  # IOVCtl
    c.w16(off + 0x0C, s.total)              # InitialVFs
    c.w16(off + 0x0E, s.total)              # TotalVFs
    c.w16(off + 0x10, s.numvfs)             # NumVFs
    c.w8(off + 0x12, d.devfn & 7)           # Function Dependency Link
    c.w16(off + 0x14, s.offset)
    c.w16(off + 0x16, s.stride)
    c.w16(off + 0x1A, s.vf_device)
    c.w32(off + 0x1C, 0x00000553)           # Supported Page Sizes
    c.w32(off + 0x20, 0x00000001)           # System Page Size (4K)
    for idx, _, kind in s.vf_bars:
        if 7 + idx not in d.res:            # unassigned: the VF BAR registers read 0
            continue
        start, _, flags = d.res[7 + idx]
        c.w32(off + 0x24 + 4 * idx, start | (flags & 0xF))
        if flags & 0x4:
            c.w32(off + 0x28 + 4 * idx, start >> 32)


def ari_hierarchy(d):
    """The kernel sets ARI Capable Hierarchy on PFs when ARI forwarding is on in the port above."""
    return d.ari and d.parent is not None and d.parent.kind in ("rp", "dsp")


# ---------------------------------------------------------------------------------------------
# IOMMU groups: a model of drivers/iommu/iommu.c pci_device_group + drivers/pci/pci.c pci_acs_enabled


def acs_flags_enabled(d, flags):
    if not d.acs:
        return False
    cap, ctl = d.acs
    flags &= cap | EC
    return ctl & flags == flags


def acs_enabled(d):
    if d.kind in ("host", "iommu") or d.kind is None:
        return False
    if d.kind in ("rp", "dsp"):
        return acs_flags_enabled(d, REQ_ACS_FLAGS)
    if not d.multifunction:
        return True
    return acs_flags_enabled(d, REQ_ACS_FLAGS)


def acs_path_enabled(bridge):
    while bridge is not None:
        if not acs_enabled(bridge):
            return False
        bridge = bridge.parent
    return True


def assign_groups(devs):
    """Boot-time devices in bus order, then VFs as they were created. Returns {group: [devs]}."""
    order = sorted((d for d in devs if d.kind not in ("vf", "iommu")), key=lambda d: (d.bus, d.devfn))
    order += [d for d in devs if d.kind == "vf"]
    groups = {}
    for d in order:
        g = None
        if d.multifunction and not acs_enabled(d):   # get_pci_function_alias_group
            g = next((o.group for o in d.siblings if o.group is not None and o.kind != "vf"
                      and o.devfn >> 3 == d.devfn >> 3 and not acs_enabled(o)), None)
        top = d.parent
        while g is None and top is not None:
            if acs_path_enabled(top):
                break
            g = top.group
            top = top.parent
        if g is None:
            g = len(groups)
        d.group = g
        groups.setdefault(g, []).append(d)
    return groups


# ---------------------------------------------------------------------------------------------
# The per-device sysfs directory


def devdir(d):
    base = d.physfn.parent if d.kind == "vf" else d.parent
    if base is None:
        return f"sys/devices/pci{d.addr[:7]}/{d.addr}"
    return f"{devdir(base)}/{d.addr}"


def modalias(d):
    return (f"pci:v{d.ids[0]:08X}d{d.ids[1]:08X}sv{d.subsys[0]:08X}sd{d.subsys[1]:08X}"
            f"bc{d.cls >> 16:02X}sc{d.cls >> 8 & 0xFF:02X}i{d.cls & 0xFF:02X}")


CPULIST = {0: "0-15", 1: "16-31", -1: "0-31"}


def resource_lines(d):
    n = 17 if d.is_bridge else 13
    lines = []
    for i in range(n):
        if i in d.res:
            start, size, flags = d.res[i]
            lines.append(f"0x{start:016x} 0x{start + size - 1:016x} 0x{flags:016x}")
        else:
            lines.append(f"0x{0:016x} 0x{0:016x} 0x{0:016x}")
    return "\n".join(lines)


def device(root, d, sc, ifindex):
    p = devdir(d)
    attr(root, f"{p}/vendor", f"0x{d.ids[0]:04x}")
    attr(root, f"{p}/device", f"0x{d.ids[1]:04x}")
    attr(root, f"{p}/subsystem_vendor", f"0x{d.subsys[0]:04x}")
    attr(root, f"{p}/subsystem_device", f"0x{d.subsys[1]:04x}")
    attr(root, f"{p}/class", f"0x{d.cls:06x}")
    attr(root, f"{p}/revision", f"0x{d.rev:02x}")
    attr(root, f"{p}/irq", d.irq)
    attr(root, f"{p}/numa_node", d.numa)
    attr(root, f"{p}/enable", 1 if d.driver else 0)
    attr(root, f"{p}/local_cpulist", CPULIST[d.numa])
    attr(root, f"{p}/driver_override", "(null)")
    attr(root, f"{p}/modalias", modalias(d))
    attr(root, f"{p}/resource", resource_lines(d))
    uevent = [f"DRIVER={d.driver}"] if d.driver else []
    uevent += [f"PCI_CLASS={d.cls:X}", f"PCI_ID={d.ids[0]:04X}:{d.ids[1]:04X}",
               f"PCI_SUBSYS_ID={d.subsys[0]:04X}:{d.subsys[1]:04X}", f"PCI_SLOT_NAME={d.addr}",
               f"MODALIAS={modalias(d)}"]
    attr(root, f"{p}/uevent", "\n".join(uevent))
    write(root, f"{p}/config", config_space(d, sc.get("config_bytes", 4096)))
    link(root, f"{p}/subsystem", "sys/bus/pci")
    link(root, f"sys/bus/pci/devices/{d.addr}", p)
    if d.driver:
        link(root, f"{p}/driver", f"sys/bus/pci/drivers/{d.driver}")
        link(root, f"sys/bus/pci/drivers/{d.driver}/{d.addr}", p)
    if d.group is not None:
        link(root, f"{p}/iommu_group", f"sys/kernel/iommu_groups/{d.group}")
        link(root, f"sys/kernel/iommu_groups/{d.group}/devices/{d.addr}", p)
        unit = iommu_unit_dir(sc)
        link(root, f"{p}/iommu", unit)
        link(root, f"{unit}/devices/{d.addr}", p)
    if d.sriov:
        s = d.sriov
        attr(root, f"{p}/sriov_totalvfs", s.sysfs_total if s.sysfs_total is not None else s.total)
        attr(root, f"{p}/sriov_numvfs", s.numvfs)
        attr(root, f"{p}/sriov_offset", s.offset)
        attr(root, f"{p}/sriov_stride", s.stride)
        attr(root, f"{p}/sriov_vf_device", f"{s.vf_device:x}")
        attr(root, f"{p}/sriov_drivers_autoprobe", s.autoprobe)
        attr(root, f"{p}/sriov_vf_total_msix", 0)
        for vf in d.vfs:
            link(root, f"{p}/virtfn{vf.vf_index}", devdir(vf))
    if d.physfn:
        link(root, f"{p}/physfn", devdir(d.physfn))
    if d.netdev:
        netdev(root, d, p, ifindex)


def netdev(root, d, p, ifindex):
    n = f"{p}/net/{d.netdev}"
    if d.kind == "vf":
        bus, dev, fn = d.bus, d.devfn >> 3, d.devfn & 7
        d.mac = f"02:00:00:{bus:02x}:{dev:02x}:{fn:02x}"   # random-looking, locally administered
        d.up = False
    else:
        d.mac = OUI_MACS[d.ids[0]] + f":{d.bus:02x}:{d.devfn:02x}:00"
    attr(root, f"{n}/address", d.mac)
    attr(root, f"{n}/operstate", "up" if d.up else "down")
    attr(root, f"{n}/ifindex", ifindex)
    attr(root, f"{n}/mtu", 1500)
    attr(root, f"{n}/flags", "0x1003" if d.up else "0x1002")
    if d.up:
        attr(root, f"{n}/carrier", 1)
    if d.phys_port_name:
        attr(root, f"{n}/phys_port_name", d.phys_port_name)
    link(root, f"{n}/device", p)
    link(root, f"sys/class/net/{d.netdev}", n)


OUI_MACS = {0x8086: "3c:fd:fe", 0x15B3: "b8:ce:f6"}

# ---------------------------------------------------------------------------------------------
# Host-level pieces: bus, drivers, IOMMU, firmware tables, cmdline, pci.ids


def iommu_unit_dir(sc):
    if sc["iommu"] == "intel":
        return "sys/devices/virtual/iommu/dmar0"
    return "sys/devices/pci0000:00/0000:00:00.2/iommu/ivhd0"   # AMD: class device under the IOMMU function


def acpi_table(sig, body, oem=b"INTEL ", table_id=b"S2600WF ", creator=b"INTL"):
    length = 36 + len(body)
    hdr = sig + struct.pack("<IB", length, 1) + b"\0" + oem + table_id + struct.pack("<I", 1) + creator + \
        struct.pack("<I", 0x20200925)
    raw = bytearray(hdr + body)
    raw[9] = (-sum(raw)) & 0xFF
    return bytes(raw)


def dmar_table():
    drhd = struct.pack("<HHBBHQ", 0, 16, 0x01, 0, 0, 0xFED90000)      # DRHD, INCLUDE_PCI_ALL
    return acpi_table(b"DMAR", struct.pack("<BB10x", 45, 0x05) + drhd)


def ivrs_table():
    ivhd = struct.pack("<BBHHHQHHI", 0x10, 0xB0, 24, 0x0002, 0x40, 0xFC800000, 0, 0, 0x80048F6E)
    return acpi_table(b"IVRS", struct.pack("<I8x", 0x00203041) + ivhd, oem=b"AMD   ", table_id=b"AMD IVRS", creator=b"AMD ")


def host_files(root, sc, groups, drivers):
    attr(root, "proc/cmdline", sc["cmdline"])
    if "cpu_flags" in sc:
        attr(root, "proc/cpuinfo", f"processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: {sc['cpu_flags']}\n")
    for f in ("drivers_probe", "rescan"):
        attr(root, f"sys/bus/pci/{f}", "")
    attr(root, "sys/bus/pci/drivers_autoprobe", 1)
    for drv in sorted(drivers):
        for f in ("bind", "unbind", "new_id", "remove_id", "uevent"):
            attr(root, f"sys/bus/pci/drivers/{drv}/{f}", "")
    os.makedirs(os.path.join(root, "sys/kernel/iommu_groups"), exist_ok=True)
    os.makedirs(os.path.join(root, "sys/class/iommu"), exist_ok=True)
    firmware = sc.get("firmware", {"intel": "DMAR", "amd": "IVRS"}.get(sc["iommu"]))
    if firmware:
        write(root, f"sys/firmware/acpi/tables/{firmware}", dmar_table() if firmware == "DMAR" else ivrs_table())
    if sc["iommu"]:
        unit = iommu_unit_dir(sc)
        link(root, f"sys/class/iommu/{os.path.basename(unit)}", unit)
        attr(root, f"{unit}/uevent", "")
        link(root, f"{unit}/subsystem", "sys/class/iommu")
        if sc["iommu"] == "intel":
            for k, v in (("version", "1:0"), ("address", "fed90000"), ("cap", "d2008c40660462"),
                         ("ecap", "f050da")):
                attr(root, f"{unit}/intel-iommu/{k}", v)
        else:
            attr(root, f"{unit}/amd-iommu/cap", "0x00203041")
            attr(root, f"{unit}/amd-iommu/features", "0x25bf732fa2295afe")
        regions = "0x00000000fee00000 0x00000000feefffff msi"
        if sc["iommu"] == "amd":
            regions += "\n0x000000fd00000000 0x000000ffffffffff reserved"
        for g in groups:
            attr(root, f"sys/kernel/iommu_groups/{g}/type", sc.get("group_type", "DMA-FQ"))
            attr(root, f"sys/kernel/iommu_groups/{g}/reserved_regions", regions)
    # the loopback netdev every host has
    lo = "sys/devices/virtual/net/lo"
    for k, v in (("address", "00:00:00:00:00:00"), ("operstate", "unknown"), ("ifindex", 1),
                 ("mtu", 65536), ("flags", "0x9"), ("carrier", 1)):
        attr(root, f"{lo}/{k}", v)
    link(root, "sys/class/net/lo", lo)


def pci_ids(devs):
    used = {d.ids for d in devs} | {(d.subsys[0], 0) for d in devs if d.subsys[0]}
    vendors = sorted({v for v, _ in used} & VENDORS.keys())
    out = ["# pci.ids subset for this fixture; names copied from the real pci.ids (2023.04.11).",
           "# Syntax: vendor  vendor_name / <TAB>device  device_name / <TAB><TAB>subvendor subdevice  name", ""]
    for v in vendors:
        out.append(f"{v:04x}  {VENDORS[v]}")
        for dv in sorted(dev for (vv, dev) in {d.ids for d in devs} if vv == v):
            out.append(f"\t{dv:04x}  {DEVICES[(v, dv)]}")
            for (a, b, sv, sd), name in sorted(SUBSYSTEMS.items()):
                if (a, b) == (v, dv) and any(d.ids == (a, b) and d.subsys == (sv, sd) for d in devs):
                    out.append(f"\t\t{sv:04x} {sd:04x}  {name}")
    out.append("")
    out.append("# List of known device classes, subclasses and programming interfaces")
    classes = sorted({d.cls for d in devs})
    for c in sorted({x >> 16 for x in classes}):
        out.append(f"C {c:02x}  {CLASSES[c]}")
        for s in sorted({x >> 8 & 0xFF for x in classes if x >> 16 == c}):
            out.append(f"\t{s:02x}  {SUBCLASSES[(c, s)]}")
            for pi in sorted({x & 0xFF for x in classes if x >> 8 == (c << 8 | s)}):
                if (c, s, pi) in PROGIFS:
                    out.append(f"\t\t{pi:02x}  {PROGIFS[(c, s, pi)]}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# Generation and checks


def generate(name):
    sc = SCENARIOS[name]()
    root = os.path.join(OUT, name)
    if os.path.lexists(root):
        shutil.rmtree(root)
    devs = build_topology(sc)
    groups = assign_groups(devs) if sc["iommu"] else {}
    if "expect_groups" in sc:   # a set per group, or "each": every device alone in its group
        got = sorted(sorted(x.addr for x in g) for g in groups.values())
        want = sc["expect_groups"]
        want = sorted([x.addr] for x in devs if x.kind != "iommu") if want == "each" else sorted(
            sorted(g) for g in want)
        assert got == want, f"{name}: IOMMU groups {got} != expected {want}"
    ifindex = 2
    for d in devs:
        device(root, d, sc, ifindex)
        ifindex += 1 if d.netdev else 0
    drivers = {d.driver for d in devs if d.driver} | set(sc.get("extra_drivers", []))
    host_files(root, sc, groups, drivers)
    write(root, "usr/share/misc/pci.ids", pci_ids(devs))
    for rel, text in sc.get("extra_files", {}).items():  # e.g. a capture's stored VF settings
        write(root, rel, text)
    for transform in sc.get("capture", []):  # how another tool copied the host (see CAPTURE TRANSFORMS)
        transform(root, devs)
    nlinks = check(root, devs, sc)
    return devs, groups, nlinks


def check(root, devs, sc):
    """Fail loudly on an absolute symlink, one that escapes the root, or one that dangles; and on
    sysfs attributes that disagree with config space."""
    real_root = os.path.realpath(root)
    relax = sc.get("relax", ())
    nlinks = 0
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            path = os.path.join(dirpath, n)
            if not os.path.islink(path):
                continue
            nlinks += 1
            target = os.readlink(path)
            if os.path.isabs(target):
                raise SystemExit(f"FAIL {path}: absolute symlink -> {target}")
            resolved = os.path.realpath(path)
            if os.path.commonpath([resolved, real_root]) != real_root:
                raise SystemExit(f"FAIL {path}: -> {target} leaves the scenario root")
            if not os.path.exists(resolved) and "dangling" not in relax:
                raise SystemExit(f"FAIL {path}: -> {target} dangles")
    if "consistency" in relax:   # a capture transform changed config or SR-IOV files on purpose
        return nlinks
    for d in devs:
        p = os.path.join(root, devdir(d))
        cfg = open(os.path.join(p, "config"), "rb").read()
        assert len(cfg) == sc.get("config_bytes", 4096 if d.kind not in ("host", "iommu") else 256), d.addr
        if d.kind == "vf":
            assert cfg[0:4] == b"\xff\xff\xff\xff", d.addr
            assert os.path.realpath(os.path.join(p, "physfn")) == os.path.realpath(
                os.path.join(root, "sys/bus/pci/devices", d.physfn.addr)), d.addr
        if d.sriov and len(cfg) == 4096:
            off = find_ecap(cfg, 0x10)
            total, num = struct.unpack_from("<HH", cfg, off + 0x0E)
            offset, stride = struct.unpack_from("<HH", cfg, off + 0x14)
            sysfs = {k: open(os.path.join(p, f"sriov_{k}")).read() for k in
                     ("totalvfs", "numvfs", "offset", "stride", "vf_device")}
            assert int(sysfs["totalvfs"]) <= total and int(sysfs["numvfs"]) == num, d.addr
            assert (int(sysfs["offset"]), int(sysfs["stride"])) == (offset, stride), d.addr
            assert int(sysfs["vf_device"], 16) == struct.unpack_from("<H", cfg, off + 0x1A)[0], d.addr
            assert len([x for x in os.listdir(p) if x.startswith("virtfn")]) == num, d.addr
    return nlinks


def find_ecap(cfg, cid):
    off = 0x100
    while off:
        hdr = struct.unpack_from("<I", cfg, off)[0]
        if hdr & 0xFFFF == cid:
            return off
        off = hdr >> 20
    raise AssertionError(f"extended capability {cid:#x} missing")


def main(argv):
    names = argv or list(SCENARIOS)
    for name in names:
        devs, groups, nlinks = generate(name)
        print(f"{name}: {len(devs)} devices, {len(groups)} IOMMU groups, {nlinks} symlinks checked")


def x710_vf_settings():
    """x710-demo as a capture that stored rtnetlink's VF settings (sriovctl/vf-settings.json): VF 0 with a
    MAC and VLAN 100 QoS 3, VF 1 at driver defaults with trust not reported (the kernel's -1), VF 2 on an
    802.1ad VLAN, trusted, spoof check off and a rate limit; VF 3 missing, as when the kernel truncates the
    list (IFLA_NUM_VF says 4)."""
    sc = x710_demo()

    def vf(index, mac, vlan=0, qos=0, proto="802.1Q", spoofchk=True, trust=False, link_state="auto",
           min_rate=0, max_rate=0):
        return {"vf": index, "settings": {
            "mac": mac, "vlan": vlan, "qos": qos, "vlan_proto": proto, "spoofchk": spoofchk, "trust": trust,
            "link_state": link_state, "min_tx_rate": min_rate, "max_tx_rate": max_rate, "query_rss": False}}

    pfs = [{"netdev": "enp59s0f0", "num_vfs": 4, "vfs": [
        vf(0, "02:00:00:00:00:10", vlan=100, qos=3),
        vf(1, "00:00:00:00:00:00", trust=None),
        vf(2, "02:00:00:00:00:12", vlan=200, proto="802.1ad", spoofchk=False, trust=True, link_state="enable",
           min_rate=100, max_rate=1000),
    ]}]
    sc["extra_files"] = {"sriovctl/vf-settings.json": json.dumps({"schema_version": 1, "pfs": pfs}, indent=2) + "\n"}
    return sc


SCENARIOS["x710-vf-settings"] = x710_vf_settings


def owners_overlay(name, base):
    """A host root whose etc/, run/, usr/lib/ ... trees hold other tools' SR-IOV configuration, copied from
    Fixtures/owners/<name>/ (hand-written in each tool's real format; see sysfs/README.md)."""
    def build():
        sc = base()
        overlay = os.path.join(HERE, "owners", name)
        files = {}
        for dirpath, _, filenames in os.walk(overlay):
            for n in filenames:
                path = os.path.join(dirpath, n)
                with open(path) as f:
                    files[os.path.relpath(path, overlay)] = f.read()
        sc["extra_files"] = dict(sorted(files.items()))
        return sc
    return build


for _name in ["owners-systemd", "owners-netplan", "owners-nm", "owners-udev", "owners-fight"]:
    SCENARIOS[_name] = owners_overlay(_name, x710_demo)
SCENARIOS["owners-modprobe"] = owners_overlay(
    "owners-modprobe", lambda: dict(check_host([i350_pf()]), expect_groups="each"))


# ---------------------------------------------------------------------------------------------
# CAPTURE TRANSFORMS: trees as other tools copy a host (ghw snapshots, sosreport-style partial copies,
# hwloc-gather-topology, `cp` as a non-root user) and as old kernels or racing teardowns show it.
# Each scenario generates a kernel-exact tree first, then applies the transforms, so every difference
# from a real host is one stated step. See Fixtures/sysfs/README.md.


def each_device_dir(root, devs):
    for d in devs:
        yield d, os.path.join(root, devdir(d))


def drop_config(root, devs):
    """A copy that skipped the binary `config` files (text attributes only)."""
    for _, p in each_device_dir(root, devs):
        os.remove(os.path.join(p, "config"))


def truncate_config(size, only=None):
    """`cat config` as a user without CAP_SYS_ADMIN gets the first 64 bytes (pci_read_config)."""
    def transform(root, devs):
        for d, p in each_device_dir(root, devs):
            if only is None or d.addr in only:
                path = os.path.join(p, "config")
                data = open(path, "rb").read()[:size]
                write(root, os.path.relpath(path, root), data)
    return transform


def garble_config(addr):
    """A config whose ID registers disagree with `vendor`/`device` (a copy pasted from another slot)."""
    def transform(root, devs):
        d = next(x for x in devs if x.addr == addr)
        path = os.path.join(root, devdir(d), "config")
        data = bytearray(open(path, "rb").read())
        data[0:4] = struct.pack("<HH", 0x1234, 0x5678)
        write(root, os.path.relpath(path, root), bytes(data))
    return transform


def copy_following_top_link(root, rel):
    """`cp -rH SRC DST` on a symlink SRC: the named link is followed and its directory copied; links
    inside are copied verbatim, so their relative targets now start from the wrong directory."""
    path = os.path.join(root, rel)
    source = os.path.realpath(path)
    os.remove(path)
    os.makedirs(path)
    for name in sorted(os.listdir(source)):
        s = os.path.join(source, name)
        if os.path.islink(s):
            os.symlink(os.readlink(s), os.path.join(path, name))
        elif os.path.isfile(s):
            shutil.copyfile(s, os.path.join(path, name))


def dereference_links(root, devs):
    """`sys/class/net/<if>` entries and each device's `driver` link copied as directories."""
    net = os.path.join(root, "sys/class/net")
    for name in sorted(os.listdir(net)):
        copy_following_top_link(root, f"sys/class/net/{name}")
    for d, p in each_device_dir(root, devs):
        if os.path.islink(os.path.join(p, "driver")):
            copy_following_top_link(root, os.path.relpath(os.path.join(p, "driver"), root))


def drop_tree(*rels):
    """A partial copy that did not take these directories (links into them now dangle)."""
    def transform(root, devs):
        for rel in rels:
            shutil.rmtree(os.path.join(root, rel))
    return transform


def drop_bus_links(kinds):
    """A partial copy that took `sys/bus/pci/devices` links only for some functions: the others are
    reachable only through `sys/devices/...` (their children's real paths)."""
    def transform(root, devs):
        for d in devs:
            if d.kind in kinds:
                os.remove(os.path.join(root, "sys/bus/pci/devices", d.addr))
    return transform


def kernel_310_attributes(root, devs):
    """Linux 3.10 (RHEL 7): PFs have only sriov_totalvfs and sriov_numvfs (sriov_offset, sriov_stride,
    sriov_vf_device came in 4.18, sriov_drivers_autoprobe in 4.12, sriov_vf_total_msix in 5.12) and no
    function has driver_override (3.12)."""
    for d, p in each_device_dir(root, devs):
        names = ["driver_override"]
        if d.sriov:
            names += ["sriov_offset", "sriov_stride", "sriov_vf_device", "sriov_drivers_autoprobe",
                      "sriov_vf_total_msix"]
        for name in names:
            os.remove(os.path.join(p, name))


def drop_virtfn_links(addr):
    """A copy taken while the PF driver tore its VFs down: pci_iov_remove_virtfn removes each PF's
    `virtfnN` link first, and num_VFs drops to 0 only after the last VF is gone."""
    def transform(root, devs):
        p = os.path.join(root, "sys/bus/pci/devices", addr)
        for name in os.listdir(p):
            if name.startswith("virtfn"):
                os.remove(os.path.join(p, name))
    return transform


def set_attribute(addr, name, value):
    def transform(root, devs):
        attr(root, f"sys/bus/pci/devices/{addr}/{name}", value)
    return transform


def capture_of(base, transforms, relax=(), cmdline=None):
    sc = base()
    sc["capture"] = transforms
    sc["relax"] = set(relax)
    if cmdline:
        sc["cmdline"] = cmdline
    return sc


EL7_CMDLINE = ("BOOT_IMAGE=/vmlinuz-3.10.0-1160.el7.x86_64 root=/dev/mapper/rhel-root ro crashkernel=auto "
               "rd.lvm.lv=rhel/root rhgb quiet intel_iommu=on")

SCENARIOS.update({
    "capture-no-config": lambda: capture_of(x710_demo, [drop_config], relax=["consistency"]),
    "capture-config-64": lambda: capture_of(x710_demo, [truncate_config(64)], relax=["consistency"]),
    "capture-config-damaged": lambda: capture_of(x710_demo, [
        truncate_config(0, only={"0000:3b:00.0"}), truncate_config(40, only={"0000:3b:00.1"}),
        truncate_config(128, only={"0000:3a:00.0"}), garble_config("0000:04:00.0")], relax=["consistency"]),
    "capture-links-as-dirs": lambda: capture_of(x710_demo, [dereference_links], relax=["dangling"]),
    "capture-dangling-links": lambda: capture_of(
        x710_demo, [drop_tree("sys/kernel/iommu_groups", "sys/bus/pci/drivers")], relax=["dangling"]),
    "capture-bridge-outside-bus": lambda: capture_of(x710_demo, [drop_bus_links({"host", "rp", "usp", "dsp"})]),
    "el7-kernel-3.10": lambda: capture_of(switch_no_acs, [kernel_310_attributes], relax=["consistency"],
                                          cmdline=EL7_CMDLINE),
    "inconsistent-sriov": lambda: capture_of(x710_demo, [
        drop_virtfn_links("0000:3b:00.0"), set_attribute("0000:3b:00.1", "sriov_totalvfs", 0)],
        relax=["consistency"]),
})


if __name__ == "__main__":
    main(sys.argv[1:])
