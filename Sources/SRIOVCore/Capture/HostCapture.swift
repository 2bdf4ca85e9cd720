import SystemPackage

/// The netlink step of a capture: where VF settings come from and how the dump is written
/// (`ROOT/sriovctl/vf-settings.json`). Injected so a capture works without netlink (tests, no
/// netdev) and so the dump format stays with the netlink code.
public struct VFSettingsCapture {
  public let control: any VFSettingsControl
  public let encode: ([String: PFVFSettings]) throws -> String

  public init(control: any VFSettingsControl, encode: @escaping ([String: PFVFSettings]) throws -> String) {
    self.control = control
    self.encode = encode
  }
}

public struct CaptureOptions {
  /// Replace MAC addresses and serial numbers with stable placeholders.
  public var anonymize: Bool
  /// nil: no VF settings dump (the capture says so).
  public var vfSettings: VFSettingsCapture?
  /// nil: no devlink dump (`ROOT/sriovctl/devlink.json`).
  public var devlink: (any DevlinkControl)?

  public init(anonymize: Bool = false, vfSettings: VFSettingsCapture? = nil, devlink: (any DevlinkControl)? = nil) {
    self.anonymize = anonymize
    self.vfSettings = vfSettings
    self.devlink = devlink
  }
}

/// `sriovctl capture DIR`: copies the SR-IOV-relevant subset of a host root into a new host root
/// that `--root DIR` reads with the same answers. Only allow-listed attributes of the functions
/// that matter are copied (never BARs, ROMs, VPD or anything of other devices).
public enum HostCapture {
  /// Where the netlink VF settings dump lives inside a capture (read back by `vfSettingsSource()`).
  public static var vfSettingsPath: HostPath { VFSettingsSource.dumpPath }
  /// What the capture holds and what it could not read.
  public static let manifestPath = HostPath("sriovctl/capture.json")

  public static func capture(host: Host, into destination: String, options: CaptureOptions = CaptureOptions()) throws -> CaptureReport {
    let source = host.sysfs
    let writer = try CaptureWriter(destination: destination)
    do {
      let walk = CaptureWalk(source: source, writer: writer, anonymizer: options.anonymize ? Anonymizer() : nil)
      try walk.run(vfSettings: options.vfSettings)
      if let devlink = options.devlink { try walk.dumpDevlink(devlink) }
      let report = CaptureReport(
        directory: writer.destination, anonymized: options.anonymize, devices: walk.roles.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
        netdevs: walk.netdevs, unreadable: walk.unreadable, vfSettingsPFs: walk.vfSettingsPFs)
      try writer.file(manifestPath, text: report.json().rendered())
      try writer.commit()
      return report
    } catch {
      // Explicitly, not at deinit: the staging tree must be gone before a held signal is let through.
      writer.abandon()
      throw error
    }
  }
}

/// One pass over the source root, writing as it goes.
final class CaptureWalk {
  typealias L = SysfsLayout
  let source: any HostFiles
  let inventory: Inventory
  let writer: CaptureWriter
  let anonymizer: Anonymizer?
  var roles: [PCIAddress: CaptureReport.Role] = [:]
  /// Real (resolved) directory of each captured function.
  var realPaths: [PCIAddress: HostPath] = [:]
  var netdevs: [String] = []
  var unreadable: [String] = []
  /// PFs whose VF settings were dumped; nil when there was no netlink step.
  var vfSettingsPFs: [String]?

  /// Plain attributes a function's directory may contribute. Never `resourceN`, `rom`, `vpd`,
  /// `reset`, `remove`: those map hardware, hold serials or act when touched.
  static let deviceAttributes: Set<String> = [
    "vendor", "device", "subsystem_vendor", "subsystem_device", "class", "revision", "numa_node", "config",
    "driver_override", "resource", "irq", "local_cpulist", "enable", "current_link_speed", "current_link_width",
    "max_link_speed", "max_link_width", "secondary_bus_number", "subordinate_bus_number", "sriov_totalvfs",
    "sriov_numvfs", "sriov_offset", "sriov_stride", "sriov_vf_device", "sriov_drivers_autoprobe",
    "sriov_vf_total_msix",
  ]
  static let deviceLinks: Set<String> = ["driver", "iommu_group", "physfn", "iommu"]
  static let netdevAttributes: Set<String> = ["address", "operstate", "ifindex", "mtu", "flags", "type", "carrier", "dev_port"]
  static let iommuUnitFiles: [(String, String)] = [
    ("intel-iommu", "cap"), ("intel-iommu", "ecap"), ("intel-iommu", "version"), ("amd-iommu", "cap"), ("amd-iommu", "features"),
  ]

  init(source: any HostFiles, writer: CaptureWriter, anonymizer: Anonymizer?) {
    self.source = source
    self.inventory = Inventory(sysfs: source)
    self.writer = writer
    self.anonymizer = anonymizer
  }

  func run(vfSettings: VFSettingsCapture?) throws {
    try collectDevices()
    try writer.directory(L.pciDevices)
    for address in roles.keys.sorted() { try copyDevice(address) }
    try copyDrivers()
    try copyIOMMUGroups()
    try copyIOMMUUnits()
    for address in roles.keys.sorted() { try linkIOMMUUnit(of: address) }
    try copyNetdevs()
    try copyHostFacts()
    try copyPCIIDs()
    if let vfSettings { try dumpVFSettings(vfSettings) }
  }

  // MARK: which functions

  /// PFs, their VFs, every bridge above them, and the other members of their IOMMU groups (the
  /// viability check reads those), closed over bridges and groups.
  func collectDevices() throws {
    var queue: [PCIAddress] = []
    func add(_ a: PCIAddress, _ role: CaptureReport.Role) {
      if let old = roles[a], old.rank <= role.rank { return }
      if roles[a] == nil { queue.append(a) }
      roles[a] = role
    }
    // A function whose own link leads out of the root cannot be captured; say so instead of
    // silently leaving it out (`list` on the source fails on it).
    for address in try inventory.allAddresses() where (try? source.readLinkIfPresent(L.device(address))) == nil && kind(L.pciDevices, address.description) == .link {
      unreadable.append(source.absolute(L.device(address)) + ": link leads out of the root or nowhere")
    }
    for pf in try inventory.physicalFunctionAddresses() {
      add(pf, .pf)
      for vf in try inventory.vfs(of: pf) where inventory.exists(vf.address) { add(vf.address, .vf) }
    }
    var next = 0
    while next < queue.count {
      try writer.checkInterrupted()  // a large host reads for a while before writing anything
      let a = queue[next]
      next += 1
      // Bridges a partial copy left without a bus link are in the source all the same (issue 17).
      for bridge in try inventory.upstreamBridges(of: a) where (try? inventory.directory(of: bridge)) != nil { add(bridge, .bridge) }
      if let group = try inventory.iommuGroupID(of: a) {
        for member in try inventory.iommuGroup(group).members where inventory.exists(member) { add(member, .groupMember) }
      }
    }
  }

  // MARK: copying

  private func copyDevice(_ address: PCIAddress) throws {
    let link = L.device(address)
    let base = try inventory.directory(of: address)
    let real = base == link ? try source.readLinkIfPresent(link) ?? link : base
    realPaths[address] = real
    // As in the source: a function without a bus link stays without one.
    if real != link && base == link { try writer.link(link, to: real) }
    try writer.directory(real)
    for name in try source.list(real) {
      let copiedLink = (Self.deviceLinks.contains(name) && name != "iommu") || name.hasPrefix(L.virtfnPrefix)
      switch kind(real, name) {
      case .directory where name == "driver":
        // A copy that followed the driver link: the capture holds the link the kernel has.
        if let driver = try? inventory.device(address).driver, let name = try? DriverName(parsing: driver) {
          try writer.link(real.appending("driver"), to: L.driver(name))
        }
      case .file where Self.deviceAttributes.contains(name):
        guard var bytes = readBytes(real, name) else { continue }
        if name == "config", let anonymizer { bytes = anonymizer.config(bytes) }
        try writer.file(real.appending(name), bytes)
      case .link where copiedLink:
        guard let target = try? source.readLinkIfPresent(real.appending(name)) else {
          unreadable.append(source.absolute(real.appending(name)) + ": link leads out of the root")
          continue
        }
        try writer.link(real.appending(name), to: target)
      case let found where Self.deviceAttributes.contains(name) || copiedLink:
        // An allow-listed name of another type (a FIFO, a directory, a link where a file belongs):
        // never silently left out, or the capture answers differently with nobody told why.
        notCopied(real, name, found, expected: copiedLink ? "a link" : "a regular file")
      default: continue
      }
    }
  }

  /// Every PCI driver's directory (its name tells `check` whether vfio-pci is there), with the links
  /// of captured functions bound to it.
  private func copyDrivers() throws {
    try writer.directory(L.pciDrivers)
    for path in [L.driversProbe, L.pciRescan] where source.exists(path) {
      try writer.file(path, [])  // write-only on sysfs: kept as write targets, no content
    }
    if let bytes = readBytes(L.driversAutoprobe) { try writer.file(L.driversAutoprobe, bytes) }
    for driver in try source.listIfPresent(L.pciDrivers) where kind(L.pciDrivers, driver) == .directory {
      let dir = L.pciDrivers.appending(driver)
      try writer.directory(dir)
      for file in ["bind", "unbind"] where kind(dir, file) == .file { try writer.file(dir.appending(file), []) }
      for (address, real) in realPaths.sorted(by: { $0.key < $1.key }) where kind(dir, address.description) == .link {
        try writer.link(dir.appending(address.description), to: real)
      }
    }
  }

  /// Every group's directory and type (`check` counts them and their types); member links only
  /// for captured functions.
  private func copyIOMMUGroups() throws {
    let groups: [String] = try source.listIfPresent(L.iommuGroups).filter { Int($0) != nil }
    guard source.exists(L.iommuGroups) else { return }
    try writer.directory(L.iommuGroups)
    for name in groups {
      let dir = L.iommuGroups.appending(name)
      try writer.directory(dir.appending("devices"))
      if let type = readBytes(dir, "type") { try writer.file(dir.appending("type"), type) }
      for member in try source.listIfPresent(dir.appending("devices")) {
        guard let address = PCIAddress(strict: member), let real = realPaths[address] else { continue }
        try writer.link(dir.appending("devices").appending(member), to: real)
      }
    }
  }

  private var iommuUnitDirectories: [HostPath] = []

  private func copyIOMMUUnits() throws {
    guard source.exists(L.classIOMMU) else { return }
    try writer.directory(L.classIOMMU)
    for unit in try source.listIfPresent(L.classIOMMU) {
      let entry = L.classIOMMU.appending(unit)
      var real = entry
      if kind(L.classIOMMU, unit) == .link {
        guard let target = try? source.readLinkIfPresent(entry) else {
          unreadable.append(source.absolute(entry) + ": link leads out of the root or nowhere")
          continue
        }
        real = target
        try writer.link(entry, to: target)
      }
      try writer.directory(real)
      iommuUnitDirectories.append(real)
      for (sub, file) in Self.iommuUnitFiles {
        guard let bytes = readBytes(real.appending(sub), file) else { continue }
        try writer.file(real.appending(sub).appending(file), bytes)
      }
    }
  }

  private func linkIOMMUUnit(of address: PCIAddress) throws {
    guard let real = realPaths[address], kind(real, "iommu") == .link,
      let target = try? source.readLinkIfPresent(real.appending("iommu")), iommuUnitDirectories.contains(target)
    else { return }
    try writer.link(real.appending("iommu"), to: target)
  }

  /// Interfaces of captured functions only (not `lo`, not other NICs): each function's own
  /// netdevs (its `net/` entries, see `Inventory.netdevs(of:)`), with a `sys/class/net` link to
  /// each, also where the source's `sys/class/net` is missing or holds directories.
  private func copyNetdevs() throws {
    for (owner, real) in realPaths.sorted(by: { $0.key < $1.key }) {
      for name in inventory.netdevNames(of: owner) {
        let entry = L.classNet.appending(name)
        var target = real.appending("net").appending(name)
        if kind(L.classNet, name) == .link, let linked = try? source.readLinkIfPresent(entry),
          Inventory.nearestPCIAddress(in: linked) == owner
        {
          target = linked  // a child device's netdev (virtio) is where the class link says
        }
        guard kind(target.parent, name) == .directory, !writer.exists(entry) else { continue }
        try copyNetdev(name, from: target)
      }
    }
  }

  private func copyNetdev(_ name: String, from target: HostPath) throws {
    try writer.link(L.classNet.appending(name), to: target)
    try writer.directory(target)
    netdevs.append(name)
    for attribute in try source.listIfPresent(target) where Self.netdevAttributes.contains(attribute) {
      let found = kind(target, attribute)
      guard found == .file else { notCopied(target, attribute, found, expected: "a regular file"); continue }
      guard var bytes = readBytes(target, attribute) else { continue }
      if attribute == "address", let anonymizer { bytes = Array(anonymizer.macLine(String(decoding: bytes, as: UTF8.self)).utf8) }
      try writer.file(target.appending(attribute), bytes)
    }
  }

  /// What `check` reads about the host: command line, the CPU's virtualisation flags, ACPI table
  /// presence (never contents), vfio module parameters.
  private func copyHostFacts() throws {
    if let cmdline = readBytes(L.procCmdline) {
      let text = String(decoding: cmdline, as: UTF8.self)
      try writer.file(L.procCmdline, text: anonymizer?.cmdline(text) ?? text)
    }
    let cpuinfo: String?
    do { cpuinfo = try source.readIfPresent(L.procCpuinfo, limit: HostFileLimits.text) } catch {
      unreadable.append("\(source.absolute(L.procCpuinfo)): \(error)")
      cpuinfo = nil
    }
    if let cpuinfo {
      let flags: Substring? = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") }
      try writer.file(L.procCpuinfo, text: flags.map { String($0) + "\n" } ?? "")
    }
    for table in ["DMAR", "IVRS", "IORT"] where source.exists(L.acpiTable(table)) {
      try writer.file(L.acpiTable(table), [])
    }
    let modules = L.modules
    for module in try source.listIfPresent(modules) where module.hasPrefix("vfio") {
      let parameters = modules.appending(module).appending("parameters")
      try writer.directory(modules.appending(module))
      for parameter in try source.listIfPresent(parameters) {
        let found = kind(parameters, parameter)
        guard found == .file else { notCopied(parameters, parameter, found, expected: "a regular file"); continue }
        guard let bytes = readBytes(parameters, parameter) else { continue }
        try writer.file(parameters.appending(parameter), bytes)
      }
    }
  }

  /// The source root's pci.ids cut to the captured functions and the class list (`PCIIDsSubset`):
  /// the capture names them as the source did, and `list` on it needs no libpci. None in the
  /// source: none in the capture (names then come from libpci's own file, as they did).
  private func copyPCIIDs() throws {
    let bytes: [UInt8]
    do {
      guard let read = try readPCIIDs() else { return }
      bytes = read
    } catch {
      unreadable.append("\(source.absolute(L.pciIDs)): \(error.causeDescription); not copied")
      return
    }
    let functions = roles.keys.sorted().compactMap { try? inventory.device($0) }.map { d in
      PCIIDsSubset.Function(vendor: d.vendorID.value, device: d.deviceID.value,
        subsystem: d.subsystemVendorID.flatMap { v in d.subsystemDeviceID.map { (v.value, $0.value) } })
    }
    try writer.file(L.pciIDs, PCIIDsSubset(functions).filter(bytes))
  }

  private func readPCIIDs() throws(SysfsError) -> [UInt8]? {
    do { return try source.readBytes(L.pciIDs, limit: HostFileLimits.pciIDs) } catch where error.isNotFound { return nil }
  }

  private func dumpVFSettings(_ step: VFSettingsCapture) throws {
    var dump: [String: PFVFSettings] = [:]
    let pfs: [PCIAddress] = roles.filter { $0.value == .pf }.map(\.key).sorted()
    let owners: [PCIAddress: [String]] = (try? inventory.netdevsByDevice()) ?? [:]
    for pf in pfs {
      for name in owners[pf] ?? [] {
        guard let netdev = try? NetdevName(parsing: name) else { continue }
        do {
          var settings = try step.control.read(pf: netdev)
          if let anonymizer {
            for (index, vf) in settings.vfs { settings.vfs[index]?.mac = vf.mac.map(anonymizer.mac) }
          }
          dump[name] = settings
        } catch {
          unreadable.append("VF settings of \(name) (netlink): \(error)")
        }
      }
    }
    try writer.file(HostCapture.vfSettingsPath, text: try step.encode(dump))
    vfSettingsPFs = dump.keys.sorted()
  }

  // MARK: reading the source

  enum Kind { case missing, file, link, directory, other }

  /// What `name` in the resolved directory `dir` is, without following it.
  func kind(_ dir: HostPath, _ name: String) -> Kind {
    guard let mode = source.entryMode(dir.appending(name)) else { return .missing }
    switch mode & 0o170000 {
    case 0o100000: return .file
    case 0o120000: return .link
    case 0o040000: return .directory
    default: return .other
    }
  }

  /// Records an allow-listed entry that is not what it should be, and why it is not in the capture.
  private func notCopied(_ dir: HostPath, _ name: String, _ found: Kind, expected: String) {
    guard found != .missing, let real = try? source.realPath(dir) else { return }
    let full = source.absolute(real.appending(name))
    unreadable.append("\(full): \(describe(real.appending(name))) where \(expected) belongs; not copied")
  }

  /// What kind of entry `path` is, in words (not following a link).
  func describe(_ path: HostPath) -> String {
    guard let mode = source.entryMode(path) else { return "an entry that cannot be examined" }
    switch mode & 0o170000 {
    case 0o100000: return "a regular file"
    case 0o040000: return "a directory"
    case 0o120000: return "a link"
    case 0o010000: return "a FIFO"
    case 0o140000: return "a socket"
    case 0o020000: return "a character device"
    case 0o060000: return "a block device"
    default: return "an entry of unknown type"
    }
  }

  /// The most a copied file may hold: a sysfs attribute is one page (64 KiB on some architectures),
  /// config space 4 KiB, `proc/cmdline` at most a page. Anything larger is not a file capture copies.
  static let fileCap = 1 << 16

  func readBytes(_ path: HostPath) -> [UInt8]? {
    guard let name = path.lastComponent else { return nil }
    return readBytes(path.parent, name)
  }

  /// The whole content of a regular file (never through a link), or nil: absent (silently), or not
  /// copied whole (listed in `unreadable` with why: the kernel refused, not a regular file, larger
  /// than `fileCap`). Never a part: a cut file would answer differently from the host.
  func readBytes(_ dir: HostPath, _ name: String) -> [UInt8]? {
    guard let real = try? source.realPath(dir) else { return nil }
    let full = source.absolute(real.appending(name))
    // Looked at before opening: opening a device node or FIFO can block or act on hardware.
    let found = kind(real, name)
    if found == .missing { return nil }
    guard found == .file else {
      unreadable.append("\(full): \(describe(real.appending(name))) where a regular file belongs; not copied")
      return nil
    }
    // The door checks again on the open file (the entry may have been replaced in between) and
    // reads at most the cap.
    do {
      return try source.readBytes(real.appending(name), limit: Self.fileCap)
    } catch where error.isNotFound {
      return nil
    } catch {
      switch error.cause {
      case .tooLarge: unreadable.append("\(full): larger than \(Self.fileCap) bytes (not an attribute); not copied")
      case .notRegularFile: unreadable.append("\(full): not a regular file once opened; not copied")
      default: unreadable.append("\(full): \(error.causeDescription); not copied")
      }
      return nil
    }
  }
}

extension CaptureReport.Role {
  /// Lower wins when one function has two roles.
  var rank: Int {
    switch self {
    case .pf: 0
    case .vf: 1
    case .bridge: 2
    case .groupMember: 3
    }
  }
}
