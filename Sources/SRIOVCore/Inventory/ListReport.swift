/// What `sriovctl list` shows: SR-IOV PFs (and, with `--all`, every network function) with their VFs.
public struct ListReport: Sendable {
  public struct VFEntry: Sendable {
    public let index: Int
    public let device: PCIDevice
    public let netdevs: [String]
    /// What rtnetlink (or a capture) reports for this VF; nil when unknown.
    public var settings: VFSettings? = nil
  }

  public struct Entry: Sendable {
    public let device: PCIDevice
    public let netdevs: [String]
    public let vendorName: String?
    public let deviceName: String?
    public var vfs: [VFEntry]
    /// The PF's VF settings read, nil when there is no source (a root without a stored dump) or no netdev.
    public var vfSettings: VFSettingsReadout? = nil
  }

  public let entries: [Entry]
  /// Whether VF rows are wanted in the table (JSON always carries them).
  public let showVFs: Bool
  public let includesAllNICs: Bool

  public static func build(host: Host, showVFs: Bool, allNICs: Bool) throws -> ListReport {
    try build(host: host, showVFs: showVFs, allNICs: allNICs, vfSettings: try host.vfSettingsSource())
  }

  public static func build(host: Host, showVFs: Bool, allNICs: Bool, vfSettings source: VFSettingsSource?) throws -> ListReport {
    let inventory = Inventory(sysfs: host.readingSysfs)
    let netdevs = try inventory.netdevsByDevice()
    // Names only: libpci is loaded only if the checked pci.ids table cannot answer.
    let pci = try host.openPCI(lazily: true)
    let names = DeviceNames(pci: pci)
    var entries: [Entry] = []
    // VFs already listed under their PF (a VF's address sorts after its PF's: routing ID = PF's + offset).
    // The kernel gives VFs no SR-IOV capability and always a physfn link, so they are not asked again.
    var listedVFs: Set<PCIAddress> = []
    for address in try inventory.allAddresses() {
      // Resolving the device's own link first turns a link out of the root into an error, not a skip.
      _ = try inventory.upstreamBridges(of: address)
      if listedVFs.contains(address) { continue }
      let isPF = inventory.has(.sriovTotalVFs, of: address)
      // VFs appear under their PF, never as entries of their own.
      guard isPF || (allNICs && !inventory.has(.physfn, of: address)) else { continue }
      let device = try inventory.device(address)
      guard isPF || device.pciClass.isNetwork else { continue }
      for link in device.sriov?.vfs ?? [] { listedVFs.insert(link.address) }
      let vfs = try (device.sriov?.vfs ?? []).map { link in
        VFEntry(index: link.index, device: try inventory.listedVF(link, of: device), netdevs: netdevs[link.address] ?? [])
      }
      entries.append(Entry(
        device: device, netdevs: netdevs[address] ?? [], vendorName: try names.vendor(device),
        deviceName: try names.device(device), vfs: vfs))
    }
    return ListReport(entries: entries.map { $0.withVFSettings(from: source) }, showVFs: showVFs, includesAllNICs: allNICs)
  }
}

extension ListReport.Entry {
  /// Adds VF settings, read once per PF that has VFs and a netdev.
  func withVFSettings(from source: VFSettingsSource?) -> Self {
    guard !vfs.isEmpty, let readout = VFSettingsReadout.read(pf: netdevs, source: source) else { return self }
    var entry = self
    entry.vfSettings = readout
    entry.vfs = readout.attach(to: vfs)
    return entry
  }
}

extension VFSettingsReadout {
  /// The VF rows with the settings this read reported for them (nil for VFs it did not list).
  func attach(to vfs: [ListReport.VFEntry]) -> [ListReport.VFEntry] {
    vfs.map { vf in
      var vf = vf
      vf.settings = settings?.vfs[vf.index]
      return vf
    }
  }
}
