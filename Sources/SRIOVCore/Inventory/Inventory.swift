/// Reads what sysfs says about PCI functions, netdevs and IOMMU groups. sysfs is the truth for which
/// devices and VFs exist; nothing here predicts addresses.
public struct Inventory: Sendable {
  public let sysfs: any Sysfs
  typealias Layout = SysfsLayout
  /// Directory-fd reads for a read-only pass (`Host.readingSysfs`); nil: every read goes through
  /// `sysfs`. It answers only the ordinary case; anything else falls back to `sysfs`, so results and
  /// errors are the same either way.
  let functions: FunctionDirectories?

  public init(sysfs: any Sysfs) {
    self.sysfs = sysfs
    functions = (sysfs as? RootedSysfs)?.functionDirectories
  }

  /// Whether the function has the attribute (file, directory or link), not following it.
  public func has(_ attribute: SysfsLayout.Attribute, of address: PCIAddress) -> Bool {
    if let functions, let function = functions.function(address.description),
      let known = functions.exists(attribute.rawValue, in: function)
    {
      return known
    }
    return sysfs.exists(Layout.attribute(attribute, of: address))
  }

  /// What `list` shows of a VF, read from the VF's directory: device ID, driver, IOMMU group and
  /// NUMA node (about 10 syscalls instead of 30). The rest is not read: the vendor ID and class are
  /// the PF's (the kernel gives a VF its PF's vendor, and NICs' VFs their class), subsystem IDs are
  /// nil and `sriov` is nil. Falls back to `device(_:vfIndex:)` when the fast reader cannot answer.
  public func listedVF(_ link: VFLink, of pf: PCIDevice) throws -> PCIDevice {
    if let functions, let vf = Self.listedVF(link, of: pf, functions) { return vf }
    return try device(link.address, vfIndex: link.index)
  }

  private static func listedVF(_ link: VFLink, of pf: PCIDevice, _ functions: FunctionDirectories) -> PCIDevice? {
    guard let function = functions.function(link.address.description),
      case .text(let deviceText) = functions.read("device", in: function),
      let deviceID = Self.sysfsID(deviceText) ?? (try? PCIID(parsing: trimmed(deviceText)))
    else { return nil }
    let numa: Int?
    switch functions.read("numa_node", in: function) {
    case .missing: numa = nil
    case .unusual: return nil
    case .text(let text):
      guard let value = Int(trimmed(text)) else { return nil }
      numa = value < 0 ? nil : value
    }
    let driver: String?
    switch functions.readLinkName("driver", in: function) {
    case .missing: driver = nil
    case .unusual: return nil
    case .name(let name): driver = name
    }
    let group: Int?
    switch functions.readLinkName("iommu_group", in: function) {
    case .missing: group = nil
    case .unusual: return nil
    case .name(let name):
      guard let id = name.flatMap({ Int($0) }) else { return nil }
      group = id
    }
    return PCIDevice(
      address: link.address, vendorID: pf.vendorID, deviceID: deviceID, subsystemVendorID: nil, subsystemDeviceID: nil,
      pciClass: pf.pciClass, driver: driver, numaNode: numa, iommuGroup: group, physfn: pf.address, vfIndex: link.index,
      sriov: nil, upstream: upstream(of: function.path))
  }

  /// Every PCI function the kernel lists, sorted.
  public func allAddresses() throws -> [PCIAddress] {
    let names = try sysfs.list(Layout.pciDevices)
    return names.compactMap(PCIAddress.init(strict:)).sorted()
  }

  /// Addresses of functions with an SR-IOV capability the kernel manages (`sriov_totalvfs` present).
  public func physicalFunctionAddresses() throws -> [PCIAddress] {
    try allAddresses().filter { sysfs.exists(Layout.attribute(.sriovTotalVFs, of: $0)) }
  }

  public func exists(_ address: PCIAddress) -> Bool { sysfs.exists(Layout.device(address)) }

  /// Turns what the user typed into an address that exists.
  public func resolve(_ ref: DeviceRef) throws -> PCIAddress {
    switch ref {
    case .address(let address):
      guard exists(address) else {
        throw SRIOVError(address.description, "no such PCI device (nothing at \(sysfs.absolute(Layout.device(address))))",
          hint: "run 'sriovctl list --all' to see the devices on this host")
      }
      return address
    case .netdev(let name):
      let link = Layout.netdev(name)
      guard let target = try wrap(name.name, "cannot look up the interface", { () throws(SysfsError) in try sysfs.readLinkIfPresent(link) }) else {
        throw SRIOVError(name.name, "no such network interface (nothing at \(sysfs.absolute(link)))",
          hint: "run 'ip link' to see interface names, or give a PCI address")
      }
      guard let address = Self.nearestPCIAddress(in: target) else {
        throw SRIOVError(name.name, "the interface is not backed by a PCI device (it is \(target))",
          hint: "SR-IOV applies to PCI network devices; give a PCI address or a PCI NIC's interface")
      }
      return address
    }
  }

  /// Everything sysfs says about one function. Pass `vfIndex` when the caller already knows it from
  /// the PF's `virtfnN` link; otherwise a VF's index is found by reading its PF's links.
  public func device(_ address: PCIAddress, vfIndex knownIndex: Int? = nil) throws -> PCIDevice {
    guard exists(address) else {
      throw SRIOVError(address.description, "no such PCI device (nothing at \(sysfs.absolute(Layout.device(address))))",
        hint: "run 'sriovctl list --all' to see the devices on this host")
    }
    let vendor = try required(.vendor, of: address, "vendor ID") { text throws(ParseError) in try PCIID(parsing: text) }
    let device = try required(.device, of: address, "device ID") { text throws(ParseError) in try PCIID(parsing: text) }
    let pciClass = try required(.pciClass, of: address, "class") { text throws(ParseError) in try PCIClass(parsing: text) }
    let subVendor = try optional(.subsystemVendor, of: address, "subsystem vendor ID") { text throws(ParseError) in try PCIID(parsing: text) }
    let subDevice = try optional(.subsystemDevice, of: address, "subsystem device ID") { text throws(ParseError) in try PCIID(parsing: text) }
    let numa = try optional(.numaNode, of: address, "NUMA node") { text throws(ParseError) in try Self.integer(text, "a NUMA node") }
    let physfn = try linkedAddress(.physfn, of: address)
    return PCIDevice(
      address: address, vendorID: vendor, deviceID: device, subsystemVendorID: subVendor, subsystemDeviceID: subDevice,
      pciClass: pciClass, driver: try linkName(.driver, of: address), numaNode: numa.flatMap { $0 < 0 ? nil : $0 },
      iommuGroup: try iommuGroupID(of: address), physfn: physfn,
      vfIndex: try knownIndex ?? physfn.flatMap { pf in try vfs(of: pf).first { $0.address == address }?.index },
      sriov: try sriovState(of: address), upstream: try upstreamBridges(of: address))
  }

  /// The PF's SR-IOV attributes; nil when the function is not a PF.
  public func sriovState(of address: PCIAddress) throws -> SRIOVState? {
    let parseCount = { (text: String) throws(ParseError) -> Int in try Self.integer(text, "a VF count") }
    guard let total = try optional(.sriovTotalVFs, of: address, "sriov_totalvfs", parseCount) else { return nil }
    var state = SRIOVState(
      totalVFs: total,
      numVFs: try required(.sriovNumVFs, of: address, "sriov_numvfs", parseCount),
      offset: try optional(.sriovOffset, of: address, "sriov_offset", parseCount),
      stride: try optional(.sriovStride, of: address, "sriov_stride", parseCount),
      vfDeviceID: try optional(.sriovVFDevice, of: address, "sriov_vf_device") { text throws(ParseError) in try PCIID(parsing: text) },
      driversAutoprobe: try optional(.sriovDriversAutoprobe, of: address, "sriov_drivers_autoprobe") { text throws(ParseError) in
        guard text == "0" || text == "1" else { throw ParseError(input: text, what: "a boolean", expected: "0 or 1") }
        return text == "1"
      },
      vfs: try vfs(of: address))
    // VFs are the links below sriov_numvfs; a link beyond is reported, never listed (issue 15).
    (state.vfs, state.extraVFLinks) = SRIOVState.split(state.vfs, numVFs: state.numVFs)
    return state
  }

  /// The PF's VFs from its `virtfnN` links, by index.
  public func vfs(of pf: PCIAddress) throws -> [VFLink] {
    if let functions, let links = Self.vfs(of: pf, functions) { return links }
    let entries = try wrap(pf.description, "cannot list its VFs") { () throws(SysfsError) in try sysfs.list(Layout.device(pf)) }
    var links: [VFLink] = []
    for name in entries where name.hasPrefix(Layout.virtfnPrefix) {
      guard let index = Int(name.dropFirst(Layout.virtfnPrefix.count)) else { continue }
      let path = Layout.virtfn(index, of: pf)
      guard let target = try wrap(pf.description, "cannot read \(name)", { () throws(SysfsError) in try sysfs.readLinkIfPresent(path) }),
        let address = target.lastComponent.flatMap(PCIAddress.init(strict:))
      else {
        throw SRIOVError(pf.description, "\(sysfs.absolute(path)) does not point to a PCI device",
          hint: "the sysfs tree looks damaged; if it is a capture, capture it again")
      }
      links.append(VFLink(index: index, address: address))
    }
    return links.sorted { $0.index < $1.index }
  }

  /// `vfs(of:)` through the fd reader; nil when anything is out of the ordinary.
  /// The usual sysfs form of an ID, `0x8086\n`, parsed from its bytes; nil for anything else (the
  /// caller then parses it with `PCIID(parsing:)`, which accepts the other forms too).
  static func sysfsID(_ text: String) -> PCIID? {
    var text = text
    return text.withUTF8 { bytes -> PCIID? in
      guard bytes.count == 7, bytes[0] == UInt8(ascii: "0"), bytes[1] == UInt8(ascii: "x"),
        bytes[6] == UInt8(ascii: "\n")
      else { return nil }
      var value: UInt16 = 0
      for i in 2..<6 {
        guard let digit = Hex.digit(bytes[i]) else { return nil }
        value = value << 4 | UInt16(digit)
      }
      return PCIID(value)
    }
  }

  private static func vfs(of pf: PCIAddress, _ functions: FunctionDirectories) -> [VFLink]? {
    guard let function = functions.function(pf.description) else { return nil }
    var indices: [Int] = []
    let links = functions.readLinkNames(in: function) { names in
      // As `vfs(of:)` does: the index from the name, the link read by its canonical name.
      indices = names.compactMap { name in
        name.hasPrefix(Layout.virtfnPrefix) ? Int(name.dropFirst(Layout.virtfnPrefix.count)) : nil
      }
      return indices.map { Layout.virtfnPrefix + String($0) }
    }
    guard let links else { return nil }
    var result: [VFLink] = []
    for index in indices {
      guard case .name(let last)? = links[Layout.virtfnPrefix + String(index)],
        let address = last.flatMap(PCIAddress.init(strict:))
      else { return nil }
      result.append(VFLink(index: index, address: address))
    }
    return result.sorted { $0.index < $1.index }
  }

  public func iommuGroupID(of address: PCIAddress) throws -> Int? {
    let path = Layout.attribute(.iommuGroup, of: address)
    guard let target = try wrap(address.description, "cannot read its IOMMU group", { () throws(SysfsError) in try sysfs.readLinkIfPresent(path) }) else {
      return nil  // no IOMMU: absence is data
    }
    guard let id = target.lastComponent.flatMap({ Int($0) }) else {
      throw SRIOVError(address.description, "\(sysfs.absolute(path)) points to \(target), not to an IOMMU group",
        hint: "the sysfs tree looks damaged; if it is a capture, capture it again")
    }
    return id
  }

  public func iommuGroup(_ id: Int) throws -> IOMMUGroup {
    let subject = "IOMMU group \(id)"
    let names = try wrap(subject, "cannot list its devices") { () throws(SysfsError) in try sysfs.list(Layout.iommuGroupDevices(id)) }
    let type = try wrap(subject, "cannot read its type") { () throws(SysfsError) in try sysfs.readValueIfPresent(Layout.iommuGroupType(id)) }
    return IOMMUGroup(id: id, members: names.compactMap(PCIAddress.init(strict:)).sorted(), type: type)
  }

  /// Bridges from the function up to the root bus, nearest first, read off the device's real path
  /// (`sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0`). VFs sit beside their PF there.
  public func upstreamBridges(of address: PCIAddress) throws -> [PCIAddress] {
    if let functions, let function = functions.function(address.description) { return Self.upstream(of: function.path) }
    let path = Layout.device(address)
    guard let real = try wrap(address.description, "cannot resolve its sysfs path", { () throws(SysfsError) in try sysfs.readLinkIfPresent(path) }) else {
      return []
    }
    return Self.upstream(of: real)
  }

  static func upstream(of real: HostPath) -> [PCIAddress] {
    real.components.dropLast().compactMap(PCIAddress.init(strict:)).reversed()
  }

  /// netdev names by the PCI function they belong to, from `/sys/class/net`.
  public func netdevsByDevice() throws -> [PCIAddress: [String]] {
    if let functions, let known = Self.netdevsByDevice(functions) { return known }
    let names = try wrap("network interfaces", "cannot list them") { () throws(SysfsError) in try sysfs.listIfPresent(Layout.classNet) }
    var result: [PCIAddress: [String]] = [:]
    for name in names {
      guard let netdev = try? NetdevName(parsing: name),
        let target = try wrap(name, "cannot resolve the interface", { () throws(SysfsError) in try sysfs.readLinkIfPresent(Layout.netdev(netdev)) }),
        let address = Self.nearestPCIAddress(in: target)
      else { continue }
      result[address, default: []].append(name)
    }
    return result
  }

  /// `netdevsByDevice()` for the given functions only, with the same names in the same order: `show`
  /// needs a handful, and a host with thousands of VFs has thousands of `sys/class/net` links. The
  /// kernel puts a netdev at `<device>/net/<name>` and links `sys/class/net/<name>` there, so the
  /// candidates come from the functions' own subtrees (`FunctionDirectories.netdevCandidates`) and
  /// each is kept only if its `sys/class/net` link leads to that function, as `netdevsByDevice()`
  /// decides. Anything unusual: `netdevsByDevice()` answers.
  public func netdevs(of addresses: [PCIAddress]) throws -> [PCIAddress: [String]] {
    if let functions, let known = Self.netdevs(of: addresses, functions) { return known }
    let all = try netdevsByDevice()
    var result: [PCIAddress: [String]] = [:]
    for address in addresses { result[address] = all[address] }
    return result
  }

  private static func netdevs(of addresses: [PCIAddress], _ functions: FunctionDirectories) -> [PCIAddress: [String]]? {
    var candidates: Set<String> = []
    for address in Set(addresses) {
      guard let function = functions.function(address.description),
        let names = functions.netdevCandidates(in: function)
      else { return nil }
      for name in names where (try? NetdevName(parsing: name)) != nil { candidates.insert(name) }
    }
    guard let listing = functions.linkTargets(in: Layout.classNet, only: candidates.sorted()) else { return nil }
    let wanted = Set(addresses)
    return netdevsByFunction(listing, keeping: wanted.contains)
  }

  /// `netdevsByDevice()` with one directory fd for `sys/class/net`; nil when anything is unusual.
  private static func netdevsByDevice(_ functions: FunctionDirectories) -> [PCIAddress: [String]]? {
    guard let listing = functions.linkTargets(in: Layout.classNet, names: { (try? NetdevName(parsing: $0)) != nil })
    else { return nil }
    return netdevsByFunction(listing)
  }

  /// `sys/class/net` links by the PCI function each leads to, keeping the functions `keep` accepts:
  /// `nearestPCIAddress(in: listing.real.appendingLinkTarget(target))` without building the path.
  /// nil when a link is unusual.
  private static func netdevsByFunction(
    _ listing: (real: HostPath, links: [(String, FunctionDirectories.Value)]), keeping keep: (PCIAddress) -> Bool = { _ in true }
  ) -> [PCIAddress: [String]]? {
    var result: [PCIAddress: [String]] = [:]
    for (name, value) in listing.links {
      switch value {
      case .missing: continue
      case .unusual: return nil
      case .text(let target):
        guard let nearest = FunctionDirectories.nearestComponent(of: target, from: listing.real, PCIAddress.init(strict:), PCIAddress.init(strict:))
        else { return nil }
        guard let address = nearest, keep(address) else { continue }
        result[address, default: []].append(name)
      }
    }
    return result
  }

  /// The PCI function a sysfs path belongs to: the last address-shaped component
  /// (`.../0000:00:03.0/virtio2/net/eth0` belongs to 0000:00:03.0).
  static func nearestPCIAddress(in path: HostPath) -> PCIAddress? {
    path.components.reversed().lazy.compactMap(PCIAddress.init(strict:)).first
  }

  // MARK: attribute helpers

  private func linkName(_ attribute: Layout.Attribute, of address: PCIAddress) throws -> String? {
    let path = Layout.attribute(attribute, of: address)
    return try wrap(address.description, "cannot read its \(attribute.rawValue) link") { () throws(SysfsError) in
      try sysfs.readLinkIfPresent(path)?.lastComponent
    }
  }

  private func linkedAddress(_ attribute: Layout.Attribute, of address: PCIAddress) throws -> PCIAddress? {
    guard let name = try linkName(attribute, of: address) else { return nil }
    guard let linked = PCIAddress(strict: name) else {
      throw SRIOVError(address.description,
        "\(sysfs.absolute(Layout.attribute(attribute, of: address))) points to '\(name)', not a PCI device",
        hint: "the sysfs tree looks damaged; if it is a capture, capture it again")
    }
    return linked
  }

  private func optional<T>(
    _ attribute: Layout.Attribute, of address: PCIAddress, _ what: String, _ parse: (String) throws(ParseError) -> T
  ) throws -> T? {
    let path = Layout.attribute(attribute, of: address)
    guard let text = try wrap(address.description, "cannot read its \(what)", { () throws(SysfsError) in try sysfs.readValueIfPresent(path) }) else {
      return nil
    }
    do {
      return try parse(text)
    } catch {
      throw SRIOVError(address.description, "unexpected \(what) in \(sysfs.absolute(path)): \(error)",
        hint: "the sysfs tree looks damaged; if it is a capture, capture it again")
    }
  }

  private func required<T>(
    _ attribute: Layout.Attribute, of address: PCIAddress, _ what: String, _ parse: (String) throws(ParseError) -> T
  ) throws -> T {
    guard let value = try optional(attribute, of: address, what, parse) else {
      throw SRIOVError(address.description, "cannot read its \(what): \(sysfs.absolute(Layout.attribute(attribute, of: address))) is missing",
        hint: "the sysfs tree is incomplete; if it is a capture, capture it again")
    }
    return value
  }

  // The subject and attempt are built only when something fails: a listing reads thousands of
  // attributes, and formatting an address and a message for each was a measurable share of the time.
  private func wrap<T>(
    _ subject: @autoclosure () -> String, _ attempt: @autoclosure () -> String, _ body: () throws(SysfsError) -> T
  ) throws -> T {
    do {
      return try body()
    } catch {
      throw SRIOVError(subject(), "\(attempt()): \(error)", hint: Self.hint(for: error))
    }
  }

  static func hint(for error: SysfsError) -> String? {
    switch error.errno {
    case .permissionDenied?, .notPermitted?: "run as root (sudo)"
    default: nil
    }
  }

  static func integer(_ text: String, _ what: String) throws(ParseError) -> Int {
    guard let value = Int(text) else { throw ParseError(input: text, what: what, expected: "a decimal number") }
    return value
  }
}
