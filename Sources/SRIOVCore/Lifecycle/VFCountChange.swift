/// How to make a PF have `target` VFs: a pure function of what sysfs showed (kernel-abi.md §2, §3).
public struct VFCountChange: Hashable, Sendable {
  public let pf: PCIAddress
  public let from: Int
  public let to: Int
  /// `--driver`: the new VFs are bound to it race-free.
  public let driver: DriverName?
  /// Every write, in order. Empty when the PF already has `to` VFs.
  public let writes: [PlannedWrite]
  /// VFs that the writes remove (all of them when the count goes through 0).
  public let destroys: [ObservedVF]
  /// The autoprobe write that undoes `writes`' first one, run even when a later step fails.
  public let restoreAutoprobe: SysfsWrite?
  /// With the count already right: how many of its VFs have no `virtfnN` link yet, to wait for as
  /// after a write (issue 15: an interrupted `create` left `sriov_numvfs` 4 and 2 links).
  public var awaitsVFs: Int = 0

  /// Nothing to write and nothing to wait for: the PF has `to` VFs, all of them there.
  public var isNoop: Bool { writes.isEmpty && awaitsVFs == 0 }

  /// What the summary says when the count is right but VFs are missing.
  public var missingVFsText: String? {
    awaitsVFs > 0 ? "sriov_numvfs already \(to) but only \(to - awaitsVFs) VFs present" : nil
  }

  public struct Options: Hashable, Sendable {
    public var driver: DriverName?
    public var force: Bool
    public init(driver: DriverName? = nil, force: Bool = false) {
      self.driver = driver
      self.force = force
    }
  }

  public static func plan(_ observed: ObservedPF, to target: Int, options: Options = Options()) throws(SRIOVError) -> VFCountChange {
    let pf = observed.address
    let subject = pf.description
    guard target >= 0 else {
      throw SRIOVError(subject, "cannot create \(target) VFs: the count must be 0 or more", exitCode: 64)
    }
    guard target <= observed.totalVFs else {
      throw SRIOVError(subject,
        "cannot create \(target) VFs: the device supports at most \(observed.totalVFs) (sriov_totalvfs)",
        hint: "choose a count from 0 to \(observed.totalVFs)")
    }
    if target == observed.numVFs {
      // The count is right; with --driver, move the VFs that are elsewhere (nothing is destroyed).
      var writes: [PlannedWrite] = []
      if let driver = options.driver, target > 0 {
        for vf in observed.vfs {
          let change = try DriverChange.bind(vf.binding, to: driver, driverLoaded: true, force: options.force)
          writes += change.writes.map(PlannedWrite.write)
        }
      }
      var change = VFCountChange(pf: pf, from: observed.numVFs, to: target, driver: target > 0 ? options.driver : nil,
        writes: writes, destroys: [], restoreAutoprobe: nil)
      change.awaitsVFs = target > 0 ? observed.missingVFs : 0
      return change
    }
    if target > 0 && observed.driver == nil {
      throw SRIOVError(subject, "cannot create \(target) VFs: no driver is bound to the PF",
        hint: Self.noDriverHint(pf))
    }
    let destroys: [ObservedVF] = observed.numVFs > 0 ? observed.vfs : []
    let inUse = observed.vfsInUse
    if !destroys.isEmpty && !inUse.isEmpty && !options.force {
      let names: String = inUse.map { "\($0.vf.address) (\($0.why))" }.joined(separator: "; ")
      let action: String = target == 0 ? "remove its VFs" : "change from \(observed.numVFs) to \(target) VFs"
      throw SRIOVError(subject,
        "refusing to \(action): it destroys every VF and \(inUse.count) in use: \(names)",
        hint: "stop what uses them, or pass --force to destroy them anyway")
    }

    var writes: [PlannedWrite] = []
    var restore: SysfsWrite? = nil
    let autoprobePath = SysfsLayout.attribute(.sriovDriversAutoprobe, of: pf)
    if let driver = options.driver, target > 0 {
      guard let autoprobe = observed.driversAutoprobe else {
        throw SRIOVError(subject, "cannot bind new VFs to \(driver) without races: this kernel has no sriov_drivers_autoprobe",
          hint: "create the VFs without --driver, then use 'sriovctl bind' on each")
      }
      if autoprobe {
        writes.append(.write(SysfsWrite("0", to: autoprobePath)))
        restore = SysfsWrite("1", to: autoprobePath)
      }
    }
    if observed.numVFs > 0 && target > 0 {
      writes.append(.vfCount(pf: pf, count: 0))
    }
    writes.append(.vfCount(pf: pf, count: target))
    if let driver = options.driver, target > 0 {
      for index in 0..<target {
        writes.append(.vfOverride(pf: pf, vf: index, driver: driver))
        writes.append(.vfProbe(pf: pf, vf: index))
      }
    }
    if let restore { writes.append(.write(restore)) }
    return VFCountChange(pf: pf, from: observed.numVFs, to: target, driver: target > 0 ? options.driver : nil,
      writes: writes, destroys: destroys, restoreAutoprobe: restore)
  }

  static func noDriverHint(_ pf: PCIAddress) -> String {
    "bind the PF's driver first (e.g. echo \(pf) > /sys/bus/pci/drivers_probe); a driver without SR-IOV support needs pci-pf-stub"
  }
}
