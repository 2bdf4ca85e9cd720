import FuzzSupport
@testable import SRIOVCore

/// Every owner parser (`sriovctl owners`): the input is split at NUL bytes into up to 12 pieces,
/// each written as one configuration file of one kind (a .link, a .network, a netplan YAML, an NM
/// keyfile, NetworkManager.conf, an ifcfg file, a udev rules file, a modprobe.d file, an
/// os-net-config YAML, the operator's YAML, sriovctl's own desired state, a driverctl override)
/// in an in-memory root with one PF and one VF. Properties: no trap; every error is one line;
/// every claim names the PF and a line inside its file; claims on a VF name an existing VF.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = UnsafeBufferPointer(start: data, count: size)
  let pieces = bytes.split(separator: 0, maxSplits: 11, omittingEmptySubsequences: false).map {
    String(decoding: $0, as: UTF8.self)
  }
  let paths = [
    "etc/systemd/network/10-f.link", "etc/systemd/network/10-f.network", "etc/netplan/10-f.yaml",
    "etc/NetworkManager/system-connections/f.nmconnection", "etc/NetworkManager/NetworkManager.conf",
    "etc/sysconfig/network-scripts/ifcfg-f", "etc/udev/rules.d/10-f.rules", "etc/modprobe.d/f.conf",
    "etc/os-net-config/config.yaml", "etc/sriov-operator/sriov-interface-config.yaml", "etc/sriovctl/desired-state.yaml",
    "etc/driverctl.d/pci-0000:3b:02.0",
  ]
  let root = MemorySysfs()
  for (piece, path) in zip(pieces, paths) { root.file(path, piece) }
  let pf = PCIAddress(bus: 0x3b, device: 0, function: 0)
  let vf = OwnerDevice(address: PCIAddress(bus: 0x3b, device: 2, function: 0), pf: pf, vfIndex: 0, driver: "iavf",
    vendorID: PCIID(0x8086), deviceID: PCIID(0x154c), netdevs: [.init(name: "enp59s0f0v0", mac: "02:00:00:3b:02:00")])
  let device = OwnerDevice(address: pf, pf: pf, vfIndex: nil, driver: "igb", vendorID: PCIID(0x8086), deviceID: PCIID(0x1572),
    netdevs: [.init(name: "enp59s0f0", mac: "3c:fd:fe:3b:00:00")])
  let report = OwnersReport.build(sysfs: root, pfs: [OwnerPF(device: device, vfs: [vf], numVFs: 1, totalVFs: 64)])
  let lineCounts = Dictionary(uniqueKeysWithValues: zip(paths, pieces).map { path, text in
    ("/" + path, text.utf8.filter { $0 == UInt8(ascii: "\n") }.count + 1)
  })
  for f in report.findings {
    if let error = f.error {
      require(!error.contains("\n"), "error on two lines: \(error.debugDescription)")
      continue
    }
    require(f.pf == pf, "a claim on no PF: \(f)")
    require(f.vf == nil || f.vf == 0, "a claim on a VF that does not exist: \(f)")
    if let line = f.line, let count = lineCounts[f.file.description] {
      require(line >= 1 && line <= count, "line \(line) outside \(f.file) (\(count) lines)")
    }
  }
  _ = (report.text(), report.json().rendered(), OwnersChecks.all(report))
  return 0
}

runFuzzer { data, size in fuzzOne(data, size) }
