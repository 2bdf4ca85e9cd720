/// A kernel driver name as the user types it (`vfio-pci`, `nvme`), validated so it can only name a
/// directory under `sys/bus/pci/drivers`.
public struct DriverName: Hashable, Sendable, CustomStringConvertible {
  public let name: String

  public init(parsing text: String) throws(ParseError) {
    let invalid = text.isEmpty || text.utf8.count > 64 || text == "." || text == ".."
      || text.contains { $0 == "/" || $0.isWhitespace || $0 == "\0" }
    if invalid {
      throw ParseError(input: text, what: "a driver name", expected: "a name from /sys/bus/pci/drivers, e.g. vfio-pci")
    }
    name = text
  }

  public var description: String { name }
}

/// One write to a sysfs attribute: the path inside the host root and the exact bytes written.
public struct SysfsWrite: Hashable, Sendable, CustomStringConvertible {
  public let path: HostPath
  public let value: String

  public init(_ value: String, to path: HostPath) {
    self.path = path
    self.value = value
  }

  /// `echo VALUE > /sys/...` as a user would type it (a lone newline shows as '').
  public var description: String { "\(path) <- '\(Self.shown(value))'" }

  /// The value with its newline made visible (clearing an override writes "\n").
  public static func shown(_ value: String) -> String {
    value == "\n" ? "\\n" : value
  }
}

/// A step of a plan. Writes to VFs that do not exist yet name them by index: the kernel decides
/// their addresses, so the executor reads `virtfnN` once they appear.
public enum PlannedWrite: Hashable, Sendable, CustomStringConvertible {
  case write(SysfsWrite)
  /// `sriov_numvfs <- count`: the count stays a number until the write formats it.
  case vfCount(pf: PCIAddress, count: Int)
  /// `virtfnN/driver_override <- driver`
  case vfOverride(pf: PCIAddress, vf: Int, driver: DriverName)
  /// `sys/bus/pci/drivers_probe <- <address of virtfnN>`
  case vfProbe(pf: PCIAddress, vf: Int)

  /// The path as planned (through the `virtfnN` link for VFs still to come).
  public var path: HostPath {
    switch self {
    case .write(let w): w.path
    case .vfCount(let pf, _): SysfsLayout.attribute(.sriovNumVFs, of: pf)
    case .vfOverride(let pf, let vf, _): SysfsLayout.virtfn(vf, of: pf).appending(SysfsLayout.Attribute.driverOverride.rawValue)
    case .vfProbe: SysfsLayout.driversProbe
    }
  }

  /// The value as planned; a VF address not known yet reads `<address of virtfnN>`.
  public var value: String {
    switch self {
    case .write(let w): w.value
    case .vfCount(_, let count): String(count)
    case .vfOverride(_, _, let driver): driver.name
    case .vfProbe(_, let vf): "<address of \(SysfsLayout.virtfnPrefix)\(vf)>"
    }
  }

  public var description: String { "\(path) <- '\(SysfsWrite.shown(value))'" }
}

/// What sysfs says about one VF, read once before planning: its index and its binding.
public struct ObservedVF: Hashable, Sendable {
  public let index: Int
  public let binding: ObservedBinding

  public init(index: Int, binding: ObservedBinding) {
    self.index = index
    self.binding = binding
  }

  public init(index: Int, address: PCIAddress, driver: String?, driverOverride: String?, upNetdevs: [String]) {
    self.init(index: index, binding: ObservedBinding(address: address, driver: driver, driverOverride: driverOverride, upNetdevs: upNetdevs))
  }

  public var address: PCIAddress { binding.address }
  public var driver: String? { binding.driver }
  public var upNetdevs: [String] { binding.upNetdevs }
}

/// What sysfs says about a PF, read once before planning.
public struct ObservedPF: Hashable, Sendable {
  public let address: PCIAddress
  public let totalVFs: Int
  public let numVFs: Int
  public let driver: String?
  /// `sriov_drivers_autoprobe`; nil on kernels without it.
  public let driversAutoprobe: Bool?
  public let vfs: [ObservedVF]

  public init(address: PCIAddress, totalVFs: Int, numVFs: Int, driver: String?, driversAutoprobe: Bool?, vfs: [ObservedVF]) {
    self.address = address
    self.totalVFs = totalVFs
    self.numVFs = numVFs
    self.driver = driver
    self.driversAutoprobe = driversAutoprobe
    self.vfs = vfs
  }

  /// VFs that `sriov_numvfs` counts but that have no `virtfnN` link (yet): after an interrupted
  /// `create`, or while the kernel is still adding them. An equal count is done only when this is 0.
  public var missingVFs: Int {
    max(0, numVFs - Set(vfs.lazy.map(\.index).filter { $0 >= 0 && $0 < self.numVFs }).count)
  }

  /// The driver most of this PF's VFs use (ties: the name first in order); nil when all are unbound.
  public var usualVFDriver: String? {
    var counts: [String: Int] = [:]
    for vf in vfs { if let d = vf.driver { counts[d, default: 0] += 1 } }
    let best: Int = counts.values.max() ?? 0
    return counts.filter { $0.value == best }.keys.sorted().first
  }

  /// VFs that a reset would take away from someone: bound to a driver other than the usual VF
  /// driver (vfio-pci always counts: a guest may own it), or with an up netdev.
  public var vfsInUse: [(vf: ObservedVF, why: String)] {
    let usual: String? = usualVFDriver
    var result: [(vf: ObservedVF, why: String)] = []
    for vf in vfs {
      var reasons: [String] = []
      if let d = vf.driver, d == "vfio-pci" || d != usual { reasons.append("bound to \(d)") }
      if !vf.upNetdevs.isEmpty { reasons.append("netdev \(vf.upNetdevs.joined(separator: ", ")) is up") }
      if !reasons.isEmpty { result.append((vf, reasons.joined(separator: ", "))) }
    }
    return result
  }
}
