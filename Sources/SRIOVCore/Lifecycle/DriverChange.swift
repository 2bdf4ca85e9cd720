/// What sysfs says about one function's binding, read once before planning.
public struct ObservedBinding: Hashable, Sendable {
  public let address: PCIAddress
  public let driver: String?
  /// nil when unset (`(null)` or empty).
  public let driverOverride: String?
  /// netdev names whose `operstate` is `up`.
  public let upNetdevs: [String]
  /// For a PF, its enabled VFs (`sriov_numvfs`); 0 otherwise.
  public let enabledVFs: Int

  public init(address: PCIAddress, driver: String?, driverOverride: String?, upNetdevs: [String], enabledVFs: Int = 0) {
    self.address = address
    self.driver = driver
    self.driverOverride = driverOverride
    self.upNetdevs = upNetdevs
    self.enabledVFs = enabledVFs
  }
}

/// How to bind a function to a driver or unbind it (kernel-abi.md §3): a pure function of what sysfs
/// showed.
public struct DriverChange: Hashable, Sendable {
  public let device: PCIAddress
  public let writes: [SysfsWrite]
  /// The driver the device must end up on; nil = no driver.
  public let expectedDriver: String?
  /// Why nothing needs doing, when `writes` is empty.
  public let noopReason: String?

  public var isNoop: Bool { writes.isEmpty }

  /// `driverLoaded`: whether `sys/bus/pci/drivers/<driver>` exists.
  public static func bind(_ observed: ObservedBinding, to driver: DriverName, driverLoaded: Bool, force: Bool = false)
    throws(SRIOVError) -> DriverChange
  {
    let address = observed.address
    let overridePath = SysfsLayout.attribute(.driverOverride, of: address)
    if observed.driver == driver.name && (observed.driverOverride == nil || observed.driverOverride == driver.name) {
      return DriverChange(device: address, writes: [], expectedDriver: driver.name,
        noopReason: "already bound to \(driver.name)")
    }
    guard driverLoaded || observed.driver == driver.name else {
      throw SRIOVError(address.description, "cannot bind to \(driver.name): the driver is not loaded (no /sys/bus/pci/drivers/\(driver.name))",
        hint: "load it first: modprobe \(driver.name)")
    }
    if let current = observed.driver, current != driver.name {
      try refuseIfUp(observed, action: "unbind it from \(current)", force: force)
    }
    var writes: [SysfsWrite] = []
    if observed.driverOverride != driver.name { writes.append(SysfsWrite(driver.name, to: overridePath)) }
    if let current = observed.driver, current != driver.name, let name = try? DriverName(parsing: current) {
      writes.append(SysfsWrite(address.description, to: SysfsLayout.driverUnbind(name)))
    }
    if observed.driver != driver.name { writes.append(SysfsWrite(address.description, to: SysfsLayout.driversProbe)) }
    return DriverChange(device: address, writes: writes, expectedDriver: driver.name, noopReason: nil)
  }

  /// Leaves the function without a driver and without an override (cleared with an empty line).
  public static func unbind(_ observed: ObservedBinding, force: Bool = false) throws(SRIOVError) -> DriverChange {
    let address = observed.address
    if observed.driver == nil && observed.driverOverride == nil {
      return DriverChange(device: address, writes: [], expectedDriver: nil, noopReason: "already has no driver")
    }
    var writes: [SysfsWrite] = []
    if let current = observed.driver, let name = try? DriverName(parsing: current) {
      try refuseIfUp(observed, action: "unbind it from \(current)", force: force)
      writes.append(SysfsWrite(address.description, to: SysfsLayout.driverUnbind(name)))
    }
    if observed.driverOverride != nil {
      writes.append(SysfsWrite("\n", to: SysfsLayout.attribute(.driverOverride, of: address)))
    }
    return DriverChange(device: address, writes: writes, expectedDriver: nil, noopReason: nil)
  }

  private static func refuseIfUp(_ observed: ObservedBinding, action: String, force: Bool) throws(SRIOVError) {
    if observed.enabledVFs > 0 && !force {
      throw SRIOVError(observed.address.description,
        "refusing to \(action): it is a PF with \(observed.enabledVFs) VFs, which most PF drivers remove when unbound",
        hint: "remove the VFs first (sriovctl remove \(observed.address)), or pass --force")
    }
    guard !observed.upNetdevs.isEmpty && !force else { return }
    let names: String = observed.upNetdevs.joined(separator: ", ")
    throw SRIOVError(observed.address.description, "refusing to \(action): its netdev \(names) is up",
      hint: "bring it down first (ip link set \(observed.upNetdevs[0]) down), or pass --force")
  }
}
