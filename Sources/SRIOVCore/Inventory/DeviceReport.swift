/// What `sriovctl show` shows: one function in full, config space included.
public struct DeviceReport: Sendable {
  /// What config space says about one function, read once.
  public struct ConfigFacts: Sendable {
    public let readableBytes: Int
    public let portType: PCIePortType?
    public let acs: ACSStatus
    public let sriov: Readable<SRIOVCapability?>
    /// The config file's size as read; nil when there is none.
    public let bytes: Int?
    /// Why config space is not all there (nil: complete). Every unreadable fact above has this reason.
    public let unknown: Unknown?
    /// What the header says (multifunction, bus numbers), for the checks.
    public let space: ConfigSpace

    init(_ config: ConfigSpace, bytes: Int? = nil, unknown: Unknown? = nil) {
      readableBytes = config.readableSize
      portType = config.portType
      acs = config.acs
      sriov = config.sriov
      self.bytes = bytes ?? (config.readableSize > 0 ? config.readableSize : nil)
      self.unknown = unknown
      space = config
    }

    /// `complete` or the unknown's cause (`needs_privilege`, `not_in_root`, `truncated`, ...).
    public var status: String { unknown?.cause.rawValue ?? "complete" }

    /// Why a fact decoded from config space is unknown: the config's reason, else the generic one.
    public var unreadableReason: String {
      unknown?.reason ?? "extended config space (past 256 bytes) is not readable"
    }
  }

  /// One bridge on the way to the root bus.
  public struct Hop: Sendable {
    public let address: PCIAddress
    public let config: ConfigFacts
  }

  public let device: PCIDevice
  public let netdevs: [String]
  public let vendorName: String?
  public let deviceName: String?
  public let className: String?
  public let config: ConfigFacts
  public let iommuGroup: IOMMUGroup?
  public let upstream: [Hop]
  public var vfs: [ListReport.VFEntry]
  /// A PF's VF settings read (nil without a source or netdev); for a VF, its PF's.
  public var vfSettings: VFSettingsReadout? = nil
  /// A VF's own settings, when `device` is a VF.
  public var settings: VFSettings? = nil
  /// The devlink eSwitch of a PF (for a VF, its PF's); nil without a devlink source.
  public var eswitch: EswitchReadout? = nil
  /// Who else configures SR-IOV on a PF (nil for other functions).
  public var owners: OwnersReport? = nil

  public static func build(host: Host, device ref: DeviceRef) throws -> DeviceReport {
    try build(host: host, device: ref, vfSettings: try host.vfSettingsSource()).withEswitch(from: try host.devlinkSource())
  }

  public static func build(host: Host, device ref: DeviceRef, vfSettings source: VFSettingsSource?) throws -> DeviceReport {
    let reading = host.readingSysfs
    let inventory = Inventory(sysfs: reading)
    let address = try inventory.resolve(ref)
    let device = try inventory.device(address)
    // Only the netdevs shown: the function's, its VFs' and (for a VF) its PF's.
    let netdevs = try inventory.netdevs(
      of: [address] + (device.physfn.map { [$0] } ?? []) + (device.sriov?.vfs.map(\.address) ?? []))
    let pci = try host.openPCI()
    let names = DeviceNames(pci: pci)
    // Never fails: config space that cannot be read is unknown, with the reason (issue 17).
    let reader = ConfigReader(inventory: inventory, pci: pci)
    let readConfig = { (address: PCIAddress) -> ConfigFacts in reader.facts(of: address) }
    let report = DeviceReport(
      device: device, netdevs: netdevs[address] ?? [], vendorName: try names.vendor(device),
      deviceName: try names.device(device), className: try names.pciClass(device),
      config: readConfig(address),
      iommuGroup: try device.iommuGroup.map { try inventory.iommuGroup($0) },
      upstream: device.upstream.map { Hop(address: $0, config: readConfig($0)) },
      vfs: try (device.sriov?.vfs ?? []).map { link in
        ListReport.VFEntry(index: link.index, device: try inventory.listedVF(link, of: device), netdevs: netdevs[link.address] ?? [])
      })
    var withOwners = report.withVFSettings(from: source, netdevs: netdevs)
    if device.sriov != nil {
      // Through the same resolving pass: the PF's VFs were just read, their directories are known.
      let pf = OwnersReport.gatherPF(device, netdevs: netdevs[address] ?? [], vfs: report.vfs.map { ($0.device, $0.netdevs) }, sysfs: reading)
      withOwners.owners = OwnersReport.build(sysfs: reading, pfs: [pf], modes: host.fileModes)
    }
    return withOwners
  }

  /// Adds VF settings: a PF's for its VFs, or a VF's own from its PF's read.
  func withVFSettings(from source: VFSettingsSource?, netdevs: [PCIAddress: [String]]) -> Self {
    var report = self
    if let pf = device.physfn, let index = device.vfIndex {
      report.vfSettings = VFSettingsReadout.read(pf: netdevs[pf] ?? [], source: source)
      report.settings = report.vfSettings?.settings?.vfs[index]
    } else if !vfs.isEmpty, let readout = VFSettingsReadout.read(pf: self.netdevs, source: source) {
      report.vfSettings = readout
      report.vfs = readout.attach(to: vfs)
    }
    return report
  }
}

extension Host {
  /// The sysfs to read through for one read-only report: on a rooted tree, one that resolves each
  /// directory inside the root once instead of once per attribute.
  var readingSysfs: any HostFiles { sysfs.forReadOnlyPass() }
}
