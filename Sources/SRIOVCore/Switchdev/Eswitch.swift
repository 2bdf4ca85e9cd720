import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// `sriovctl eswitch`: observes the eSwitch and the PF's VFs once, plans with a pure function,
/// takes the host lock only after the plan is valid, then runs the steps, reads the mode back and
/// waits for the representors.
public struct Eswitch {
  public let sysfs: any HostFiles
  public let devlink: any DevlinkControl
  public let clock: any LifecycleClock
  public let pollInterval: Double

  public init(sysfs: any HostFiles, devlink: any DevlinkControl, clock: any LifecycleClock = MonotonicClock(), pollInterval: Double = 0.1) {
    self.sysfs = sysfs
    self.devlink = devlink
    self.clock = clock
    self.pollInterval = pollInterval
  }

  var lifecycle: Lifecycle { Lifecycle(sysfs: sysfs, clock: clock, pollInterval: pollInterval) }

  /// A PF named by PCI address, netdev or devlink handle (`pci/0000:3b:00.0`, `netdevsim/netdevsim1`).
  public func resolve(_ text: String) throws -> (handle: DevlinkHandle, pci: PCIAddress?) {
    if text.contains("/") {
      let handle = try DevlinkHandle(parsing: text)
      if let address = handle.pciAddress {
        _ = try lifecycle.inventory.resolve(.address(address))  // it must exist
        return (handle, address)
      }
      guard sysfs.exists(Self.busDevice(handle)) else {
        throw SRIOVError(handle.description, "no such device (no \(sysfs.absolute(Self.busDevice(handle))))",
          hint: "'devlink dev' lists the devlink instances")
      }
      return (handle, nil)
    }
    let address = try lifecycle.inventory.resolve(try DeviceRef(parsing: text))
    return (DevlinkHandle(pci: address), address)
  }

  /// `sys/bus/BUS/devices/NAME` (both parts are validated: no `/`, no `..`).
  static func busDevice(_ handle: DevlinkHandle) -> HostPath {
    HostPath("sys/bus").appending(handle.bus).appending("devices").appending(handle.device)
  }

  /// What the plan needs. A device without a devlink eSwitch fails here, before anything is planned.
  public func observe(_ handle: DevlinkHandle, pci: PCIAddress?, target: EswitchTarget) throws -> ObservedEswitch {
    var pf: ObservedPF? = nil
    let driver: String?
    if let pci {
      driver = try lifecycle.driverName(of: pci)
      if sysfs.exists(SysfsLayout.attribute(.sriovTotalVFs, of: pci)) { pf = try lifecycle.observePF(pci) }
    } else {
      let link: HostPath?? = try? sysfs.readLinkIfPresent(Self.busDevice(handle).appending("driver"))
      driver = (link ?? nil)?.lastComponent ?? handle.bus
    }
    let query: EswitchQuery
    do {
      query = try devlink.eswitch(handle)
    } catch {
      throw EswitchErrors.explain(error, handle: handle, driver: driver, attempt: "cannot read the eSwitch")
    }
    guard let current = query.settings else {
      guard case .unsupported(let why) = query else { fatalError("unreachable") }
      throw EswitchErrors.unsupported(handle: handle, driver: driver, target: target, why: why)
    }
    let numVFs: Int
    if let pf {
      numVFs = pf.numVFs
    } else {
      let text: String?? = try? sysfs.readValueIfPresent(Self.busDevice(handle).appending(SysfsLayout.Attribute.sriovNumVFs.rawValue))
      numVFs = (text ?? nil).flatMap { Int($0) } ?? 0
    }
    return ObservedEswitch(handle: handle, driver: driver, current: current, pf: pf, numVFs: numVFs)
  }

  /// `locking: .held`: the caller (apply) already holds the host lock.
  public func change(
    _ device: String, to target: EswitchTarget, force: Bool = false, dryRun: Bool = false, timeout: Double = 60,
    locking: StepExecutor.Locking = .take, progress: (@Sendable (Int, Int) -> Void)? = nil
  ) throws -> EswitchOutcome {
    let (handle, pci) = try resolve(device)
    let observed = try observe(handle, pci: pci, target: target)
    let plan = try Self.plan(observed, target: target, force: force, dryRun: dryRun)
    var outcome = EswitchOutcome(plan: plan.change, dryRun: dryRun)
    outcome.error = plan.refusal
    if plan.change.isNoop || dryRun { return outcome }
    return try StepExecutor(sysfs: sysfs).underLock(locking) {
      // Another process may have changed the device before we got the lock: plan again.
      let current = try observe(handle, pci: pci, target: target)
      var change = plan.change
      if current != observed {
        change = try EswitchChange.plan(current, to: target, force: force)
        outcome = EswitchOutcome(plan: change, dryRun: false)
        if change.isNoop { return outcome }
      }
      execute(change, into: &outcome, timeout: timeout, progress: progress)
      return outcome
    }
  }

  /// A dry run of a refused change still gets the forced plan, with the refusal as its error.
  static func plan(_ observed: ObservedEswitch, target: EswitchTarget, force: Bool, dryRun: Bool)
    throws(SRIOVError) -> (change: EswitchChange, refusal: SRIOVError?)
  {
    do {
      return (try EswitchChange.plan(observed, to: target, force: force), nil)
    } catch {
      guard dryRun && !force, let shown = try? EswitchChange.plan(observed, to: target, force: true) else { throw error }
      return (shown, error)
    }
  }

  /// Runs the steps through the step executor; never throws: failures land in `outcome`. A failure
  /// rolls back in reverse what the kernel lets us undo: unbound VFs are probed again, a removed VF
  /// count is written back (the VFs come back new: their drivers' state and VF settings are gone),
  /// and the devlink mode is set back (a driver may refuse that too: then it says rollback failed).
  func execute(_ change: EswitchChange, into outcome: inout EswitchOutcome, timeout: Double, progress: (@Sendable (Int, Int) -> Void)?) {
    let deadline = clock.now() + timeout
    var steps: [Step] = change.steps.map { step($0, change: change, deadline: deadline, timeout: timeout) }
    let verified = StepMemo<(after: EswitchSettings, representors: [Int: String])?>(nil)
    // The whole change is verified once its last step ran: the mode, then the representors.
    steps.append(Step("verify the eSwitch", subject: change.observed.handle.description, action: {},
      verify: { verified.value = try self.verify(change, deadline: deadline, timeout: timeout, progress: progress) }))
    let report = StepExecutor.execute(steps)
    if let verified = verified.value {
      outcome.after = verified.after
      outcome.representors = verified.representors
    }
    for (entry, step) in zip(report.entries, change.steps) {
      switch entry.status {
      case .applied: outcome.applied.append(step)
      case .failed where entry.failedAt == .verify: outcome.applied.append(step)
      case .failed: outcome.failed.append(.init(step: step, error: entry.error?.message ?? ""))
      case .rolledBack: outcome.rolledBack.append(step)
      case .rollbackFailed:
        outcome.applied.append(step)
        outcome.failed.append(.init(step: step, error: "rollback failed: " + (entry.error?.message ?? "")))
      case .skipped: outcome.skipped.append(step)
      case .planned, .unchanged: break
      }
    }
    if outcome.error == nil { outcome.error = report.error }
    outcome.summary = outcome.error?.problem ?? outcome.doneSummary
  }

  /// One planned eSwitch step as an executor step, with its undo.
  private func step(_ planned: EswitchStep, change: EswitchChange, deadline: Double, timeout: Double) -> Step {
    let subject = change.observed.handle.description
    switch planned {
    case .write(let write):
      return Step.write(write, subject: subject, sysfs: sysfs)
    case .vfCount(let pf, let count):
      let total = change.observed.pf?.totalVFs
      let written = planned.sysfsWrite ?? SysfsWrite(String(count), to: SysfsLayout.attribute(.sriovNumVFs, of: pf))
      var step = Step.write(written, subject: subject, sysfs: sysfs, totalVFs: total)
      // Wait for the kernel to make (or remove) the VFs before the next step.
      step.verify = {
        if let error = self.lifecycle.waitForVFs(pf, count: count, deadline: deadline, timeout: timeout, progress: nil).error { throw error }
      }
      if count == 0, let before = change.observed.pf?.numVFs, before > 0 {
        step.undo = {
          try Step.write(SysfsWrite(String(before), to: written.path), subject: subject, sysfs: self.sysfs, totalVFs: total).action()
          if let error = self.lifecycle.waitForVFs(pf, count: before, deadline: deadline, timeout: timeout, progress: nil).error { throw error }
        }
      }
      return step
    case .unbind(let vf, let driver):
      var step = Step.write(SysfsWrite(vf.description, to: SysfsLayout.driverUnbind(driver)), subject: subject, sysfs: sysfs)
      // Probe it again unless something (the plan's own rebind) already did.
      step.undo = {
        guard (try? self.lifecycle.driverName(of: vf)) ?? nil == nil else { return }
        try Step.write(SysfsWrite(vf.description, to: SysfsLayout.driversProbe), subject: subject, sysfs: self.sysfs).action()
      }
      return step
    case .setEswitch(let handle, let mode, let inline, let encap):
      let before = change.observed.current
      let set = { (mode: EswitchMode?, inline: EswitchInlineMode?, encap: EswitchEncapMode?, attempt: String) throws in
        do { try self.devlink.setEswitch(handle, mode: mode, inlineMode: inline, encapMode: encap) } catch {
          throw EswitchErrors.explain(error, handle: handle, driver: change.observed.driver, attempt: attempt, observed: change.observed)
        }
      }
      return Step(planned.description, subject: subject,
        action: { try set(mode, inline, encap, "setting the eSwitch \(change.target.devlinkArguments) failed") },
        undo: {
          // Only what the step changed, back to what was read before it.
          try set(mode == nil ? nil : before.mode, inline == nil ? nil : before.inlineMode, encap == nil ? nil : before.encapMode,
            "setting the eSwitch back to \(EswitchView.text(before)) failed")
        })
    }
  }

  /// Reads the mode back, waits for the representors (switchdev) or their removal (legacy), and for
  /// rebound VFs to be back on their driver.
  private func verify(_ change: EswitchChange, deadline: Double, timeout: Double, progress: (@Sendable (Int, Int) -> Void)?)
    throws -> (after: EswitchSettings, representors: [Int: String])
  {
    let handle = change.observed.handle
    let subject = handle.description
    let after: EswitchSettings
    var representors: [Int: String] = [:]
    do {
      guard let now = try devlink.eswitch(handle).settings, change.target.isMet(by: now) else {
        let read = (try? devlink.eswitch(handle).settings).map(EswitchView.text) ?? "nothing"
        throw SRIOVError(subject, "the eSwitch reads back \(read) after setting \(change.target.devlinkArguments)",
          hint: "the driver accepted the change but did not make it; check dmesg")
      }
      after = now
    } catch {
      throw EswitchErrors.explain(error, handle: handle, driver: change.observed.driver, attempt: "cannot read the eSwitch back")
    }
    let want = change.target.mode.hasRepresentors ? change.observed.numVFs : 0
    var lastReady = -1
    while true {
      let reps: [Int: DevlinkPort]
      do {
        reps = try devlink.ports().representors(of: handle)
      } catch {
        throw EswitchErrors.explain(error, handle: handle, driver: change.observed.driver, attempt: "cannot list the devlink ports")
      }
      let ready = change.target.mode.hasRepresentors ? (0..<want).filter { reps[$0] != nil }.count : reps.count
      if want > 0 && ready != lastReady { progress?(ready, want); lastReady = ready }
      let done = change.target.mode.hasRepresentors ? ready == want : reps.isEmpty
      if done {
        representors = reps.compactMapValues(\.netdev)
        break
      }
      if clock.now() >= deadline {
        let what = change.target.mode.hasRepresentors
          ? "VF representors: \(ready)/\(want) appeared (devlink ports of flavour pcivf with a netdev)"
          : "the VF representors to disappear (\(reps.count) left)"
        throw SRIOVError(subject, "timed out after \(Lifecycle.seconds(timeout)) s waiting for \(what)",
          hint: "check 'devlink port show' and dmesg; retry with a longer --timeout")
      }
      clock.sleep(seconds: pollInterval)
    }
    if let pf = change.observed.pf {
      let unbound = Set(change.unbinds)
      for vf in pf.vfs where unbound.contains(vf.address) {
        if let error = lifecycle.waitForBinding(vf.address, expected: vf.driver, deadline: deadline, timeout: timeout) {
          throw error
        }
      }
    }
    return (after, representors)
  }
}

/// One-line errors for devlink failures (subject, attempt, cause, hint).
public enum EswitchErrors {
  static func unsupported(handle: DevlinkHandle, driver: String?, target: EswitchTarget, why: String) -> SRIOVError {
    SRIOVError(handle.description, "cannot set the eSwitch to \(target.mode.rawValue): \(driver ?? "its driver") has no switchdev mode (\(why))",
      hint: "only NICs whose driver has a devlink eSwitch (mlx5_core, ice, ...) can run in switchdev; 'sriovctl show \(handle)' shows the eSwitch")
  }

  public static func explain(_ error: any Error, handle: DevlinkHandle, driver: String?, attempt: String,
                             observed: ObservedEswitch? = nil) -> SRIOVError {
    if let error = error as? SRIOVError { return error }
    guard let errno = netlinkErrno(error) else {
      return SRIOVError(handle.description, "\(attempt): \(error)")
    }
    let kernel: String = (error as? NetlinkKernelError).map { " (kernel: \($0.message))" } ?? ""
    let cause = "\(errno.description)\(kernel)"
    let name = driver ?? "its driver"
    switch errno.rawValue {
    case EOPNOTSUPP:
      return SRIOVError(handle.description, "\(attempt): \(name) has no switchdev mode (\(cause))",
        hint: "only NICs whose driver has a devlink eSwitch (mlx5_core, ice, ...) can run in switchdev")
    case EBUSY:
      let vfs = observed.map { " (\($0.numVFs) VFs now)" } ?? ""
      return SRIOVError(handle.description, "\(attempt): \(cause)",
        hint: "likely cause: VFs present or still bound\(vfs); ice wants no VFs (sriovctl remove first), mlx5 wants their drivers unbound; some firmware (ConnectX-6 Lx) refuses switchdev once VFs existed: reboot and switch before creating VFs")
    case EINVAL:
      return SRIOVError(handle.description, "\(attempt): \(cause)",
        hint: "likely cause: a firmware setting or a mode this device cannot take (e.g. an inline mode the NIC does not support, or VFs created before the switch); check dmesg")
    case EPERM, EACCES:
      return SRIOVError(handle.description, "\(attempt): needs CAP_NET_ADMIN (\(cause))", hint: "run as root (sudo)")
    case ENODEV:
      return SRIOVError(handle.description, "\(attempt): \(name) has no switchdev mode (no devlink instance: \(cause))",
        hint: "only NICs whose driver has a devlink eSwitch (mlx5_core, ice, ...) can run in switchdev")
    default:
      return SRIOVError(handle.description, "\(attempt): \(cause)")
    }
  }
}

/// What `eswitch` planned and did: rendered as text or as the `result` JSON object.
public struct EswitchOutcome: Sendable {
  public struct Failure: Sendable {
    public let step: EswitchStep
    public let error: String
  }

  public let plan: EswitchChange
  public let dryRun: Bool
  public internal(set) var applied: [EswitchStep] = []
  public internal(set) var skipped: [EswitchStep] = []
  /// Done, then undone after a later step failed.
  public internal(set) var rolledBack: [EswitchStep] = []
  public internal(set) var failed: [Failure] = []
  /// What the eSwitch read back after the change (nil for a dry run or a no-op: `before` holds).
  public internal(set) var after: EswitchSettings? = nil
  /// VF number -> representor netdev, once verified.
  public internal(set) var representors: [Int: String] = [:]
  public internal(set) var summary: String
  public internal(set) var error: SRIOVError? = nil

  public var changed: Bool { !applied.isEmpty }

  init(plan: EswitchChange, dryRun: Bool) {
    self.plan = plan
    self.dryRun = dryRun
    let before = EswitchView.text(plan.observed.current)
    if plan.isNoop {
      summary = "the eSwitch is already \(before)"
    } else {
      let verb = dryRun ? "would change" : "changing"
      let target = EswitchView.text(EswitchSettings(mode: plan.target.mode, inlineMode: plan.target.inlineMode, encapMode: plan.target.encapMode))
      summary = "\(verb) the eSwitch from \(before) to \(target)"
    }
  }

  var doneSummary: String {
    let now = after.map(EswitchView.text) ?? plan.target.mode.rawValue
    let reps = representors.isEmpty ? "" : "; \(representors.count) VF representor(s)"
    return "the eSwitch is now \(now) (was \(EswitchView.text(plan.observed.current)))\(reps)"
  }
}
