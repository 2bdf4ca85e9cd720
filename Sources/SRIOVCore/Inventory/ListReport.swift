/// What `sriovctl list` shows: SR-IOV PFs (and, with `--all`, every network function) with their VFs.
public struct ListReport: Sendable {
  public struct VFEntry: Sendable {
    public let index: Int
    public let device: PCIDevice
    public let netdevs: [String]
    /// What rtnetlink (or a capture) reports for this VF; nil when unknown.
    public var settings: VFSettings? = nil
    /// The VF's representor netdev (devlink port `pcivf`), in switchdev mode.
    public var representor: String? = nil
  }

  public struct Entry: Sendable {
    public let device: PCIDevice
    public let netdevs: [String]
    public let vendorName: String?
    public let deviceName: String?
    public var vfs: [VFEntry]
    /// The PF's VF settings read, nil when there is no source (a root without a stored dump) or no netdev.
    public var vfSettings: VFSettingsReadout? = nil
    /// The PF's devlink eSwitch, nil when there is no devlink source (a root without a stored dump).
    public var eswitch: EswitchReadout? = nil
  }

  public internal(set) var entries: [Entry]
  /// Whether VF rows are wanted in the table (JSON always carries them).
  public let showVFs: Bool
  public let includesAllNICs: Bool

  public static func build(host: Host, showVFs: Bool, allNICs: Bool) throws -> ListReport {
    try build(host: host, showVFs: showVFs, allNICs: allNICs, vfSettings: try host.vfSettingsSource())
      .withEswitch(from: try host.devlinkSource())
  }

  public static func build(host: Host, showVFs: Bool, allNICs: Bool, vfSettings source: VFSettingsSource?) throws -> ListReport {
    let inventory = Inventory(sysfs: host.readingSysfs)
    // The reads overlap, yet errors are reported in the order a one-by-one pass meets them: per
    // entry its own reads, its VF rows and its names.
    // 1. The walk finds the entries and their VF links, in address order.
    let start = Result {
      // Names only: libpci is loaded only if the checked pci.ids table cannot answer.
      (names: DeviceNames(pci: try host.openPCI(lazily: true)), addresses: try inventory.allAddresses())
    }
    var pending: [PendingEntry] = []
    var walkFailure: (any Error)? = nil
    switch start {
    case .success(let start): (pending, walkFailure) = walk(inventory, start.addresses, names: start.names, allNICs: allNICs)
    case .failure(let error): walkFailure = error
    }

    // 2. The VF rows with their netdevs (each from the VF's own net/), side by side on a large host.
    let vfs = pending.flatMap { entry in (entry.device.sriov?.vfs ?? []).map { (link: $0, pf: entry.device) } }
    let rows = Parallel.map(vfs.count, threads: vfs.count >= 256 ? Parallel.threadsForReads : 1) { index in
      Result { (device: try inventory.listedVF(vfs[index].link, of: vfs[index].pf), netdevs: inventory.netdevNames(of: vfs[index].link.address)) }
    }

    // 3. Put together, throwing the first failure.
    var entries: [Entry] = []
    var row = 0
    for entry in pending {
      let vfRows = try (entry.device.sriov?.vfs ?? []).map { link in
        defer { row += 1 }
        let read = try rows[row].get()
        return VFEntry(index: link.index, device: read.device, netdevs: read.netdevs)
      }
      let (vendorName, deviceName) = try entry.names.get()
      entries.append(Entry(
        device: entry.device, netdevs: inventory.netdevNames(of: entry.device.address), vendorName: vendorName,
        deviceName: deviceName, vfs: vfRows))
    }
    if let walkFailure { throw walkFailure }
    return ListReport(entries: entries.map { $0.withVFSettings(from: source) }, showVFs: showVFs, includesAllNICs: allNICs)
  }

  /// The entries in address order, up to the first failure, which is returned rather than thrown:
  /// failures of earlier entries' VF rows, read later, come first.
  private static func walk(
    _ inventory: Inventory, _ addresses: [PCIAddress], names: DeviceNames, allNICs: Bool
  ) -> (entries: [PendingEntry], failure: (any Error)?) {
    var entries: [PendingEntry] = []
    // VFs already listed under their PF (a VF's address sorts after its PF's: routing ID = PF's + offset).
    // The kernel gives VFs no SR-IOV capability and always a physfn link, so they are not asked again;
    // their own link is resolved when their row is read.
    var listedVFs: Set<PCIAddress> = []
    do {
      for address in addresses {
        if listedVFs.contains(address) { continue }
        // Resolving the device's own link first turns a link out of the root into an error, not a skip.
        _ = try inventory.upstreamBridges(of: address)
        let isPF = inventory.has(.sriovTotalVFs, of: address)
        // VFs appear under their PF, never as entries of their own.
        guard isPF || (allNICs && !inventory.has(.physfn, of: address)) else { continue }
        let device = try inventory.device(address)
        guard isPF || device.pciClass.isNetwork else { continue }
        for link in device.sriov?.vfs ?? [] { listedVFs.insert(link.address) }
        entries.append(PendingEntry(device: device, names: Result { (try names.vendor(device), try names.device(device)) }))
      }
      return (entries, nil)
    } catch {
      return (entries, error)
    }
  }

  /// An entry found by the walk, before its VF rows and netdevs are read.
  private struct PendingEntry {
    let device: PCIDevice
    let names: Result<(vendor: String?, device: String?), any Error>
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
