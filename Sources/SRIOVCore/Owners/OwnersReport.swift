/// `sriovctl owners`: who else configures SR-IOV on this host, per PF.
public struct OwnersReport: Sendable {
  public let pfs: [OwnerPF]
  /// Claims on the PFs (and their VFs) and files that could not be used (`pf == nil`).
  public let findings: [OwnerFinding]
  /// Whether NetworkManager is installed or configured in the root.
  public let networkManagerPresent: Bool

  public init(pfs: [OwnerPF], findings: [OwnerFinding], networkManagerPresent: Bool) {
    self.pfs = pfs
    self.findings = findings
    self.networkManagerPresent = networkManagerPresent
  }

  /// Reads every owner's files under the host root. `refs` empty: every SR-IOV PF.
  public static func build(host: Host, devices refs: [DeviceRef] = [], modes: any FileModes = UnknownFileModes()) throws -> OwnersReport {
    let inventory = host.inventory
    var addresses: [PCIAddress] = refs.isEmpty ? try inventory.physicalFunctionAddresses() : []
    for ref in refs {
      let a = try inventory.resolve(ref)
      let d = try inventory.device(a)
      guard d.sriov != nil else {
        throw SRIOVError(a.description, "is not an SR-IOV physical function", hint: "give a PF; 'sriovctl list' shows them")
      }
      if !addresses.contains(a) { addresses.append(a) }
    }
    let pfs = try gatherPFs(addresses, sysfs: host.sysfs)
    return build(sysfs: host.sysfs, pfs: pfs, modes: modes)
  }

  /// The owners of `pfs` in the root `sysfs` reads (pure over what the files say).
  public static func build(sysfs: any HostFiles, pfs: [OwnerPF], modes: any FileModes = UnknownFileModes()) -> OwnersReport {
    let context = OwnerContext(reader: ConfigFileReader(sysfs: sysfs), pfs: pfs, modes: modes)
    var findings: [OwnerFinding] = []
    findings += SystemdNetworkFiles.findings(context)
    findings += NetplanFiles.findings(context)
    findings += NetworkManagerFiles.findings(context)
    findings += NetworkManagerFiles.unmanaged(context)
    findings += UdevRules.findings(context)
    findings += DriverctlOverrides.findings(context)
    findings += ModprobeOptions.findings(context)
    findings += OSNetConfig.findings(context)
    findings += SRIOVOperator.findings(context)
    findings += SriovctlPersisted.findings(context)
    return OwnersReport(pfs: pfs, findings: findings, networkManagerPresent: NetworkManagerFiles.present(sysfs))
  }

  /// Each PF with its VFs, their drivers, IDs and interfaces (with MACs) from sysfs.
  public static func gatherPFs(_ addresses: [PCIAddress], sysfs: any HostFiles) throws -> [OwnerPF] {
    let inventory = Inventory(sysfs: sysfs)
    var result: [OwnerPF] = []
    for address in addresses {
      let pf = try inventory.device(address)
      guard let state = pf.sriov else { continue }
      let all = [address] + state.vfs.map(\.address)
      let netdevs = try inventory.netdevs(of: all)
      let vfs = try state.vfs.map { link in (try inventory.device(link.address, vfIndex: link.index), netdevs[link.address] ?? []) }
      result.append(gatherPF(pf, netdevs: netdevs[address] ?? [], vfs: vfs, sysfs: sysfs))
    }
    return result
  }

  /// One PF from what a report already read (`show`: its VF rows), so the VFs are not read twice.
  public static func gatherPF(_ pf: PCIDevice, netdevs: [String], vfs: [(device: PCIDevice, netdevs: [String])], sysfs: any HostFiles) -> OwnerPF {
    let describe = { (d: PCIDevice, names: [String]) -> OwnerDevice in
      let withMAC: [OwnerDevice.Netdev] = names.map { name in
        // From the function's own net/ (the netdev's home), not through sys/class/net.
        let path = SysfsLayout.device(d.address).appending("net").appending(name).appending("address")
        return OwnerDevice.Netdev(name: name) {
          (try? sysfs.readValueIfPresent(path)).flatMap { $0 }.flatMap(normalizedMAC)
        }
      }
      return OwnerDevice(address: d.address, pf: pf.address, vfIndex: d.vfIndex, driver: d.driver, vendorID: d.vendorID,
        deviceID: d.deviceID, netdevs: withMAC)
    }
    let state = pf.sriov
    return OwnerPF(device: describe(pf, netdevs), vfs: vfs.map { describe($0.device, $0.netdevs) },
      numVFs: state?.numVFs ?? 0, totalVFs: state?.totalVFs ?? 0)
  }

  /// The claims on one PF, in the order the owners were read.
  public func claims(on pf: PCIAddress) -> [OwnerFinding] { findings.filter { $0.pf == pf } }

  /// Files that could not be read or parsed.
  public var errors: [OwnerFinding] { findings.filter { $0.error != nil } }

  /// The other owners (not sriovctl) that claim the PF, one entry per kind, for `show`.
  public func summary(of pf: PCIAddress) -> String {
    let claims = claims(on: pf)
    guard !claims.isEmpty else { return "none found (sriovctl owners explains)" }
    var kinds: [OwnerKind] = []
    for c in claims where !kinds.contains(c.kind) { kinds.append(c.kind) }
    return kinds.map { kind in
      let files = claims.filter { $0.kind == kind }
      return "\(kind.rawValue) (\(files[0].location)\(files.count > 1 ? " +\(files.count - 1)" : ""))"
    }.joined(separator: ", ")
  }
}

/// Host text in terminal output: control characters shown as `\xNN`, never sent to the terminal.
func escaped(_ text: String) -> String {
  guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else { return text }
  var out = ""
  for s in text.unicodeScalars {
    if s.value < 0x20 || s.value == 0x7f { out += "\\x" + Hex.format(UInt8(s.value), width: 2) } else { out.unicodeScalars.append(s) }
  }
  return out
}
