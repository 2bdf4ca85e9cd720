/// The order a driver needs between the eSwitch mode change and its VFs (switchdev.md).
public enum EswitchOrder: String, Sendable, CaseIterable {
  /// mlx5 and every driver not known otherwise (the SR-IOV network operator's default, netplan):
  /// keep the VFs, unbind them from their driver, change the mode, rebind them. mlx5 refuses the
  /// change while VF drivers are bound.
  case unbindRebind = "unbind-rebind"
  /// ice: VFs to 0, change the mode, the VFs back (ice refuses the change while VFs exist).
  case recreateVFs = "recreate-vfs"
  /// Only the mode: the device has no VFs, or (netdevsim) its VFs are not PCI functions.
  case modeOnly = "mode-only"

  /// The order for a PF driver with VFs.
  public static func forDriver(_ driver: String?) -> EswitchOrder {
    switch driver {
    case "ice"?: .recreateVFs
    case "netdevsim"?: .modeOnly
    default: .unbindRebind
    }
  }

  /// Why, in a few words, for the plan's first line.
  public var reason: String {
    switch self {
    case .unbindRebind: "VFs unbound from their driver around the mode change, then rebound"
    case .recreateVFs: "VFs removed before the mode change and created again after it"
    case .modeOnly: "the mode change alone"
    }
  }
}

/// What the user asks the eSwitch to be; nil inline/encap modes are left as they are.
public struct EswitchTarget: Hashable, Sendable {
  public var mode: EswitchMode
  public var inlineMode: EswitchInlineMode?
  public var encapMode: EswitchEncapMode?

  public init(mode: EswitchMode, inlineMode: EswitchInlineMode? = nil, encapMode: EswitchEncapMode? = nil) {
    self.mode = mode
    self.inlineMode = inlineMode
    self.encapMode = encapMode
  }

  /// Whether `current` already is this target.
  public func isMet(by current: EswitchSettings) -> Bool {
    current.mode == mode && (inlineMode == nil || current.inlineMode == inlineMode)
      && (encapMode == nil || current.encapMode == encapMode)
  }

  /// `mode switchdev inline-mode transport encap-mode basic`, as devlink(8) takes it.
  public var devlinkArguments: String {
    var parts = ["mode \(mode.rawValue)"]
    if let inlineMode { parts.append("inline-mode \(inlineMode.rawValue)") }
    if let encapMode { parts.append("encap-mode \(encapMode.rawValue)") }
    return parts.joined(separator: " ")
  }
}

/// One step of an eSwitch plan: a sysfs write or the devlink call.
public enum EswitchStep: Hashable, Sendable, CustomStringConvertible {
  /// `drivers_probe <- VF` (rebinding a VF unbound for the change).
  case write(SysfsWrite)
  /// `sriov_numvfs <- count`: the count stays a number until the write formats it.
  case vfCount(pf: PCIAddress, count: Int)
  /// `drivers/DRIVER/unbind <- VF`; its undo probes the VF again.
  case unbind(vf: PCIAddress, driver: DriverName)
  /// `DEVLINK_CMD_ESWITCH_SET` with only the attributes that change.
  case setEswitch(DevlinkHandle, mode: EswitchMode?, inlineMode: EswitchInlineMode?, encapMode: EswitchEncapMode?)

  /// The sysfs write a step makes; nil for the devlink call.
  public var sysfsWrite: SysfsWrite? {
    switch self {
    case .write(let w): w
    case .vfCount(let pf, let count): SysfsWrite(String(count), to: SysfsLayout.attribute(.sriovNumVFs, of: pf))
    case .unbind(let vf, let driver): SysfsWrite(vf.description, to: SysfsLayout.driverUnbind(driver))
    case .setEswitch: nil
    }
  }

  public var description: String {
    if let write = sysfsWrite { return write.description }
    switch self {
    case .write, .vfCount, .unbind: return ""
    case .setEswitch(let handle, let mode, let inline, let encap):
      var parts: [String] = []
      if let mode { parts.append("mode \(mode.rawValue)") }
      if let inline { parts.append("inline-mode \(inline.rawValue)") }
      if let encap { parts.append("encap-mode \(encap.rawValue)") }
      return "devlink dev eswitch set \(handle) \(parts.joined(separator: " "))"
    }
  }

  public func json() -> JSON {
    if let w = sysfsWrite {
      return .object([("action", .string("write")), ("path", .string(w.path.description)), ("value", .string(w.value))])
    }
    switch self {
    case .write, .vfCount, .unbind: return .null
    case .setEswitch(let handle, let mode, let inline, let encap):
      return .object([
        ("action", .string("devlink")), ("handle", .string(handle.description)), ("mode", .optional(mode?.rawValue)),
        ("inline_mode", .optional(inline?.rawValue)), ("encap_mode", .optional(encap?.rawValue)),
      ])
    }
  }
}

/// What was read before planning an eSwitch change.
public struct ObservedEswitch: Hashable, Sendable {
  public let handle: DevlinkHandle
  /// The PF's driver (a PCI PF) or the bus's ("netdevsim").
  public let driver: String?
  public let current: EswitchSettings
  /// The PCI PF and its VFs; nil for a device on another bus (netdevsim).
  public let pf: ObservedPF?
  /// VFs enabled now.
  public let numVFs: Int

  public init(handle: DevlinkHandle, driver: String?, current: EswitchSettings, pf: ObservedPF?, numVFs: Int) {
    self.handle = handle
    self.driver = driver
    self.current = current
    self.pf = pf
    self.numVFs = numVFs
  }
}

/// How to bring an eSwitch to a target: a pure function of what was read (switchdev.md, "Vendor order").
public struct EswitchChange: Hashable, Sendable {
  public let observed: ObservedEswitch
  public let target: EswitchTarget
  public let order: EswitchOrder
  public let steps: [EswitchStep]
  /// VFs the steps destroy (recreate-vfs) or unbind (unbind-rebind).
  public let destroys: [PCIAddress]
  public let unbinds: [PCIAddress]

  public var isNoop: Bool { steps.isEmpty }

  public static func plan(_ observed: ObservedEswitch, to target: EswitchTarget, force: Bool) throws(SRIOVError) -> EswitchChange {
    let current = observed.current
    guard !target.isMet(by: current) else {
      return EswitchChange(observed: observed, target: target, order: .modeOnly, steps: [], destroys: [], unbinds: [])
    }
    let set = EswitchStep.setEswitch(
      observed.handle, mode: current.mode == target.mode ? nil : target.mode,
      inlineMode: target.inlineMode == current.inlineMode ? nil : target.inlineMode,
      encapMode: target.encapMode == current.encapMode ? nil : target.encapMode)
    // Only a mode change makes or removes representors: inline/encap changes need no VF dance.
    let modeChanges = current.mode != target.mode
    let order: EswitchOrder = modeChanges && observed.numVFs > 0 && observed.pf != nil ? .forDriver(observed.driver) : .modeOnly
    guard let pf = observed.pf, order != .modeOnly else {
      return EswitchChange(observed: observed, target: target, order: order, steps: [set], destroys: [], unbinds: [])
    }
    let subject = observed.handle.description
    let numVFsPath = SysfsLayout.attribute(.sriovNumVFs, of: pf.address)
    switch order {
    case .recreateVFs:
      try refuseInUse(pf, action: "change the eSwitch to \(target.mode.rawValue): \(observed.driver ?? "its driver") needs the VFs removed first, which destroys every VF",
        subject: subject, force: force)
      let steps: [EswitchStep] = [.vfCount(pf: pf.address, count: 0), set, .vfCount(pf: pf.address, count: pf.numVFs)]
      return EswitchChange(observed: observed, target: target, order: order, steps: steps, destroys: pf.vfs.map(\.address), unbinds: [])
    case .unbindRebind:
      let bound = pf.vfs.filter { $0.driver != nil }
      if !bound.isEmpty {
        try refuseInUse(pf, action: "change the eSwitch to \(target.mode.rawValue): it unbinds every VF from its driver",
          subject: subject, force: force)
      }
      var steps: [EswitchStep] = []
      for vf in bound {
        guard let driver = vf.driver, let name = try? DriverName(parsing: driver) else { continue }
        steps.append(.unbind(vf: vf.address, driver: name))
      }
      steps.append(set)
      for vf in bound { steps.append(.write(SysfsWrite(vf.address.description, to: SysfsLayout.driversProbe))) }
      return EswitchChange(observed: observed, target: target, order: order, steps: steps, destroys: [], unbinds: bound.map(\.address))
    case .modeOnly:
      return EswitchChange(observed: observed, target: target, order: order, steps: [set], destroys: [], unbinds: [])
    }
  }

  /// The same rule as `create`: VFs in use (vfio-pci or another unusual driver, an up netdev) are
  /// not taken away without --force.
  static func refuseInUse(_ pf: ObservedPF, action: String, subject: String, force: Bool) throws(SRIOVError) {
    let inUse = pf.vfsInUse
    guard !inUse.isEmpty && !force else { return }
    let names: String = inUse.map { "\($0.vf.address) (\($0.why))" }.joined(separator: "; ")
    throw SRIOVError(subject, "refusing to \(action), and \(inUse.count) in use: \(names)",
      hint: "stop what uses them, or pass --force")
  }
}
