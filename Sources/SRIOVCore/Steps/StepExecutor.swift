/// The one executor of host changes: takes the host lock, honours dry-run, re-observes before each
/// step, acts, verifies, and on the first failure undoes what it did in reverse order. It never
/// throws once steps run: failures land in the report.
public struct StepExecutor {
  public let sysfs: any HostFiles

  public init(sysfs: any HostFiles) { self.sysfs = sysfs }

  public enum Locking: Sendable {
    /// Take `ROOT/run/sriovctl.lock` for the run.
    case take
    /// The caller already holds it (an `apply` step that runs a count change).
    case held
    /// Nothing will be written (a dry run).
    case none
  }

  /// Plans and runs. A dry run plans once and runs nothing, without the lock. Otherwise the plan is
  /// made again with the lock held: another process may have changed the host since the first look.
  /// `plan` throws refusals (before any write); `run` returns the plan's report.
  public func run<Plan>(
    dryRun: Bool, locking: Locking = .take, plan: () throws -> Plan, steps: (Plan) -> [Step]
  ) throws -> (plan: Plan, report: StepReport) {
    if dryRun {
      let planned = try plan()
      return (planned, StepReport(descriptions: steps(planned).map(\.description), dryRun: true))
    }
    return try underLock(locking) {
      let planned = try plan()
      return (planned, Self.execute(steps(planned)))
    }
  }

  /// Runs `body` holding the host lock (unless the caller holds it): for a plan whose re-observation
  /// can end it before any step (an equal count that only waits for its VFs).
  public func underLock<T>(_ locking: Locking = .take, _ body: () throws -> T) throws -> T {
    let lock: HostLock? = locking == .take ? try HostLock.acquire(sysfs) : nil  // .held, .none: no lock of ours
    defer { withExtendedLifetime(lock) {} }
    return try body()
  }

  /// Runs `steps` in order, the lock already handled (or not needed: netlink-only steps).
  public static func execute(_ steps: [Step]) -> StepReport {
    var report = StepReport(descriptions: steps.map(\.description), dryRun: false)
    var done: [Int] = []
    for (i, step) in steps.enumerated() {
      let need: StepNeed
      do { need = try step.observe() } catch {
        fail(&report, i, Self.failure(error, step), at: .observe)
        break
      }
      switch need {
      case .unchanged: report.entries[i].status = .unchanged; continue
      case .skipped: report.entries[i].status = .skipped; continue
      case .needed: break
      }
      do { try step.action() } catch {
        fail(&report, i, Self.failure(error, step), at: .action)
        break
      }
      do { try step.verify() } catch {
        fail(&report, i, Self.failure(error, step), at: .verify)
        // The action ran but did not take as asked: take it back first, it is the newest change.
        if let undo = step.undo {
          do {
            try undo()
            report.entries[i].undoneAfterFailure = true
          } catch {
            report.entries[i].undoneAfterFailure = false
            report.entries[i].undoError = Self.failure(error, step)
          }
        }
        break
      }
      report.entries[i].status = .applied
      done.append(i)
    }
    if report.error != nil { rollBack(done, of: steps, into: &report) }
    // Temporary changes are put back last, on success and failure alike.
    for i in done.reversed() where steps[i].restoreAtEnd && report.entries[i].status == .applied {
      guard let undo = steps[i].undo else { continue }
      do {
        try undo()
        report.entries[i].restored = true
      } catch {
        report.entries[i].error = Self.failure(error, steps[i])
        if report.error == nil { report.error = report.entries[i].error }
      }
    }
    return report
  }

  /// Undoes, newest first, what was applied and can be undone; temporary steps wait for the end.
  private static func rollBack(_ done: [Int], of steps: [Step], into report: inout StepReport) {
    for i in done.reversed() {
      guard !steps[i].restoreAtEnd, let undo = steps[i].undo else { continue }
      do {
        try undo()
        report.entries[i].status = .rolledBack
      } catch {
        report.entries[i].status = .rollbackFailed
        report.entries[i].error = Self.failure(error, steps[i])
      }
    }
  }

  private static func fail(_ report: inout StepReport, _ i: Int, _ error: SRIOVError, at phase: StepPhase) {
    report.entries[i].status = .failed
    report.entries[i].failedAt = phase
    report.entries[i].error = error
    report.error = error
  }

  static func failure(_ error: any Error, _ step: Step) -> SRIOVError {
    (error as? SRIOVError) ?? SRIOVError(step.subject, "\(step.description): \(error)")
  }
}
