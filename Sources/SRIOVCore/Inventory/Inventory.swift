/// Reads what sysfs says about PCI functions, netdevs and IOMMU groups. sysfs is the truth for which
/// devices and VFs exist; nothing here predicts addresses.
public struct Inventory: Sendable {
  public let sysfs: any HostFiles
  typealias Layout = SysfsLayout

  public init(sysfs: any HostFiles) {
    self.sysfs = sysfs
  }

  /// Whether the function has the attribute (file, directory or link), not following it.
  public func has(_ attribute: SysfsLayout.Attribute, of address: PCIAddress) -> Bool {
    sysfs.exists(Layout.attribute(attribute, of: address))
  }

  /// What `list` shows of a VF, read from the VF's directory: device ID, driver, IOMMU group and
  /// NUMA node (4 reads instead of 15). The rest is not read: the vendor ID and class are the PF's
  /// (the kernel gives a VF its PF's vendor, and NICs' VFs their class), subsystem IDs are nil and
  /// `sriov` is nil. Anything out of the ordinary (a fact unknown, a directory not where the bus
  /// link says) is left to `device(_:vfIndex:)`, which reads everything and says why.
  public func listedVF(_ link: VFLink, of pf: PCIDevice) throws -> PCIDevice {
    let base = Layout.device(link.address)
    var unknowns: [String: Unknown] = [:]
    guard let deviceText = try? sysfs.readIfPresent(base.appending("device")),
      let deviceID = Self.sysfsID(deviceText) ?? (try? PCIID(parsing: trimmed(deviceText)))
    else { return try device(link.address, vfIndex: link.index) }
    let numa = optional("numa_node", at: base, &unknowns, fact: "numa_node") { text throws(ParseError) in try Self.integer(text, "a NUMA node") }
    let driver = driverName(at: base, &unknowns)
    let group = iommuGroupID(at: base, &unknowns)
    guard unknowns.isEmpty, let real = try? sysfs.readLinkIfPresent(base) else { return try device(link.address, vfIndex: link.index) }
    return PCIDevice(
      address: link.address, vendorID: pf.vendorID, deviceID: deviceID, subsystemVendorID: nil, subsystemDeviceID: nil,
      pciClass: pf.pciClass, driver: driver, numaNode: numa.flatMap { $0 < 0 ? nil : $0 }, iommuGroup: group,
      physfn: pf.address, vfIndex: link.index, sriov: nil, upstream: Self.upstream(of: real))
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

  /// Whether the kernel lists the function (`sys/bus/pci/devices/<address>`; what waits poll).
  /// `directory(of:)` also finds functions a partial copy left without that link.
  public func exists(_ address: PCIAddress) -> Bool { sysfs.exists(Layout.device(address)) }

  /// Turns what the user typed into an address that exists.
  public func resolve(_ ref: DeviceRef) throws -> PCIAddress {
    switch ref {
    case .address(let address):
      _ = try directory(of: address)
      return address
    case .netdev(let name):
      if let address = function(ofNetdev: name) { return address }
      let link = Layout.netdev(name)
      guard let target = try wrap(name.name, "cannot look up the interface", { () throws(SysfsError) in try sysfs.readLinkIfPresent(link) }) else {
        throw SRIOVError(name.name, "no such network interface (nothing at \(sysfs.absolute(link)))",
          hint: "run 'ip link' to see interface names, or give a PCI address")
      }
      // The class link names a function whose net/ this root lacks: trust what the kernel linked.
      guard let address = Self.nearestPCIAddress(in: target), (try? directory(of: address)) != nil else {
        throw SRIOVError(name.name, "the interface is not backed by a PCI device (it is \(target))",
          hint: "SR-IOV applies to PCI network devices; give a PCI address or a PCI NIC's interface")
      }
      return address
    }
  }

  /// Everything sysfs says about one function. Pass `vfIndex` when the caller already knows it from
  /// the PF's `virtfnN` link; otherwise a VF's index is found by reading its PF's links.
  /// Only the function's identity (`vendor`, `device`, `class`) is required; every other fact that
  /// cannot be read is nil with its reason in `unknowns` (issue 17: degrade, never abort).
  public func device(_ address: PCIAddress, vfIndex knownIndex: Int? = nil) throws -> PCIDevice {
    let base = try directory(of: address)
    var unknowns: [String: Unknown] = [:]
    let vendor = try required("vendor", at: base, of: address, "vendor ID") { text throws(ParseError) in try PCIID(parsing: text) }
    let device = try required("device", at: base, of: address, "device ID") { text throws(ParseError) in try PCIID(parsing: text) }
    let pciClass = try required("class", at: base, of: address, "class") { text throws(ParseError) in try PCIClass(parsing: text) }
    let subVendor = optional("subsystem_vendor", at: base, &unknowns, fact: "subsystem_vendor_id") { text throws(ParseError) in try PCIID(parsing: text) }
    let subDevice = optional("subsystem_device", at: base, &unknowns, fact: "subsystem_device_id") { text throws(ParseError) in try PCIID(parsing: text) }
    let numa = optional("numa_node", at: base, &unknowns, fact: "numa_node") { text throws(ParseError) in try Self.integer(text, "a NUMA node") }
    let driver = driverName(at: base, &unknowns)
    let group = iommuGroupID(at: base, &unknowns)
    let physfn = linked("physfn", at: base, &unknowns, fact: "physfn", "a PCI function") { PCIAddress(strict: $0) }
    var index = knownIndex
    if index == nil, let pf = physfn { index = vfIndex(of: address, on: pf, &unknowns) }
    // What sysfs says, as it says it: `check` reports numvfs and virtfn links that disagree.
    let sriov = sriovState(at: base, of: address, &unknowns)
    var upstream: [PCIAddress] = []
    do {
      upstream = try upstreamBridges(at: base, of: address)
    } catch {
      unknowns["upstream"] = Unknown(.unreadable, "cannot resolve its sysfs path: \(error)")
    }
    var result = PCIDevice(
      address: address, vendorID: vendor, deviceID: device, subsystemVendorID: subVendor, subsystemDeviceID: subDevice,
      pciClass: pciClass, driver: driver, numaNode: numa.flatMap { $0 < 0 ? nil : $0 },
      iommuGroup: group, physfn: physfn, vfIndex: index, sriov: sriov, upstream: upstream)
    result.unknowns = unknowns
    return result
  }

  /// The function's directory: its `sys/bus/pci/devices` link, or, in a partial copy without that
  /// link, its directory under `sys/devices` (found on a root bus or above a listed function).
  public func directory(of address: PCIAddress) throws -> HostPath {
    let link = Layout.device(address)
    if sysfs.exists(link) { return link }
    if let found = unlistedDirectory(of: address) { return found }
    throw SRIOVError(address.description, "no such PCI device (nothing at \(sysfs.absolute(link)))",
      hint: "run 'sriovctl list --all' to see the devices on this host")
  }

  /// Where a function without a `sys/bus/pci/devices` link sits: directly on its root bus
  /// (`sys/devices/pci0000:3a/0000:3a:00.0`) or as a component of a listed function's real path.
  func unlistedDirectory(of address: PCIAddress) -> HostPath? {
    let name = address.description
    let rootBus = Layout.devicesRoot.appending("pci" + String(name.prefix(7))).appending(name)
    if sysfs.exists(rootBus) { return rootBus }
    guard let listed = try? allAddresses() else { return nil }
    for other in listed where other > address {
      guard let real = try? sysfs.readLinkIfPresent(Layout.device(other)),
        let index = real.components.firstIndex(of: name), index < real.components.count - 1
      else { continue }
      return HostPath(components: Array(real.components[...index]))
    }
    return nil
  }

  /// The VF's index from its PF's `virtfnN` links; nil with the reason when the PF does not list it.
  private func vfIndex(of vf: PCIAddress, on pf: PCIAddress, _ unknowns: inout [String: Unknown]) -> Int? {
    guard (try? directory(of: pf)) != nil else {
      unknowns["vf_index"] = Unknown(.notInRoot, "its PF \(pf) is not in this root")
      return nil
    }
    let links = (try? vfs(of: pf)) ?? []
    if let found = links.first(where: { $0.address == vf }) { return found.index }
    unknowns["vf_index"] = Unknown(.invalid, "its PF \(pf) has no virtfn link to it",
      hint: "sysfs is inconsistent (VFs being created or removed?); read it again, or capture it again")
    return nil
  }

  /// The PF's SR-IOV attributes, for a command that changes them; nil when the function is not a
  /// PF. What `list` shows as unknown (an unreadable count, a FIFO for an attribute) is an error
  /// here, with its reason: a change must not start from a guess.
  public func sriovState(of address: PCIAddress) throws -> SRIOVState? {
    var unknowns: [String: Unknown] = [:]
    let state = sriovState(at: try directory(of: address), of: address, &unknowns)
    for fact in ["total_vfs", "num_vfs", "vfs"] {
      guard let unknown = unknowns[fact] else { continue }
      throw SRIOVError(address.description, "cannot read its SR-IOV state (\(fact)): \(unknown.reason)",
        hint: "run 'sriovctl show \(address)' to see what sysfs has; fix or recapture the tree")
    }
    return state
  }

  private func sriovState(at base: HostPath, of address: PCIAddress, _ unknowns: inout [String: Unknown]) -> SRIOVState? {
    let parseCount = { (text: String) throws(ParseError) -> Int in try Self.integer(text, "a VF count") }
    guard let total = optional("sriov_totalvfs", at: base, &unknowns, fact: "total_vfs", parseCount) else { return nil }
    guard let numVFs = optional("sriov_numvfs", at: base, &unknowns, fact: "num_vfs", parseCount) else {
      if unknowns["num_vfs"] == nil { unknowns["num_vfs"] = Unknown(.notInRoot, "sriov_totalvfs is there but sriov_numvfs is not") }
      return nil
    }
    // Absent on kernels before 4.12 (autoprobe) and 4.18 (offset, stride, VF device): unknown, said so.
    let absent = { (attribute: String, fact: String, since: String, unknowns: inout [String: Unknown]) in
      if unknowns[fact] == nil && !self.has(attribute, at: base, of: address) {
        unknowns[fact] = Unknown(.absent, "no \(attribute) attribute: Linux before \(since) has none")
      }
    }
    let offset = optional("sriov_offset", at: base, &unknowns, fact: "vf_offset", parseCount)
    if offset == nil { absent("sriov_offset", "vf_offset", "4.18", &unknowns) }
    let stride = optional("sriov_stride", at: base, &unknowns, fact: "vf_stride", parseCount)
    if stride == nil { absent("sriov_stride", "vf_stride", "4.18", &unknowns) }
    let vfDevice = optional("sriov_vf_device", at: base, &unknowns, fact: "vf_device_id") { text throws(ParseError) in try PCIID(parsing: text) }
    if vfDevice == nil { absent("sriov_vf_device", "vf_device_id", "4.18", &unknowns) }
    let autoprobe = optional("sriov_drivers_autoprobe", at: base, &unknowns, fact: "drivers_autoprobe") { text throws(ParseError) in
      guard text == "0" || text == "1" else { throw ParseError(input: text, what: "a boolean", expected: "0 or 1") }
      return text == "1"
    }
    if autoprobe == nil { absent("sriov_drivers_autoprobe", "drivers_autoprobe", "4.12", &unknowns) }
    var links: [VFLink] = []
    do {
      links = try vfs(of: address, at: base)
    } catch {
      unknowns["vfs"] = Unknown(.unreadable, "cannot read its virtfn links: \(error)")
    }
    var state = SRIOVState(
      totalVFs: total, numVFs: numVFs, offset: offset, stride: stride, vfDeviceID: vfDevice,
      driversAutoprobe: autoprobe, vfs: links)
    // VFs are the links below sriov_numvfs; a link beyond is reported, never listed (issue 15).
    (state.vfs, state.extraVFLinks) = SRIOVState.split(state.vfs, numVFs: state.numVFs)
    return state
  }

  /// The PF's VFs from its `virtfnN` links, by index. A link that names no PCI function is skipped
  /// (the caller compares the count with `sriov_numvfs`).
  public func vfs(of pf: PCIAddress) throws -> [VFLink] {
    try vfs(of: pf, at: directory(of: pf))
  }

  private func vfs(of pf: PCIAddress, at base: HostPath) throws -> [VFLink] {
    let entries = try wrap(pf.description, "cannot list its VFs") { () throws(SysfsError) in try sysfs.list(base) }
    var links: [VFLink] = []
    for name in entries where name.hasPrefix(Layout.virtfnPrefix) {
      guard let index = Int(name.dropFirst(Layout.virtfnPrefix.count)),
        let last = linkTargetName(base.appending(Layout.virtfnPrefix + String(index))),
        let address = PCIAddress(strict: last)
      else { continue }
      links.append(VFLink(index: index, address: address))
    }
    return links.sorted { $0.index < $1.index }
  }

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

  public func iommuGroupID(of address: PCIAddress) throws -> Int? {
    var unknowns: [String: Unknown] = [:]
    return iommuGroupID(at: try directory(of: address), &unknowns)
  }

  /// The group from the `iommu_group` link's last component: what the kernel wrote, even when the
  /// link dangles (a capture without `sys/kernel/iommu_groups`) or leads out of the root.
  private func iommuGroupID(at base: HostPath, _ unknowns: inout [String: Unknown]) -> Int? {
    // No link: no IOMMU (absence is data).
    linked("iommu_group", at: base, &unknowns, fact: "iommu_group", "an IOMMU group") { Int($0) }
  }

  public func iommuGroup(_ id: Int) throws -> IOMMUGroup {
    let subject = "IOMMU group \(id)"
    let devices = Layout.iommuGroupDevices(id)
    let type = try? sysfs.readValueIfPresent(Layout.iommuGroupType(id))
    do {
      let names = try sysfs.list(devices)
      return IOMMUGroup(id: id, members: names.compactMap(PCIAddress.init(strict:)).sorted(), type: type ?? nil)
    } catch where error.isNotFound {
      // The link names the group, but this root has no such directory: members unknown, not "alone".
      let missing = sysfs.exists(Layout.iommuGroups) ? "has no \(devices.description)" : "has no /sys/kernel/iommu_groups"
      return IOMMUGroup(id: id, members: [], type: type ?? nil, membersUnknown: Unknown(
        isLive ? .unreadable : .notInRoot, "this root \(missing)",
        hint: isLive ? nil : Hints.capture("sys/kernel/iommu_groups")))
    } catch {
      return IOMMUGroup(id: id, members: [], type: type ?? nil, membersUnknown: Unknown(
        .unreadable, "\(subject): cannot list its devices: \(error)", hint: Self.hint(for: error)))
    }
  }

  /// Bridges from the function up to the root bus, nearest first, read off the device's real path
  /// (`sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0`). VFs sit beside their PF there. Bridges
  /// without a `sys/bus/pci/devices` link of their own are found this way too.
  public func upstreamBridges(of address: PCIAddress) throws -> [PCIAddress] {
    try upstreamBridges(at: directory(of: address), of: address)
  }

  private func upstreamBridges(at base: HostPath, of address: PCIAddress) throws -> [PCIAddress] {
    guard base == Layout.device(address) else { return Self.upstream(of: base) }
    let path = Layout.device(address)
    guard let real = try wrap(address.description, "cannot resolve its sysfs path", { () throws(SysfsError) in try sysfs.readLinkIfPresent(path) }) else {
      return []
    }
    return Self.upstream(of: real)
  }

  static func upstream(of real: HostPath) -> [PCIAddress] {
    real.components.dropLast().compactMap(PCIAddress.init(strict:)).reversed()
  }

  /// netdev names of every PCI function that has any (see `netdevs(of:)`).
  public func netdevsByDevice() throws -> [PCIAddress: [String]] {
    netdevs(of: try allAddresses())
  }

  /// Each function's netdevs, sorted, from its own `net/` directory: the kernel's definition (a
  /// netdev whose parent is the function sits at `<function>/net/<name>`; `sys/class/net` only
  /// links there, and a copy may lack it or hold it as directories). One directory read per
  /// function. A function without `net/` may have a child device that holds the netdev
  /// (virtio: `<function>/virtio0/net/eth0`); those are looked for one level down.
  /// Functions with none are left out; a function whose `net/` cannot be read is too.
  public func netdevs(of addresses: [PCIAddress]) -> [PCIAddress: [String]] {
    var result: [PCIAddress: [String]] = [:]
    for address in Set(addresses) {
      let names = netdevNames(of: address)
      if !names.isEmpty { result[address] = names }
    }
    return result
  }

  /// `netdevs(of:)` for one function.
  public func netdevNames(of address: PCIAddress) -> [String] {
    let valid = { (names: [String]) in names.filter { (try? NetdevName(parsing: $0)) != nil } }
    // The usual place first (no lookup of where the function is: a listing asks this per VF).
    if let names = try? sysfs.list(Layout.device(address).appending("net")) { return valid(names) }
    guard let base = try? directory(of: address) else { return [] }
    if base != Layout.device(address), let names = try? sysfs.list(base.appending("net")) { return valid(names) }
    // Only a bound driver makes child devices (and netdevs): an unbound VF costs one syscall more.
    guard sysfs.exists(base.appending("driver")) else { return [] }
    // A child device's net/ (virtio), never another PCI function's (a bridge's children).
    var nested: [String] = []
    for entry in (try? sysfs.subdirectories(base)) ?? [] where PCIAddress(strict: entry) == nil && entry != "net" {
      if let names = try? sysfs.list(base.appending(entry).appending("net")) { nested += names }
    }
    return valid(nested.sorted())
  }

  /// The PCI function an interface name belongs to: `sys/class/net/NAME/device` when it leads to a
  /// function whose netdevs include NAME; else the function whose `net/` holds NAME (a copy without
  /// `sys/class/net`, or with directories there). nil when no function has it.
  func function(ofNetdev name: NetdevName) -> PCIAddress? {
    let entry = Layout.netdev(name)
    for link in [entry.appending("device"), entry] {
      if let target = try? sysfs.readLinkIfPresent(link), let candidate = Self.nearestPCIAddress(in: target),
        (try? directory(of: candidate)) != nil, netdevNames(of: candidate).contains(name.name)
      {
        return candidate
      }
    }
    let all = (try? allAddresses()) ?? []
    return all.first { netdevNames(of: $0).contains(name.name) }
  }

  /// The PCI function a sysfs path belongs to: the last address-shaped component
  /// (`.../0000:00:03.0/virtio2/net/eth0` belongs to 0000:00:03.0).
  static func nearestPCIAddress(in path: HostPath) -> PCIAddress? {
    path.components.reversed().lazy.compactMap(PCIAddress.init(strict:)).first
  }

  // MARK: attribute helpers

  /// Whether this root is the running host (`/`): then a refusal is about privilege, not about a
  /// capture that lacks something.
  public var isLive: Bool { sysfs.isLive }

  enum LinkName {
    /// No link: the fact is absent (unbound, no IOMMU, not a VF).
    case absent
    /// The last component of the target, as the kernel wrote it.
    case name(String)
    case unknown(Unknown)
  }

  /// A link attribute by its target's last component. A dangling link still names what the kernel
  /// linked to; a link out of the root is not followed, but its last component is usable; a
  /// directory where the kernel has a link (a copy that followed links) names nothing.
  func linkName(_ attribute: String, at base: HostPath) -> LinkName {
    let path = base.appending(attribute)
    do {
      guard let target = try sysfs.readLinkName(path) else { return .absent }
      guard let last = target else { return .unknown(Unknown(.invalid, "\(attribute) points to the root")) }
      return .name(last)
    } catch {
      if case .linkEscapesRoot(let target) = error.cause,
        let last = target.split(separator: "/").last.map(String.init), last != "..", last != "."
      {
        return .name(last)
      }
      if error.errno == .invalidArgument {
        return .unknown(Unknown(.invalid, "\(attribute) is a directory or file, not a link (a copy that followed links)",
          hint: isLive ? nil : Hints.capture(attribute)))
      }
      return .unknown(Unknown(.unreadable, "cannot read its \(attribute) link: \(error)", hint: Self.hint(for: error)))
    }
  }

  private func linkTargetName(_ path: HostPath) -> String? {
    guard let name = path.lastComponent, case .name(let last) = linkName(name, at: path.parent) else { return nil }
    return last
  }

  /// The bound driver: the `driver` link's last component; where a copy turned the link into a
  /// directory, the `DRIVER=` line of `uevent` (the kernel writes both).
  private func driverName(at base: HostPath, _ unknowns: inout [String: Unknown]) -> String? {
    switch linkName("driver", at: base) {
    case .absent: return nil
    case .name(let name): return name
    case .unknown(let why):
      if why.cause == .invalid, let uevent = try? sysfs.readIfPresent(base.appending("uevent")) {
        for line in uevent.split(separator: "\n") where line.hasPrefix("DRIVER=") {
          let name = String(line.dropFirst("DRIVER=".count))
          if !name.isEmpty { return name }
        }
      }
      unknowns["driver"] = why
      return nil
    }
  }

  /// A link attribute parsed from its last component: nil when there is no link; nil with the
  /// reason in `unknowns[fact]` when it cannot be read or does not name `what`.
  private func linked<T>(
    _ attribute: String, at base: HostPath, _ unknowns: inout [String: Unknown], fact: String, _ what: String,
    _ parse: (String) -> T?
  ) -> T? {
    switch linkName(attribute, at: base) {
    case .absent: return nil
    case .name(let name):
      guard let value = parse(name) else {
        unknowns[fact] = Unknown(.invalid, "\(attribute) points to '\(name)', not to \(what)")
        return nil
      }
      return value
    case .unknown(let why):
      unknowns[fact] = why
      return nil
    }
  }

  /// Whether the function has the attribute (file, directory or link), not following it.
  private func has(_ attribute: String, at base: HostPath, of address: PCIAddress) -> Bool {
    if base == Layout.device(address), let kind = SysfsLayout.Attribute(rawValue: attribute) { return has(kind, of: address) }
    return sysfs.exists(base.appending(attribute))
  }

  /// An optional text attribute: nil when absent; nil with the reason in `unknowns[fact]` when it
  /// cannot be read or parsed.
  private func optional<T>(
    _ attribute: String, at base: HostPath, _ unknowns: inout [String: Unknown], fact: String,
    _ parse: (String) throws(ParseError) -> T
  ) -> T? {
    let text: String?
    do {
      text = try sysfs.readValueIfPresent(base.appending(attribute))
    } catch {
      unknowns[fact] = Unknown(.unreadable, "cannot read \(attribute): \(error)", hint: Self.hint(for: error))
      return nil
    }
    guard let text else { return nil }
    do {
      return try parse(text)
    } catch {
      unknowns[fact] = Unknown(.invalid, "unexpected \(attribute): \(error)")
      return nil
    }
  }

  private func required<T>(
    _ attribute: String, at base: HostPath, of address: PCIAddress, _ what: String, _ parse: (String) throws(ParseError) -> T
  ) throws -> T {
    let path = base.appending(attribute)
    guard let text = try wrap(address.description, "cannot read its \(what)", { () throws(SysfsError) in try sysfs.readValueIfPresent(path) }) else {
      throw SRIOVError(address.description, "cannot read its \(what): \(sysfs.absolute(path)) is missing",
        hint: "the sysfs tree is incomplete; if it is a capture, capture it again")
    }
    do {
      return try parse(text)
    } catch {
      throw SRIOVError(address.description, "unexpected \(what) in \(sysfs.absolute(path)): \(error)",
        hint: "the sysfs tree looks damaged; if it is a capture, capture it again")
    }
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
