/// What the host looks like for one desired PF, read once before planning.
public struct ObservedApplyPF: Sendable, Equatable {
  public let pf: ObservedPF
  /// The PF's interface (VF settings go through it); nil when it has none.
  public let netdev: NetdevName?
  /// The VF settings as rtnetlink reports them; nil when not read (no settings wanted) or unreadable.
  public let settings: PFVFSettings?
  /// Drivers with a `sys/bus/pci/drivers/<name>` directory.
  public let loadedDrivers: Set<String>
  /// The devlink eSwitch, read only when the entry has `eswitch`.
  public var eswitch: EswitchSettings? = nil

  public init(pf: ObservedPF, netdev: NetdevName?, settings: PFVFSettings?, loadedDrivers: Set<String>) {
    self.pf = pf
    self.netdev = netdev
    self.settings = settings
    self.loadedDrivers = loadedDrivers
  }
}

/// One step of an apply plan. Each prints as one line saying what it changes.
public enum ApplyAction: Sendable, Equatable, CustomStringConvertible {
  /// `sriov_drivers_autoprobe`.
  case autoprobe(pf: PCIAddress, from: Bool, to: Bool)
  /// `sriov_numvfs`, through 0 when both counts are nonzero; destroys every existing VF then.
  case count(VFCountChange)
  /// A VF's driver; `address` nil for a VF this plan creates (the kernel picks its address).
  case bind(pf: PCIAddress, vf: Int, address: PCIAddress?, from: String?, to: DriverName)
  /// One VF setting through the PF's interface; `from` nil when unknown (a VF still to be created).
  case setting(pf: PCIAddress, netdev: NetdevName, vf: Int, to: VFSetting, from: VFSetting?)
  /// The devlink eSwitch mode, changed in the PF driver's order when it runs (docs/switchdev.md).
  case eswitch(pf: PCIAddress, driver: String?, from: EswitchSettings, to: EswitchTarget)

  public var pf: PCIAddress {
    switch self {
    case .autoprobe(let pf, _, _), .bind(let pf, _, _, _, _), .setting(let pf, _, _, _, _), .eswitch(let pf, _, _, _): pf
    case .count(let change): change.pf
    }
  }

  /// Count changes that remove VFs cannot be undone: the kernel has destroyed them.
  public var isIrreversible: Bool {
    if case .count(let change) = self { return change.from != change.to && change.from > 0 }
    return false
  }

  public var kind: String {
    switch self {
    case .autoprobe: "autoprobe"
    case .count: "vf_count"
    case .bind: "driver"
    case .setting: "vf_setting"
    case .eswitch: "eswitch"
    }
  }

  public var vf: Int? {
    switch self {
    case .bind(_, let vf, _, _, _), .setting(_, _, let vf, _, _): vf
    default: nil
    }
  }

  /// The value before, for display (nil: none or unknown).
  public var fromText: String? {
    switch self {
    case .autoprobe(_, let from, _): from ? "1" : "0"
    case .count(let change): String(change.from)
    case .bind(_, _, _, let from, _): from
    case .setting(_, _, _, _, let from): from?.description
    case .eswitch(_, _, let from, _): EswitchView.text(from)
    }
  }

  public var toText: String {
    switch self {
    case .autoprobe(_, _, let to): to ? "1" : "0"
    case .count(let change): String(change.to)
    case .bind(_, _, _, _, let to): to.name
    case .setting(_, _, _, let to, _): to.description
    case .eswitch(_, _, _, let to): EswitchView.text(EswitchSettings(mode: to.mode, inlineMode: to.inlineMode, encapMode: to.encapMode))
    }
  }

  public var description: String {
    switch self {
    case .autoprobe(let pf, let from, let to):
      return "\(pf): sriov_drivers_autoprobe \(from ? 1 : 0) -> \(to ? 1 : 0)"
    case .count(let change) where change.from == change.to:
      return "\(change.pf): \(change.missingVFsText ?? "VFs \(change.to)"): wait for them"
    case .count(let change):
      var line = "\(change.pf): VFs \(change.from) -> \(change.to)"
      if let driver = change.driver { line += ", new VFs bound to \(driver) race-free" }
      if isIrreversible {
        let list: String = change.destroys.map(\.address.description).joined(separator: " ")
        line += " (irreversible: destroys \(change.destroys.count) VF(s): \(list))"
      }
      return line
    case .bind(let pf, let vf, let address, let from, let to):
      let which: String = address.map { "(\($0))" } ?? "(new)"
      return "\(pf) VF \(vf) \(which): driver \(from ?? "none") -> \(to)"
    case .setting(let pf, let netdev, let vf, let to, let from):
      return "\(pf) VF \(vf) (\(netdev)): \(from?.description ?? "\(to.name) unknown") -> \(to)"
    case .eswitch(let pf, let driver, _, _):
      let order = EswitchOrder.forDriver(driver)
      return "\(pf): eSwitch \(fromText ?? "?") -> \(toText) (\(driver ?? "unknown driver") order \(order.rawValue): \(order.reason))"
    }
  }
}

/// The ordered actions that take observed PFs to the desired state: autoprobe and VF counts first,
/// then bindings, then VF settings. A pure function; equal state gives no actions.
public struct ApplyPlan: Sendable {
  public let actions: [ApplyAction]
  /// Refusals a real run would stop at (VFs in use without --force); dry runs show them with the plan.
  public let refusals: [SRIOVError]

  public var isEmpty: Bool { actions.isEmpty }
  /// VFs that the plan's count changes destroy.
  public var destroys: [PCIAddress] {
    actions.flatMap { action -> [PCIAddress] in
      if case .count(let change) = action { return change.destroys.map(\.address) }
      return []
    }
  }

  public struct Options: Sendable {
    /// Destroy or unbind VFs in use.
    public var force: Bool
    /// Plan refused changes anyway (forced) and keep the refusal, to show them.
    public var dryRun: Bool
    public init(force: Bool = false, dryRun: Bool = false) {
      self.force = force
      self.dryRun = dryRun
    }
  }

  public init(actions: [ApplyAction], refusals: [SRIOVError] = []) {
    self.actions = actions
    self.refusals = refusals
  }

  /// Plans every PF; `pfs` pairs each desired PF with what was observed for it, in file order.
  public static func make(_ pfs: [(desired: DesiredPF, observed: ObservedApplyPF)], source: String, options: Options = Options())
    throws -> ApplyPlan
  {
    var counts: [ApplyAction] = []
    var binds: [ApplyAction] = []
    var settings: [ApplyAction] = []
    var refusals: [SRIOVError] = []
    for (desired, observed) in pfs {
      let planned = try plan(desired, observed, source: source, options: options)
      counts += planned.counts
      binds += planned.binds
      settings += planned.settings
      refusals += planned.refusals
    }
    return ApplyPlan(actions: counts + binds + settings, refusals: refusals)
  }

  static func plan(_ desired: DesiredPF, _ observed: ObservedApplyPF, source: String, options: Options) throws
    -> (counts: [ApplyAction], binds: [ApplyAction], settings: [ApplyAction], refusals: [SRIOVError])
  {
    let pf = observed.pf
    func fail(_ field: String, _ problem: String, hint: String? = nil) -> DesiredStateError {
      DesiredStateError(source: source, line: desired.line, field: desired.field + field, problem: "\(pf.address): \(problem)", hint: hint)
    }
    var counts: [ApplyAction] = []
    var binds: [ApplyAction] = []
    var settings: [ApplyAction] = []
    var refusals: [SRIOVError] = []
    let target: Int = desired.count ?? pf.numVFs
    if let highest = desired.highestVFIndex, highest >= target {
      throw fail(".vfs.per_vf", "VF \(highest) does not exist: the PF has \(target) VFs",
        hint: "set 'count' to more than \(highest), or use lower VF indexes")
    }
    let wanted: [DriverName] = (0..<target).compactMap { desired.driver(forVF: $0) }
    for driver in Set(wanted.map(\.name)).sorted() where !observed.loadedDrivers.contains(driver) {
      throw fail(".vfs.driver", "cannot bind VFs to \(driver): the driver is not loaded (no /sys/bus/pci/drivers/\(driver))",
        hint: "load it first (modprobe \(driver)); at boot, list it in /etc/modules-load.d/")
    }

    // 1. autoprobe, then the count (which sees the autoprobe the plan has set).
    var autoprobe: Bool? = pf.driversAutoprobe
    if let want = desired.autoprobe, want != pf.driversAutoprobe {
      guard let now = pf.driversAutoprobe else {
        throw fail(".vfs.autoprobe", "this kernel has no sriov_drivers_autoprobe", hint: "remove 'autoprobe' from the file")
      }
      counts.append(.autoprobe(pf: pf.address, from: now, to: want))
      autoprobe = want
    }
    let recreated = target != pf.numVFs
    // One driver for every VF: the count change binds the new VFs race-free (autoprobe off meanwhile).
    let uniform: DriverName? = desired.perVF.contains { $0.driver != nil } ? nil : desired.driver
    if recreated {
      let seen = ObservedPF(address: pf.address, totalVFs: pf.totalVFs, numVFs: pf.numVFs, driver: pf.driver,
        driversAutoprobe: autoprobe, vfs: pf.vfs)
      let countOptions = VFCountChange.Options(driver: target > 0 ? uniform : nil, force: options.force)
      let change: VFCountChange
      do {
        let (planned, refusal) = try Lifecycle.plan(seen, to: target, options: countOptions, dryRun: options.dryRun)
        change = planned
        if let refusal { refusals.append(refusal) }
      } catch {
        throw fail(".vfs.count", error.problem, hint: error.hint)
      }
      counts.append(.count(change))
    } else if pf.missingVFs > 0 {
      // The count is right but VFs are missing (an interrupted create): a step that waits for them.
      counts.append(.count(try VFCountChange.plan(pf, to: target)))
    }
    // The eSwitch mode goes among the count actions, in the order the PF's driver needs.
    let ordered = try withEswitch(counts, desired: desired, observed: observed, options: options) { fail($0, $1, hint: $2) }
    counts = ordered.actions
    refusals += ordered.refusals
    let observedVFs: [Int: ObservedVF] = Dictionary(pf.vfs.map { ($0.index, $0) }, uniquingKeysWith: { first, _ in first })

    // 2. bindings: VFs the count change did not bind.
    for index in 0..<target {
      guard let driver = desired.driver(forVF: index) else { continue }
      if recreated {
        if uniform == nil { binds.append(.bind(pf: pf.address, vf: index, address: nil, from: nil, to: driver)) }
        continue
      }
      guard let vf = observedVFs[index] else {
        // Missing: the count step waits for it; then it is bound by index, like a new VF.
        binds.append(.bind(pf: pf.address, vf: index, address: nil, from: nil, to: driver))
        continue
      }
      let change: DriverChange
      do {
        change = try DriverChange.bind(vf.binding, to: driver, driverLoaded: true, force: options.force)
      } catch {
        guard options.dryRun && !options.force,
          let shown = try? DriverChange.bind(vf.binding, to: driver, driverLoaded: true, force: true)
        else { throw fail(".vfs.driver", "VF \(index) \(error.message)", hint: error.hint) }
        refusals.append(error)
        change = shown
      }
      if !change.isNoop { binds.append(.bind(pf: pf.address, vf: index, address: vf.address, from: vf.driver, to: driver)) }
    }

    // 3. VF settings, against what was read (VFs still to be created: unknown, so everything asked).
    if desired.wantsSettings {
      guard let netdev = observed.netdev else {
        throw fail("", "VF settings go through the PF's network interface, and it has none",
          hint: "bind the PF to its network driver, or remove the settings from the file")
      }
      for index in 0..<target {
        let request = desired.settings(forVF: index)
        if request.isEmpty { continue }
        let current: VFSettings = recreated ? VFSettings() : (observed.settings?.vfs[index] ?? VFSettings())
        do { try request.validate(against: current) } catch {
          let entry = desired.perVF.first { $0.range.contains(index) && !$0.settings.isEmpty }
          throw DesiredStateError(source: source, line: entry?.line ?? desired.line, field: entry?.field ?? desired.field,
            problem: "\(pf.address) VF \(index): \(error.message)", hint: error.hint)
        }
        for setting in request.settings(from: current) {
          settings.append(.setting(pf: pf.address, netdev: netdev, vf: index, to: setting, from: setting.restoring(from: current)))
        }
      }
    }
    return (counts, binds, settings, refusals)
  }
}
