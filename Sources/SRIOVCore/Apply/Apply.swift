/// `apply`: resolves a desired state against the host, plans, and (unless a dry run) executes the
/// plan under the host lock, stopping at the first failure and undoing what can be undone.
public struct Apply {
  public let sysfs: any HostFiles
  /// VF settings (rtnetlink on the live host, a capture's stored dump); nil: files with settings are refused.
  public let settingsControl: (any VFSettingsControl)?
  public let lifecycle: Lifecycle
  /// Seconds to wait for VFs to appear and for drivers to bind.
  public let timeout: Double
  /// devlink (the live kernel, a capture's stored answers); nil: files with `eswitch` are refused.
  public var devlink: (any DevlinkControl)? = nil
  typealias Layout = SysfsLayout

  public init(sysfs: any HostFiles, settingsControl: (any VFSettingsControl)?, clock: any LifecycleClock = MonotonicClock(),
              pollInterval: Double = 0.1, timeout: Double = 120) {
    self.sysfs = sysfs
    self.settingsControl = settingsControl
    self.lifecycle = Lifecycle(sysfs: sysfs, clock: clock, pollInterval: pollInterval)
    self.timeout = timeout
  }

  var inventory: Inventory { Inventory(sysfs: sysfs) }

  // MARK: entry point

  /// Plans, and unless `dryRun` executes. Bad files and refused plans throw; failures while
  /// executing land in the outcome (`error`), after the rollback.
  public func run(_ state: DesiredState, force: Bool = false, dryRun: Bool = false) throws -> ApplyOutcome {
    // Observe and plan with the lock held, so that nothing changes between the plan and the writes.
    // `flock`: the kernel drops it when the process dies, so a killed run never blocks the next.
    let (plan, report) = try StepExecutor(sysfs: sysfs).run(dryRun: dryRun,
      plan: { try self.plan(state, options: .init(force: force, dryRun: dryRun)) },
      steps: { $0.actions.map(self.step) })
    var outcome = ApplyOutcome(source: state.source, dryRun: dryRun, plan: plan)
    if !dryRun { outcome.record(report) }
    return outcome
  }

  public func plan(_ state: DesiredState, options: ApplyPlan.Options) throws -> ApplyPlan {
    let resolved = try resolve(state)
    var pairs: [(desired: DesiredPF, observed: ObservedApplyPF)] = []
    for (desired, address) in resolved { pairs.append((desired, try observe(desired, at: address, source: state.source))) }
    return try ApplyPlan.make(pairs, source: state.source, options: options)
  }

  // MARK: resolving selectors

  /// Each entry's PF; an entry that names nothing, several PFs, or a PF another entry named is an error.
  public func resolve(_ state: DesiredState) throws -> [(DesiredPF, PCIAddress)] {
    var result: [(DesiredPF, PCIAddress)] = []
    var claimed: [PCIAddress: DesiredPF] = [:]
    for desired in state.pfs {
      let address = try resolve(desired, source: state.source)
      if let earlier = claimed[address] {
        throw DesiredStateError(source: state.source, line: desired.line, field: desired.field,
          problem: "names \(address), which \(earlier.field) (line \(earlier.line)) already names",
          hint: "describe each PF in one entry")
      }
      claimed[address] = desired
      result.append((desired, address))
    }
    return result
  }

  func resolve(_ desired: DesiredPF, source: String) throws -> PCIAddress {
    func fail(_ field: String, _ problem: String, hint: String?) -> DesiredStateError {
      DesiredStateError(source: source, line: desired.line, field: desired.field + field, problem: problem, hint: hint)
    }
    let address: PCIAddress
    let field: String
    switch desired.selector {
    case .address(let a):
      field = ".address"
      guard inventory.exists(a) else {
        throw fail(field, "no PCI device \(a) on this host", hint: "run 'sriovctl list' to see the SR-IOV PFs")
      }
      address = a
    case .netdev(let name):
      field = ".netdev"
      do { address = try inventory.resolve(.netdev(name)) } catch let error as SRIOVError {
        throw fail(field, error.problem, hint: error.hint)
      }
    case .vendorDevice(let vendor, let device, let index):
      field = ".vendor_device"
      var matches: [PCIAddress] = []
      for pf in try inventory.physicalFunctionAddresses() {
        let v = try? sysfs.readValueIfPresent(Layout.attribute(.vendor, of: pf)).flatMap { try? PCIID(parsing: $0) }
        let d = try? sysfs.readValueIfPresent(Layout.attribute(.device, of: pf)).flatMap { try? PCIID(parsing: $0) }
        if v == vendor && d == device { matches.append(pf) }
      }
      let list: String = matches.map(\.description).joined(separator: ", ")
      if matches.isEmpty {
        throw fail(field, "no SR-IOV PF with vendor:device \(vendor):\(device) on this host",
          hint: "run 'sriovctl list' to see the PFs and their IDs")
      }
      if let index {
        guard index < matches.count else {
          throw fail(".index", "index \(index), but only \(matches.count) PF(s) match \(vendor):\(device) (\(list))",
            hint: "indexes count from 0 in PCI address order")
        }
        address = matches[index]
      } else {
        guard matches.count == 1 else {
          throw fail(field, "\(vendor):\(device) matches \(matches.count) PFs (\(list))",
            hint: "add 'index: N' (0 to \(matches.count - 1), in PCI address order), or name the PF by address")
        }
        address = matches[0]
      }
    }
    guard sysfs.exists(Layout.attribute(.sriovTotalVFs, of: address)) else {
      throw fail(field, "\(address) is not an SR-IOV PF (no sriov_totalvfs)", hint: "run 'sriovctl list' to see the SR-IOV PFs")
    }
    return address
  }

  // MARK: observing

  public func observe(_ desired: DesiredPF, at address: PCIAddress, source: String) throws -> ObservedApplyPF {
    let pf = try lifecycle.observePF(address)
    var netdev: NetdevName? = nil
    if case .netdev(let name) = desired.selector {
      netdev = name
    } else if let first = (try? sysfs.listIfPresent(Layout.attribute(.net, of: address)))?.first {
      netdev = try? NetdevName(parsing: first)
    }
    var settings: PFVFSettings? = nil
    if desired.wantsSettings {
      guard let settingsControl else {
        let entry = desired.perVF.first { !$0.settings.isEmpty }
        throw DesiredStateError(source: source, line: entry?.line ?? desired.line, field: entry?.field ?? desired.field,
          problem: "VF settings need rtnetlink, and this host root has none (a fixture, or a capture without a stored dump)",
          hint: "apply VF settings on the live host (no --root), or remove them from the file")
      }
      if let netdev, pf.numVFs > 0 {
        do { settings = try settingsControl.read(pf: netdev) } catch {
          throw SRIOVError(netdev.name, "cannot read the VF settings: \(error)", hint: "run as root (sudo)")
        }
      }
    }
    let drivers = Set((try? sysfs.listIfPresent(Layout.pciDrivers)) ?? [])
    var observed = ObservedApplyPF(pf: pf, netdev: netdev, settings: settings, loadedDrivers: drivers)
    observed.eswitch = try observeEswitch(desired, at: address, driver: pf.driver, source: source)
    return observed
  }

  // MARK: steps

  /// One action as a step: re-observed at its turn (earlier steps and other processes change the
  /// host), written, verified, and undone when the kernel can (counts that destroyed VFs cannot).
  func step(_ action: ApplyAction) -> Step {
    let subject = action.pf.description
    switch action {
    case .autoprobe(let pf, _, let to):
      let path = Layout.attribute(.sriovDriversAutoprobe, of: pf)
      let want = to ? "1" : "0"
      let before = StepMemo("")
      return Step(action.description, subject: subject,
        observe: {
          before.value = try self.readValue(path, subject: pf)
          return before.value == want ? .unchanged : .needed
        },
        action: { try self.write(SysfsWrite(want, to: path), subject: pf) },
        undo: { try self.write(SysfsWrite(before.value, to: path), subject: pf) })

    case .count(let planned):
      let observed = StepMemo<ObservedPF?>(nil)
      return Step(action.description, subject: subject,
        observe: {
          let now = try self.lifecycle.observePF(planned.pf)
          observed.value = now
          guard now.numVFs == planned.to else { return .needed }
          // Nothing to write; VFs the count has but sysfs does not show yet are waited for (issue 15).
          if planned.to > 0, now.missingVFs > 0, let error = self.lifecycle.awaitMissingVFs(now, timeout: self.timeout, progress: nil) {
            throw error
          }
          return .unchanged
        },
        action: {
          guard let now = observed.value else { return }
          let change = try VFCountChange.plan(now, to: planned.to, options: .init(driver: planned.driver, force: true))
          var result = LifecycleOutcome(device: planned.pf, dryRun: false, planned: change.writes,
            destroys: change.destroys.map(\.address), summary: "")
          self.lifecycle.execute(change, observed: now, into: &result, timeout: self.timeout, progress: nil)
          if let error = result.error { throw error }
        })

    case .bind(let pf, let index, _, _, let driver):
      let before = StepMemo<ObservedBinding?>(nil)
      let change = StepMemo<DriverChange?>(nil)
      return Step(action.description, subject: subject,
        observe: {
          // The VF's own link, not a listing of every VF: one read per bound VF.
          guard let target = try? self.sysfs.readLinkIfPresent(Layout.virtfn(index, of: pf)),
            let address = target.lastComponent.flatMap(PCIAddress.init(strict:))
          else {
            throw SRIOVError(pf.description, "VF \(index) does not exist (no virtfn\(index))", hint: "run 'sriovctl show \(pf)'")
          }
          let binding = try self.lifecycle.observeBinding(address)
          before.value = binding
          let planned = try DriverChange.bind(binding, to: driver, driverLoaded: self.sysfs.exists(Layout.driver(driver)), force: true)
          change.value = planned
          return planned.isNoop ? .unchanged : .needed
        },
        action: { if let planned = change.value { try self.lifecycle.bindAndWait(planned, timeout: self.timeout) } },
        undo: {
          guard let old = before.value else { return }
          let now = try self.lifecycle.observeBinding(old.address)
          if let driver = old.driver, let name = try? DriverName(parsing: driver) {
            try self.lifecycle.bindAndWait(try DriverChange.bind(now, to: name, driverLoaded: true, force: true), timeout: self.timeout)
          } else {
            try self.lifecycle.bindAndWait(try DriverChange.unbind(now, force: true), timeout: self.timeout)
          }
          if old.driverOverride == nil {
            try self.write(SysfsWrite("\n", to: Layout.attribute(.driverOverride, of: old.address)), subject: old.address)
          }
        })

    case .eswitch(let pf, _, _, let target):
      return Step(action.description, subject: subject,
        observe: { try self.eswitchIsMet(pf, target) ? .unchanged : .needed },
        action: { _ = try self.performEswitch(pf, to: target) })

    case .setting(let pf, let netdev, let vf, let setting, _):
      guard let control = settingsControl else {
        return Step(action.description, subject: subject, action: {
          throw SRIOVError(netdev.name, "cannot change VF settings: this host root has no rtnetlink (a fixture or capture)")
        })
      }
      let restore = StepMemo<VFSetting?>(nil)
      // Read at the step's turn: the count change before it decides sriov_numvfs.
      let target = StepMemo<VFSettingsTarget?>(nil)
      return Step.vfSetting(setting, description: action.description, subject: subject,
        target: { target.value ?? self.settingsTarget(pf: pf, netdev: netdev, vf: vf) }, control: control,
        restore: { restore.value }, read: { try self.readSettings(control, netdev, vf) },
        observe: {
          restore.value = setting.restoring(from: try self.readSettings(control, netdev, vf))
          if restore.value == setting { return .unchanged }
          target.value = self.settingsTarget(pf: pf, netdev: netdev, vf: vf)
          return .needed
        })
    }
  }

  /// What VF settings messages name: the PF, its driver, the VF.
  private func settingsTarget(pf: PCIAddress, netdev: NetdevName, vf: Int) -> VFSettingsTarget {
    let numVFs: Int = ((try? sysfs.readValueIfPresent(Layout.attribute(.sriovNumVFs, of: pf))) ?? nil).flatMap { Int($0) } ?? 0
    let operstate: String? = (try? sysfs.readValueIfPresent(Layout.netdev(netdev).appending("operstate"))) ?? nil
    let driver: String? = (try? lifecycle.driverName(of: pf)) ?? nil
    return VFSettingsTarget(pf: pf, netdev: netdev, driver: driver, vf: vf, numVFs: numVFs, pfOperstate: operstate)
  }

  private func readSettings(_ control: any VFSettingsControl, _ netdev: NetdevName, _ vf: Int) throws -> VFSettings {
    let all: PFVFSettings
    do { all = try control.read(pf: netdev) } catch {
      throw SRIOVError(netdev.name, "cannot read the VF settings: \(error)")
    }
    guard let settings = all.vfs[vf] else {
      throw SRIOVError(netdev.name, "VF \(vf) is missing from the kernel's VF list (\(all.vfs.count) of \(all.numVFs) reported)",
        hint: all.isTruncated ? "the kernel truncates VF lists beyond about 220 VFs" : "the VF may still be appearing; retry")
    }
    return settings
  }

  private func readValue(_ path: HostPath, subject: PCIAddress) throws -> String {
    do { return try sysfs.readValue(path) } catch {
      throw SRIOVError(subject.description, "cannot read \(path.lastComponent ?? ""): \(error)", hint: Inventory.hint(for: error))
    }
  }

  private func write(_ write: SysfsWrite, subject: PCIAddress) throws {
    do { try sysfs.write(write.value, to: write.path) } catch {
      throw WriteErrors.explain(error, subject: subject.description, write: write)
    }
  }
}
