/// The `eswitch` key of a desired-state PF entry, and where its change goes in an apply plan.
///
/// ```yaml
/// pfs:
///   - address: "0000:5e:00.0"
///     eswitch: {mode: switchdev, inline_mode: none, encap_mode: basic}   # inline/encap optional
///     vfs: {count: 4}
/// ```
extension DesiredStateReader {
  static let eswitchKeys = ["mode", "inline_mode", "encap_mode"]

  func readEswitch(_ node: DocumentNode?, _ pfField: String) throws -> EswitchTarget? {
    guard let node else { return nil }
    let field = pfField + ".eswitch"
    let keys = try mapping(node, field, keys: Self.eswitchKeys)
    guard let modeNode = keys["mode"] else {
      throw fail(node, field + ".mode", "missing", hint: "say which mode: 'mode: switchdev' or 'mode: legacy'")
    }
    func value<T>(_ key: String, _ parse: (String) throws(ParseError) -> T) throws -> T? {
      guard let n = keys[key] else { return nil }
      let text = try string(n, "\(field).\(key)")
      do { return try parse(text) } catch { throw fail(n, "\(field).\(key)", error.description) }
    }
    _ = modeNode
    let mode = try value("mode", EswitchMode.init(parsing:))!
    return EswitchTarget(mode: mode, inlineMode: try value("inline_mode", EswitchInlineMode.init(parsing:)),
      encapMode: try value("encap_mode", EswitchEncapMode.init(parsing:)))
  }
}

extension ApplyPlan {
  /// Puts the eSwitch change of one PF among its count actions, in the order its driver needs
  /// (docs/switchdev.md): ice removes its VFs, changes the mode and creates them again; mlx5 and
  /// unknown drivers change the count in legacy and switch with the VFs unbound (the change itself
  /// unbinds and rebinds them when it runs, against the VFs that exist then).
  static func withEswitch(
    _ counts: [ApplyAction], desired: DesiredPF, observed: ObservedApplyPF, options: Options,
    fail: (String, String, String?) -> DesiredStateError
  ) throws -> (actions: [ApplyAction], refusals: [SRIOVError]) {
    guard let target = desired.eswitch else { return (counts, []) }
    guard let current = observed.eswitch else {
      throw fail(".eswitch", "the eSwitch was not read", nil)
    }
    let pf = observed.pf
    let countChange: VFCountChange? = counts.lazy.compactMap { if case .count(let c) = $0 { c } else { nil } }.first
    let others = counts.filter { if case .count = $0 { false } else { true } }
    let eswitch = ApplyAction.eswitch(pf: pf.address, driver: pf.driver, from: current, to: target)
    var refusals: [SRIOVError] = []
    // Refusal as in `eswitch`, against the VFs there now (a count change re-checks its own).
    if !target.isMet(by: current), countChange == nil {
      let observedEswitch = ObservedEswitch(handle: DevlinkHandle(pci: pf.address), driver: pf.driver, current: current, pf: pf, numVFs: pf.numVFs)
      do {
        _ = try EswitchChange.plan(observedEswitch, to: target, force: options.force)
      } catch {
        guard options.dryRun && !options.force else { throw fail(".eswitch", error.problem, error.hint) }
        refusals.append(error)
      }
    }
    let needsChange = !target.isMet(by: current)
    guard let countChange else { return (needsChange ? counts + [eswitch] : counts, refusals) }
    switch EswitchOrder.forDriver(pf.driver) {
    case .unbindRebind:
      // The operator's order: the count changes in legacy, then the mode (whose change unbinds and
      // rebinds the VFs that exist by then).
      if target.mode == .legacy { return (others + (needsChange ? [eswitch] : []) + [.count(countChange)], refusals) }
      guard current.mode == .legacy else {
        let legacy = EswitchSettings(mode: .legacy, inlineMode: current.inlineMode, encapMode: current.encapMode)
        let down = ApplyAction.eswitch(pf: pf.address, driver: pf.driver, from: current, to: EswitchTarget(mode: .legacy))
        let up = ApplyAction.eswitch(pf: pf.address, driver: pf.driver, from: legacy, to: target)
        return (others + [down, .count(countChange), up], refusals)
      }
      return (others + [.count(countChange), eswitch], refusals)
    case .recreateVFs, .modeOnly:
      guard needsChange else { return (counts, refusals) }
      guard countChange.from > 0 && countChange.to > 0 else {
        // To or from 0 VFs: the mode changes while there are none.
        return (countChange.to == 0 ? others + [.count(countChange), eswitch] : others + [eswitch, .count(countChange)], refusals)
      }
      // ice: the count change goes through 0 anyway; the mode changes while there are none.
      let seen = ObservedPF(address: pf.address, totalVFs: pf.totalVFs, numVFs: pf.numVFs, driver: pf.driver,
        driversAutoprobe: pf.driversAutoprobe, vfs: pf.vfs)
      let down = try VFCountChange.plan(seen, to: 0, options: .init(force: true))
      let none = ObservedPF(address: pf.address, totalVFs: pf.totalVFs, numVFs: 0, driver: pf.driver,
        driversAutoprobe: pf.driversAutoprobe, vfs: [])
      let up = try VFCountChange.plan(none, to: countChange.to, options: .init(driver: countChange.driver, force: true))
      return (others + [.count(down), eswitch, .count(up)], refusals)
    }
  }
}

extension Apply {
  /// The eSwitch of a PF whose entry has `eswitch`; a PF without one is an error naming the entry.
  func observeEswitch(_ desired: DesiredPF, at address: PCIAddress, driver: String?, source: String) throws -> EswitchSettings? {
    guard let target = desired.eswitch else { return nil }
    let fail = { (problem: String, hint: String?) in
      DesiredStateError(source: source, line: desired.line, field: desired.field + ".eswitch", problem: "\(address): \(problem)", hint: hint)
    }
    guard let devlink else {
      throw fail("the eSwitch needs devlink, and this host root has none (a fixture, or a capture without stored devlink answers)",
        "apply it on the live host (no --root), or remove 'eswitch' from the file")
    }
    let handle = DevlinkHandle(pci: address)
    let query: EswitchQuery
    do { query = try devlink.eswitch(handle) } catch {
      throw EswitchErrors.explain(error, handle: handle, driver: driver, attempt: "cannot read the eSwitch")
    }
    guard let settings = query.settings else {
      guard case .unsupported(let why) = query else { return nil }
      let e = EswitchErrors.unsupported(handle: handle, driver: driver, target: target, why: why)
      throw fail(e.problem, e.hint)
    }
    return settings
  }

  /// Runs one eSwitch action against the host as it is now (the VFs the count change left).
  func performEswitch(_ pf: PCIAddress, to target: EswitchTarget) throws -> Bool {
    guard let devlink else { throw SRIOVError(pf.description, "cannot change the eSwitch: this host root has no devlink") }
    let eswitch = Eswitch(sysfs: sysfs, devlink: devlink, clock: lifecycle.clock, pollInterval: lifecycle.pollInterval)
    let outcome = try eswitch.change(pf.description, to: target, force: true, timeout: timeout, locking: .held)
    if let error = outcome.error { throw error }
    return outcome.changed
  }
}

extension Apply {
  /// Re-observation of an eSwitch step: whether the mode already is the target (an earlier step or
  /// another process set it).
  func eswitchIsMet(_ pf: PCIAddress, _ target: EswitchTarget) throws -> Bool {
    guard let devlink else { return false }  // performEswitch says why
    let handle = DevlinkHandle(pci: pf)
    do {
      return try devlink.eswitch(handle).settings.map(target.isMet) ?? false
    } catch {
      throw EswitchErrors.explain(error, handle: handle, driver: try? lifecycle.driverName(of: pf) ?? nil, attempt: "cannot read the eSwitch")
    }
  }
}
