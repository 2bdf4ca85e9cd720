/// The VF lifecycle: `create`/`remove` (VF count), `bind`/`unbind`. Observes sysfs once, plans with a
/// pure function, takes the host lock only after the plan is valid, then writes, waits and verifies.
public struct Lifecycle: Sendable {
  public let sysfs: any HostFiles
  public let clock: any LifecycleClock
  /// How often waits re-read sysfs.
  public let pollInterval: Double
  typealias Layout = SysfsLayout

  public init(sysfs: any HostFiles, clock: any LifecycleClock = MonotonicClock(), pollInterval: Double = 0.1) {
    self.sysfs = sysfs
    self.clock = clock
    self.pollInterval = pollInterval
  }

  var inventory: Inventory { Inventory(sysfs: sysfs) }

  // MARK: entry points

  /// Makes the PF have `count` VFs. Refusals throw before any write (and before the lock).
  public func setVFCount(
    _ count: Int, on ref: DeviceRef, options: VFCountChange.Options = .init(), dryRun: Bool = false,
    timeout: Double = 120, progress: (@Sendable (Int, Int) -> Void)? = nil
  ) throws -> LifecycleOutcome {
    let pf = try inventory.resolve(ref)
    let observed = try observePF(pf)
    if let driver = options.driver, count > 0, !sysfs.exists(Layout.driver(driver)) {
      throw SRIOVError(pf.description, "cannot bind new VFs to \(driver): the driver is not loaded (no \(sysfs.absolute(Layout.driver(driver))))",
        hint: "load it first: modprobe \(driver)")
    }
    let (plan, refusal) = try Self.plan(observed, to: count, options: options, dryRun: dryRun)
    let summary: String
    if plan.isNoop {
      let bound: String = plan.driver.map { ", all bound to \($0)" } ?? ""
      summary = "already has \(count) VFs\(bound)"
    } else if let missing = plan.missingVFsText {
      summary = missing + "; " + (dryRun ? "would wait for them" : "waiting for them")
        + (plan.writes.isEmpty ? "" : ", then \(dryRun ? "would bind" : "binding") them to \(plan.driver?.name ?? "?")")
    } else if plan.from == plan.to {
      summary = "has \(count) VFs; \(dryRun ? "would bind" : "binding") them to \(plan.driver?.name ?? "?")"
    } else if dryRun {
      summary = "would change from \(plan.from) to \(plan.to) VFs"
    } else {
      summary = "changing from \(plan.from) to \(plan.to) VFs"
    }
    var outcome = LifecycleOutcome(device: pf, dryRun: dryRun, planned: plan.writes,
      destroys: plan.destroys.map(\.address), summary: summary)
    outcome.error = refusal
    if plan.isNoop || dryRun { return outcome }
    return try StepExecutor(sysfs: sysfs).underLock {
      // Another process may have changed the PF before we got the lock: plan again from what is there now.
      var current = try observePF(pf)
      var waited: String? = nil
      if current.numVFs == count, count > 0, current.missingVFs > 0 {
        // The count is right but VFs are missing: wait for them as after a write, then plan from what is there.
        let missing = current.missingVFs
        if let error = awaitMissingVFs(current, timeout: timeout, progress: progress) {
          outcome.error = error
          outcome.summary = error.message
          return outcome
        }
        waited = "now has \(count) VFs (waited for \(missing) that sriov_numvfs counted but had no virtfn link)"
        current = try observePF(pf)
      }
      if current != observed {
        let (fresh, _) = try Self.plan(current, to: count, options: options, dryRun: false)
        outcome = LifecycleOutcome(device: pf, dryRun: false, planned: fresh.writes, destroys: fresh.destroys.map(\.address),
          summary: fresh.isNoop ? waited ?? "already has \(count) VFs" : summary)
        if fresh.isNoop { return outcome }
        execute(fresh, observed: current, into: &outcome, timeout: timeout, progress: progress)
        return outcome
      }
      execute(plan, observed: observed, into: &outcome, timeout: timeout, progress: progress)
      return outcome
    }
  }

  public func bind(_ ref: DeviceRef, to driver: DriverName, force: Bool = false, dryRun: Bool = false, timeout: Double = 30) throws -> LifecycleOutcome {
    let address = try inventory.resolve(ref)
    return try run(dryRun: dryRun, timeout: timeout, verb: "bound to \(driver)") { () throws in
      try DriverChange.bind(try observeBinding(address), to: driver, driverLoaded: sysfs.exists(Layout.driver(driver)), force: force)
    }
  }

  public func unbind(_ ref: DeviceRef, force: Bool = false, dryRun: Bool = false, timeout: Double = 30) throws -> LifecycleOutcome {
    let address = try inventory.resolve(ref)
    return try run(dryRun: dryRun, timeout: timeout, verb: "unbound") { () throws in
      try DriverChange.unbind(try observeBinding(address), force: force)
    }
  }

  /// The plan; a dry run of a change refused for VFs in use still gets the forced plan, to show
  /// what would be written and destroyed, with the refusal as its error.
  static func plan(_ observed: ObservedPF, to count: Int, options: VFCountChange.Options, dryRun: Bool)
    throws(SRIOVError) -> (VFCountChange, SRIOVError?)
  {
    let refusal: SRIOVError
    do {
      return (try VFCountChange.plan(observed, to: count, options: options), nil)
    } catch {
      refusal = error
    }
    guard dryRun && !options.force else { throw refusal }
    var forced = options
    forced.force = true
    guard let shown = try? VFCountChange.plan(observed, to: count, options: forced) else { throw refusal }
    return (shown, refusal)
  }

  // MARK: observation

  public func observePF(_ pf: PCIAddress) throws -> ObservedPF {
    guard let state = try inventory.sriovState(of: pf) else {
      throw SRIOVError(pf.description, "not an SR-IOV physical function (no \(sysfs.absolute(Layout.attribute(.sriovTotalVFs, of: pf))))",
        hint: "run 'sriovctl list' to see the SR-IOV capable devices")
    }
    let vfs: [ObservedVF] = try state.vfs.map { link in ObservedVF(index: link.index, binding: try observeBinding(link.address)) }
    return ObservedPF(address: pf, totalVFs: state.totalVFs, numVFs: state.numVFs, driver: try driverName(of: pf),
      driversAutoprobe: state.driversAutoprobe, vfs: vfs)
  }

  public func observeBinding(_ address: PCIAddress) throws -> ObservedBinding {
    let subject = address.description
    let overrideText: String? = try wrap(subject, "cannot read its driver_override") { () throws(SysfsError) in
      try sysfs.readValueIfPresent(Layout.attribute(.driverOverride, of: address))
    }
    let override: String? = overrideText.flatMap { $0.isEmpty || $0 == "(null)" ? nil : $0 }
    let netNames: [String] = try wrap(subject, "cannot list its netdevs") { () throws(SysfsError) in
      try sysfs.listIfPresent(Layout.attribute(.net, of: address))
    }
    var up: [String] = []
    for name in netNames {
      let state: String? = try wrap(name, "cannot read its operstate") { () throws(SysfsError) in
        try sysfs.readValueIfPresent(Layout.operstate(ofNetdev: name, on: address))
      }
      if state == "up" { up.append(name) }
    }
    let numVFs: String? = try wrap(subject, "cannot read its sriov_numvfs") { () throws(SysfsError) in
      try sysfs.readValueIfPresent(Layout.attribute(.sriovNumVFs, of: address))
    }
    return ObservedBinding(address: address, driver: try driverName(of: address), driverOverride: override, upNetdevs: up,
      enabledVFs: numVFs.flatMap { Int($0) } ?? 0)
  }

  func driverName(of address: PCIAddress) throws -> String? {
    try wrap(address.description, "cannot read its driver link") { () throws(SysfsError) in
      try sysfs.readLinkIfPresent(Layout.attribute(.driver, of: address))?.lastComponent
    }
  }

  private func wrap<T>(_ subject: String, _ attempt: String, _ body: () throws(SysfsError) -> T) throws(SRIOVError) -> T {
    do {
      return try body()
    } catch {
      throw SRIOVError(subject, "\(attempt): \(error)", hint: Inventory.hint(for: error))
    }
  }

  // MARK: execution

  /// Runs the count change; never throws: failures land in `outcome` (failed, skipped, error).
  func execute(
    _ plan: VFCountChange, observed: ObservedPF, into outcome: inout LifecycleOutcome, timeout: Double,
    progress: (@Sendable (Int, Int) -> Void)?
  ) {
    let run = CountRun(plan: plan, observed: observed, deadline: clock.now() + timeout)
    let steps = countSteps(run, timeout: timeout, progress: progress)
    let report = StepExecutor.execute(steps.map(\.step))
    // A VF's write is reported with the address the kernel gave it, as it was written.
    outcome.record(report, of: steps.map(\.write), restore: plan.restoreAutoprobe) { run.written[$0] ?? SysfsWrite($0.value, to: $0.path) }
    if outcome.error == nil, let shortfall = run.shortfall { outcome.error = shortfall }
    if let error = outcome.error {
      outcome.summary = error.message
    } else {
      let bound: String = plan.driver.map { ", bound to \($0)" } ?? ""
      outcome.summary = plan.from == plan.to
        ? "has \(plan.to) VFs\(bound)"
        : "now has \(plan.to) VFs (was \(plan.from))\(bound)"
    }
  }

  /// What the steps of one count change learn while they run: the VFs the kernel made and where.
  final class CountRun {
    let plan: VFCountChange
    let observed: ObservedPF
    /// One deadline for every wait of the change.
    let deadline: Double
    var enabled: Int
    var vfAddresses: [Int: PCIAddress] = [:]
    /// Writes to VFs as made, once their address was known.
    var written: [PlannedWrite: SysfsWrite] = [:]
    /// The driver enabled fewer VFs than asked: not a failed step, but the outcome's error.
    var shortfall: SRIOVError?

    init(plan: VFCountChange, observed: ObservedPF, deadline: Double) {
      self.plan = plan
      self.observed = observed
      self.deadline = deadline
      enabled = plan.to
    }
  }

  /// The count change as steps, each with the planned write it reports as (nil: the final wait for
  /// the driver). Autoprobe off is undone at the end, whatever happened.
  func countSteps(_ run: CountRun, timeout: Double, progress: (@Sendable (Int, Int) -> Void)?) -> [(step: Step, write: PlannedWrite?)] {
    let plan = run.plan
    let pf = plan.pf
    let subject = pf.description
    var steps: [(step: Step, write: PlannedWrite?)] = []
    for planned in plan.writes where planned.path != plan.restoreAutoprobe?.path || planned.value != plan.restoreAutoprobe?.value {
      switch planned {
      case .write(let write):
        var step = Step.write(write, subject: subject, sysfs: sysfs, totalVFs: run.observed.totalVFs)
        if let restore = plan.restoreAutoprobe, restore.path == write.path {
          step.undo = { try Step.write(restore, subject: subject, sysfs: sysfs).action() }
          step.restoreAtEnd = true
        }
        steps.append((step, planned))
      case .vfCount(_, let count):
        var step = Step.write(SysfsWrite(String(count), to: planned.path), subject: subject, sysfs: sysfs, totalVFs: run.observed.totalVFs)
        step.verify = { try self.verifyCount(count, of: run, timeout: timeout, progress: progress) }
        steps.append((step, planned))
      case .vfOverride(_, let vf, let driver):
        steps.append((vfStep(planned, vf: vf, run: run) { SysfsWrite(driver.name, to: Layout.attribute(.driverOverride, of: $0)) }, planned))
      case .vfProbe(_, let vf):
        steps.append((vfStep(planned, vf: vf, run: run) { SysfsWrite($0.description, to: Layout.driversProbe) }, planned))
      }
    }
    if let driver = plan.driver {
      // Without a count change the VFs were there before: verify those.
      let wait = Step("wait for the VFs to bind to \(driver)", subject: subject,
        observe: { run.shortfall == nil ? .needed : .skipped },
        action: {},
        verify: {
          let created: [PCIAddress] = (0..<run.enabled).compactMap { run.vfAddresses[$0] }
          let expected: [PCIAddress] = plan.from == plan.to ? run.observed.vfs.map(\.address) : created
          if let error = self.waitForDriver(expected, driver: driver.name, deadline: run.deadline, timeout: timeout) { throw error }
        })
      steps.append((wait, nil))
    }
    return steps
  }

  /// A write to a VF the count change made: its address is known only once `virtfnN` appeared; a VF
  /// the driver did not enable is skipped.
  private func vfStep(_ planned: PlannedWrite, vf: Int, run: CountRun, write: @escaping (PCIAddress) -> SysfsWrite) -> Step {
    let subject = run.plan.pf.description
    return Step(planned.description, subject: subject,
      observe: { vf < run.enabled && run.vfAddresses[vf] != nil ? .needed : .skipped },
      action: {
        guard let address = run.vfAddresses[vf] else { return }
        let actual = write(address)
        run.written[planned] = actual
        try Step.write(actual, subject: subject, sysfs: self.sysfs).action()
      })
  }

  /// After `sriov_numvfs <- count`: re-read it (a driver may enable fewer and still succeed) and wait
  /// for the VFs to appear (or disappear).
  private func verifyCount(_ requested: Int, of run: CountRun, timeout: Double, progress: (@Sendable (Int, Int) -> Void)?) throws {
    let pf = run.plan.pf
    let numVFsPath = Layout.attribute(.sriovNumVFs, of: pf)
    guard let actual = readCount(numVFsPath) else {
      throw SRIOVError(pf.description, "cannot re-read \(sysfs.absolute(numVFsPath)) after writing it")
    }
    if requested == 0 && actual == 0 {
      if let error = waitForVFs(pf, count: 0, deadline: run.deadline, timeout: timeout, progress: nil).error { throw error }
      return
    }
    run.enabled = min(actual, requested)
    let waited = waitForVFs(pf, count: run.enabled, deadline: run.deadline, timeout: timeout, progress: progress)
    run.vfAddresses = waited.addresses
    if let error = waited.error { throw error }
    if actual != requested {
      run.shortfall = SRIOVError(pf.description, "asked for \(requested) VFs but the driver enabled \(actual) (sriov_numvfs reads \(actual))",
        hint: "the PF driver limits the VF count (see dmesg); \(actual) VFs exist now")
    }
  }

  /// Runs a bind or unbind. `plan` observes and plans: once to validate, and again once the lock is
  /// held (another process may have changed the device in between).
  func run(dryRun: Bool, timeout: Double, verb: String, plan: () throws -> DriverChange) throws -> LifecycleOutcome {
    let first = try plan()
    if first.isNoop || dryRun { return outcome(first, dryRun: dryRun, verb: verb) }
    let (change, report) = try StepExecutor(sysfs: sysfs).run(dryRun: false, plan: plan) { steps($0, timeout: timeout) }
    var outcome = outcome(change, dryRun: false, verb: verb)
    if change.isNoop { return outcome }
    outcome.record(report, of: change.writes.map(PlannedWrite.write), restore: nil) { SysfsWrite($0.value, to: $0.path) }
    if let error = outcome.error { outcome.summary = error.message }
    return outcome
  }

  /// A driver change as steps: its writes, the last one verified by waiting for the binding. The one
  /// bind-and-wait of `bind`, `unbind` and `apply`.
  func steps(_ change: DriverChange, timeout: Double) -> [Step] {
    let subject = change.device.description
    var steps: [Step] = change.writes.map { Step.write($0, subject: subject, sysfs: sysfs) }
    guard !steps.isEmpty else { return [] }
    steps[steps.count - 1].verify = {
      let deadline: Double = clock.now() + timeout
      if let error = waitForBinding(change.device, expected: change.expectedDriver, deadline: deadline, timeout: timeout) {
        throw error
      }
    }
    return steps
  }

  /// Runs a driver change inside a larger plan (the lock is held); throws its failure.
  func bindAndWait(_ change: DriverChange, timeout: Double) throws {
    if let error = StepExecutor.execute(steps(change, timeout: timeout)).error { throw error }
  }

  private func outcome(_ change: DriverChange, dryRun: Bool, verb: String) -> LifecycleOutcome {
    let planned: [PlannedWrite] = change.writes.map(PlannedWrite.write)
    let summary: String = change.noopReason ?? (dryRun ? "would be \(verb)" : verb)
    return LifecycleOutcome(device: change.device, dryRun: dryRun, planned: planned, destroys: [], summary: summary)
  }

  // MARK: waiting

  private func readCount(_ path: HostPath) -> Int? {
    (try? sysfs.readValue(path)).flatMap { Int($0) }
  }

  /// Polls until `virtfn0..count-1` exist on the PF, each VF has `physfn`, and no `virtfnN` beyond.
  func waitForVFs(_ pf: PCIAddress, count: Int, deadline: Double, timeout: Double, progress: (@Sendable (Int, Int) -> Void)?)
    -> (addresses: [Int: PCIAddress], error: SRIOVError?)
  {
    var lastReady = -1
    while true {
      var addresses: [Int: PCIAddress] = [:]
      for index in 0..<count {
        guard let target = try? sysfs.readLinkIfPresent(Layout.virtfn(index, of: pf)),
          let address = target.lastComponent.flatMap(PCIAddress.init(strict:)),
          sysfs.exists(Layout.attribute(.physfn, of: address))
        else { continue }
        addresses[index] = address
      }
      let extra: Bool = sysfs.exists(Layout.virtfn(count, of: pf))
      let ready: Int = addresses.count
      if ready != lastReady, count > 0 { progress?(ready, count); lastReady = ready }
      if ready == count && !extra { return (addresses, nil) }
      if clock.now() >= deadline {
        let what: String = count == 0
          ? "the VFs to disappear (virtfn links are still there)"
          : "VFs: \(ready)/\(count) appeared (virtfnN on the PF and physfn on each VF)"
        let error = SRIOVError(pf.description, "timed out after \(Self.seconds(timeout)) s waiting for \(what)",
          hint: "the kernel may still be working (large VF counts take minutes); check dmesg, or retry with a longer --timeout")
        return (addresses, error)
      }
      clock.sleep(seconds: pollInterval)
    }
  }

  /// Waits for the VFs an equal count is missing (`observed.missingVFs`); the error says what is
  /// there and how to recover from an interrupted `create`.
  func awaitMissingVFs(_ observed: ObservedPF, timeout: Double, progress: (@Sendable (Int, Int) -> Void)?) -> SRIOVError? {
    let count = observed.numVFs
    let waited = waitForVFs(observed.address, count: count, deadline: clock.now() + timeout, timeout: timeout, progress: progress)
    guard waited.error != nil else { return nil }
    return SRIOVError(observed.address.description,
      "sriov_numvfs already \(count) but only \(waited.addresses.count) VFs present (virtfnN on the PF and physfn on each VF) after waiting \(Self.seconds(timeout)) s",
      hint: "an interrupted create leaves this: 'sriovctl remove \(observed.address)' then create again; or retry with a longer --timeout")
  }

  func waitForDriver(_ vfs: [PCIAddress], driver: String, deadline: Double, timeout: Double) -> SRIOVError? {
    while true {
      let wrong: [PCIAddress] = vfs.filter { (try? driverName(of: $0)) != driver }
      if wrong.isEmpty { return nil }
      if clock.now() >= deadline {
        let list: String = wrong.map(\.description).joined(separator: ", ")
        return SRIOVError(list, "not bound to \(driver) after \(Self.seconds(timeout)) s",
          hint: "check dmesg for the driver's probe error; 'sriovctl bind DEVICE \(driver)' retries one VF")
      }
      clock.sleep(seconds: pollInterval)
    }
  }

  func waitForBinding(_ address: PCIAddress, expected: String?, deadline: Double, timeout: Double) -> SRIOVError? {
    while true {
      let current: String?? = try? driverName(of: address)
      if let current, current == expected { return nil }
      if clock.now() >= deadline {
        let now: String = (current ?? nil) ?? "no driver"
        let want: String = expected ?? "no driver"
        return SRIOVError(address.description, "expected \(want) after \(Self.seconds(timeout)) s, found \(now)",
          hint: "check dmesg for the driver's probe error")
      }
      clock.sleep(seconds: pollInterval)
    }
  }

  static func seconds(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(value)
  }
}
