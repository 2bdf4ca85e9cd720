import Foundation
import SRIOVCore
import SystemPackage
import Testing

/// A test double for the kernel's sysfs write side: a `RootedHostFiles` over a private copy of a fixture
/// (symlinks kept as symlinks) that, like `drivers/pci/iov.c` and `pci-driver.c`, enforces the rules on
/// `sriov_numvfs`, `driver_override`, `drivers_probe` and `drivers/<d>/unbind` writes and
/// materialises or removes VF directories, `virtfnN`/`physfn` links, IOMMU groups and driver links the
/// way the fixtures lay them out. Every write attempt lands in `log`, in order.
final class FakeKernel: HostFiles, @unchecked Sendable {
  struct Write: Equatable, CustomStringConvertible {
    let path: String
    let value: String
    let errno: Errno?
    var description: String { "\(path) <- \(value.debugDescription)\(errno.map { " (\($0))" } ?? "")" }
  }

  /// The temporary directory holding the copy; removed by `remove()`.
  let tempDir: String
  /// The host root (the copy of the scenario).
  let root: String
  let base: RootedHostFiles
  private let mutex = NSLock()
  private var writes: [Write] = []
  private var pendingPolls = 0
  private var pendingWork: (() throws -> Void)?

  // Knobs (set before use).
  /// The PF driver enables at most this many VFs and still succeeds.
  var enableLimit: Int?
  /// New VFs appear only after this many sysfs reads/lookups.
  var appearAfterPolls = 0
  /// `sriov_numvfs` writes of a nonzero count fail with this errno (ENOMEM, ENOSPC, EACCES, ...).
  var failEnableWith: Errno?
  /// The PF driver has no `sriov_configure` (ENOENT even though a driver is bound).
  var driverLacksSRIOV = false
  /// The driver VFs bind to when autoprobe is on (iavf for X710); nil: none matches.
  var vfDriver: String?
  /// Runs once when the code under test opens the lock file (just before it locks).
  var beforeLock: (() -> Void)?
  /// The driver a non-VF function binds to on `drivers_probe` without an override.
  var defaultDrivers: [String: String] = [:]

  var log: [Write] { mutex.withLock { writes } }
  /// `path <- value` of each successful write, for compact asserts.
  var applied: [String] { log.filter { $0.errno == nil }.map { "\($0.path) <- \($0.value)" } }

  init(copying scenario: String) throws {
    tempDir = NSTemporaryDirectory() + "sriovctl-fake-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: tempDir, withIntermediateDirectories: true)
    root = tempDir + "/" + scenario
    let p = Foundation.Process()
    p.executableURL = URL(fileURLWithPath: "/bin/cp")
    p.arguments = ["-a", Repo.root + "/Fixtures/sysfs/" + scenario, root]
    try p.run()
    p.waitUntilExit()
    try #require(p.terminationStatus == 0, "cp -a \(scenario) failed")
    base = RootedHostFiles(root: root)
  }

  func remove() { try? FileManager.default.removeItem(atPath: tempDir) }

  // MARK: HostFiles

  func read(_ path: HostPath, limit: Int) throws(SysfsError) -> String { tick(); return try base.read(path, limit: limit) }
  func vouch(_ path: HostPath, as libraryPath: String, limit: Int?) throws(SysfsError) { try base.vouch(path, as: libraryPath, limit: limit) }
  func lockFile(_ path: HostPath) throws(SysfsError) -> Int32 {
    if let hook = mutex.withLock({ () -> (() -> Void)? in defer { beforeLock = nil }; return beforeLock }) {
      hook()  // "another process" acts just before the lock is taken
    }
    return try base.lockFile(path)
  }
  func readBytes(_ path: HostPath, limit: Int) throws(SysfsError) -> [UInt8] { tick(); return try base.readBytes(path, limit: limit) }
  func realPath(_ path: HostPath) throws(SysfsError) -> HostPath { try base.realPath(path) }
  func entryMode(_ path: HostPath) -> UInt32? { base.entryMode(path) }
  func writeRefusal(_ path: HostPath) -> Errno? { base.writeRefusal(path) }
  func readLinkIfPresent(_ path: HostPath) throws(SysfsError) -> HostPath? { tick(); return try base.readLinkIfPresent(path) }
  func list(_ path: HostPath) throws(SysfsError) -> [String] { tick(); return try base.list(path) }
  func exists(_ path: HostPath) -> Bool { tick(); return base.exists(path) }
  func absolute(_ path: HostPath) -> String {
    return base.absolute(path)
  }

  func write(_ value: String, to path: HostPath) throws(SysfsError) {
    do {
      try mutex.withLock { try handle(value, path) }
      mutex.withLock { writes.append(Write(path: path.description, value: value, errno: nil)) }
    } catch let e as Errno {
      mutex.withLock { writes.append(Write(path: path.description, value: value, errno: e)) }
      throw SysfsError(.write(value), path: absolute(path), cause: .errno(e))
    } catch let e as SysfsError {
      mutex.withLock { writes.append(Write(path: path.description, value: value, errno: e.errno)) }
      throw e
    } catch {
      mutex.withLock { writes.append(Write(path: path.description, value: value, errno: .ioError)) }
      throw SysfsError(.write(value), path: absolute(path), cause: .errno(.ioError))
    }
  }

  private func tick() {
    mutex.withLock {
      guard pendingWork != nil else { return }
      pendingPolls -= 1
      if pendingPolls <= 0, let work = pendingWork {
        pendingWork = nil
        try! work()
      }
    }
  }

  // MARK: the kernel's rules

  private func handle(_ value: String, _ path: HostPath) throws {
    let real = try base.realPath(path)
    let text = value.trimmingCharacters(in: .whitespacesAndNewlines)
    if real == SysfsLayout.driversProbe { return try probe(text) }
    let c = real.components
    if c.count == 6, Array(c[0..<4]) == ["sys", "bus", "pci", "drivers"], c[5] == "unbind" { return try unbind(text, from: c[4]) }
    switch real.lastComponent {
    case "sriov_numvfs": try numVFs(text, pf: real.parent)
    case "driver_override":
      guard base.exists(real) else { throw Errno.noSuchFileOrDirectory }
      try put(text.isEmpty ? "(null)\n" : text + "\n", real)
    case "sriov_drivers_autoprobe":
      guard text == "0" || text == "1" else { throw Errno.invalidArgument }
      try base.write(text + "\n", to: real)
    default: try base.write(value, to: real)
    }
  }

  private func numVFs(_ text: String, pf: HostPath) throws {
    guard let n = Int(text), n >= 0, n <= 65535 else { throw Errno.invalidArgument }
    let total = Int(try base.readValue(pf.appending("sriov_totalvfs")))!
    guard n <= total else { throw Errno.outOfRange }
    let current = Int(try base.readValue(pf.appending("sriov_numvfs")))!
    if n == current { return }
    guard base.exists(pf.appending("driver")), !driverLacksSRIOV else { throw Errno.noSuchFileOrDirectory }
    if n == 0 {
      try removeVFs(pf)
      try put("0\n", pf.appending("sriov_numvfs"))
      return
    }
    guard current == 0 else { throw Errno.resourceBusy }
    if let failEnableWith { throw failEnableWith }
    let count = min(n, enableLimit ?? n)
    try put("\(count)\n", pf.appending("sriov_numvfs"))
    let work = { [self] in for i in 0..<count { try addVF(i, pf: pf) } }
    if appearAfterPolls > 0 {
      pendingPolls = appearAfterPolls
      pendingWork = work
    } else {
      try work()
    }
  }

  private func addVF(_ index: Int, pf: HostPath) throws {
    let pfName = pf.lastComponent!
    let pfAddress = PCIAddress(strict: pfName)!
    let offset = Int(try base.readValue(pf.appending("sriov_offset")))!
    let stride = Int(try base.readValue(pf.appending("sriov_stride")))!
    let routing: Int = (Int(pfAddress.bus) << 8) + (Int(pfAddress.device) << 3) + Int(pfAddress.function) + offset + stride * index
    let vf = PCIAddress(domain: pfAddress.domain, bus: UInt8(routing >> 8), device: UInt8((routing >> 3) & 31), function: UInt8(routing & 7))
    let dir = pf.parent.appending(vf.description)
    let fm = FileManager.default
    try fm.createDirectory(atPath: base.absolute(dir), withIntermediateDirectories: false)
    for name in ["vendor", "class", "subsystem_vendor", "subsystem_device", "numa_node", "revision"] {
      if let v = try base.readIfPresent(pf.appending(name)) { try create(v, dir.appending(name)) }
    }
    try create("0x" + (try base.readValue(pf.appending("sriov_vf_device"))) + "\n", dir.appending("device"))
    try create("(null)\n", dir.appending("driver_override"))
    try create("0\n", dir.appending("enable"))
    try link(dir.appending("physfn"), "../" + pfName)
    try link(pf.appending("virtfn\(index)"), "../" + vf.description)
    let up = String(repeating: "../", count: dir.components.count - 1)  // from the device dir to the root
    let fromSys = dir.components.dropFirst().joined(separator: "/")       // devices/pci0000:00/...
    try link(dir.appending("subsystem"), up + "bus/pci")
    try link(SysfsLayout.device(vf), "../../../" + fromSys)
    if base.exists(pf.appending("iommu_group")) {
      let groups = try base.list(SysfsLayout.iommuGroups).compactMap { Int($0) }
      let group = (groups.max() ?? -1) + 1
      let groupDir = SysfsLayout.iommuGroups.appending(String(group))
      try fm.createDirectory(atPath: base.absolute(groupDir.appending("devices")), withIntermediateDirectories: true)
      let pfGroup = try base.readLinkIfPresent(pf.appending("iommu_group"))!
      try create((try base.readIfPresent(pfGroup.appending("type"))) ?? "DMA\n", groupDir.appending("type"))
      try link(groupDir.appending("devices").appending(vf.description), "../../../../" + fromSys)
      try link(dir.appending("iommu_group"), up + "kernel/iommu_groups/\(group)")
    }
    let autoprobe = (try? base.readValue(pf.appending("sriov_drivers_autoprobe"))) ?? "1"
    if autoprobe == "1", let vfDriver, base.exists(SysfsLayout.pciDrivers.appending(vfDriver)) {
      try attach(dir, to: vfDriver)
    }
  }

  private func removeVFs(_ pf: HostPath) throws {
    let fm = FileManager.default
    for name in try base.list(pf) where name.hasPrefix("virtfn") {
      let dir = try base.realPath(pf.appending(name))
      let address = dir.lastComponent!
      if let driver = try base.readLinkIfPresent(dir.appending("driver"))?.lastComponent {
        try fm.removeItem(atPath: base.absolute(SysfsLayout.pciDrivers.appending(driver).appending(address)))
      }
      if let group = try base.readLinkIfPresent(dir.appending("iommu_group")) {
        let members = try base.list(group.appending("devices"))
        if members == [address] { try fm.removeItem(atPath: base.absolute(group)) } else {
          try fm.removeItem(atPath: base.absolute(group.appending("devices").appending(address)))
        }
      }
      try fm.removeItem(atPath: base.absolute(SysfsLayout.pciDevices.appending(address)))
      try fm.removeItem(atPath: base.absolute(dir))
      try fm.removeItem(atPath: base.absolute(pf.appending(name)))
    }
  }

  private func probe(_ text: String) throws {
    guard let address = PCIAddress(strict: text), base.exists(SysfsLayout.device(address)) else { throw Errno.operationNotSupportedByDevice }
    let dir = try base.realPath(SysfsLayout.device(address))
    if base.exists(dir.appending("driver")) { return }
    let override = (try? base.readValue(dir.appending("driver_override"))) ?? "(null)"
    if override != "(null)" && !override.isEmpty {
      if base.exists(SysfsLayout.pciDrivers.appending(override)) { try attach(dir, to: override) }
      return
    }
    if let pf = try base.readLinkIfPresent(dir.appending("physfn")) {
      let autoprobe = (try? base.readValue(pf.appending("sriov_drivers_autoprobe"))) ?? "1"
      if autoprobe == "1", let vfDriver, base.exists(SysfsLayout.pciDrivers.appending(vfDriver)) { try attach(dir, to: vfDriver) }
      return
    }
    if let driver = defaultDrivers[address.description] { try attach(dir, to: driver) }
  }

  private func unbind(_ text: String, from driver: String) throws {
    guard let address = PCIAddress(strict: text), base.exists(SysfsLayout.device(address)) else { throw Errno.operationNotSupportedByDevice }
    let dir = try base.realPath(SysfsLayout.device(address))
    guard try base.readLinkIfPresent(dir.appending("driver"))?.lastComponent == driver else { throw Errno.operationNotSupportedByDevice }
    try FileManager.default.removeItem(atPath: base.absolute(dir.appending("driver")))
    try FileManager.default.removeItem(atPath: base.absolute(SysfsLayout.pciDrivers.appending(driver).appending(address.description)))
  }

  private func attach(_ dir: HostPath, to driver: String) throws {
    let up = String(repeating: "../", count: dir.components.count - 1)
    try link(dir.appending("driver"), up + "bus/pci/drivers/" + driver)
    let fromSys = dir.components.dropFirst().joined(separator: "/")
    try link(SysfsLayout.pciDrivers.appending(driver).appending(dir.lastComponent!), "../../../../" + fromSys)
  }

  // MARK: files

  private func put(_ text: String, _ path: HostPath) throws {
    try text.write(toFile: base.absolute(path), atomically: false, encoding: .utf8)
  }

  private func create(_ text: String, _ path: HostPath) throws { try put(text, path) }

  private func link(_ path: HostPath, _ target: String) throws {
    try FileManager.default.createSymbolicLink(atPath: base.absolute(path), withDestinationPath: target)
  }

  // MARK: test helpers (not through the log)

  func value(_ path: HostPath) -> String? { try? base.readValue(path) }
  func driver(of address: String) -> String? {
    try? base.readLinkIfPresent(SysfsLayout.attribute(.driver, of: PCIAddress(strict: address)!))?.lastComponent
  }
  func virtfns(of pf: String) -> [String] {
    let address = PCIAddress(strict: pf)!
    return ((try? base.list(SysfsLayout.device(address))) ?? []).filter { $0.hasPrefix("virtfn") }
      .sorted { Int($0.dropFirst(6))! < Int($1.dropFirst(6))! }
      .map { name -> String in
        let target: HostPath? = (try? base.readLinkIfPresent(SysfsLayout.device(address).appending(name))) ?? nil
        return target?.lastComponent ?? "?"
      }
  }
  func setValue(_ text: String, _ path: HostPath) throws { try put(text, try base.realPath(path)) }
  /// `modprobe NAME`: the driver's directory with its bind/unbind/new_id files.
  func loadDriver(_ name: String) throws {
    let dir = SysfsLayout.pciDrivers.appending(name)
    try FileManager.default.createDirectory(atPath: base.absolute(dir), withIntermediateDirectories: true)
    for file in ["bind", "unbind", "new_id", "remove_id", "uevent"] { try put("", dir.appending(file)) }
  }
}

/// A clock that moves only when the code under test sleeps.
final class FakeClock: LifecycleClock, @unchecked Sendable {
  private let mutex = NSLock()
  private var time = 0.0
  private var count = 0
  func now() -> Double { mutex.withLock { time } }
  func sleep(seconds: Double) { mutex.withLock { time += seconds; count += 1 } }
  var sleeps: Int { mutex.withLock { count } }
}
