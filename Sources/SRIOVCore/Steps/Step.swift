/// One change to the host in the shape every command's plan takes (`create`/`remove`, `bind`/`unbind`,
/// `set`, `apply`, `eswitch`): re-observe, act, verify, undo. The closures capture what the step needs
/// (the door, the netlink control, values observed when it was planned); `StepExecutor` runs them.
public struct Step {
  /// What the step does, one line (the plan's text).
  public var description: String
  /// Who a wrapped error names when a closure throws something other than `SRIOVError`.
  public var subject: String
  /// Re-reads the host just before the step's turn: another process, or an earlier step, may
  /// already have made the change (`unchanged`), or made it impossible (`skipped`).
  public var observe: () throws -> StepNeed
  public var action: () throws -> Void
  /// Proves the action took (a read-back, a wait for the kernel); throws what it found instead.
  public var verify: () throws -> Void
  /// Takes the change back after a later step failed; nil when the kernel cannot (destroyed VFs).
  public var undo: (() throws -> Void)?
  /// Runs at the end of the plan whether it succeeded or not, after the rollback: a temporary
  /// change such as autoprobe off while VFs are bound race-free.
  public var restoreAtEnd: Bool

  public init(
    _ description: String, subject: String, observe: @escaping () throws -> StepNeed = { .needed },
    action: @escaping () throws -> Void, verify: @escaping () throws -> Void = {}, undo: (() throws -> Void)? = nil,
    restoreAtEnd: Bool = false
  ) {
    self.description = description
    self.subject = subject
    self.observe = observe
    self.action = action
    self.verify = verify
    self.undo = undo
    self.restoreAtEnd = restoreAtEnd
  }
}

/// What a step's re-observation found.
public enum StepNeed: Sendable, Equatable {
  case needed
  /// Already as the step wants it: nothing is written.
  case unchanged
  /// Cannot run any more (its subject went away); not a failure by itself.
  case skipped
}

/// The part of a step that failed.
public enum StepPhase: Sendable, Equatable {
  case observe, action, verify
}

/// Where a step stands in a report.
public enum StepStatus: String, Sendable, CaseIterable {
  /// Dry run: would be done.
  case planned
  /// Done and still in effect.
  case applied
  /// Already as desired when its turn came.
  case unchanged
  case failed
  /// Done, then undone after a later step failed.
  case rolledBack = "rolled_back"
  /// Done, and undoing it failed too: the error says what is left.
  case rollbackFailed = "rollback_failed"
  /// Not attempted because an earlier step failed, or its re-observation said it cannot run.
  case skipped
}

/// What the executor did with each step of a plan, in plan order.
public struct StepReport: Sendable {
  public struct Entry: Sendable {
    public let description: String
    public internal(set) var status: StepStatus
    /// Why it failed, or why its rollback failed.
    public internal(set) var error: SRIOVError?
    /// The step failed after its action ran (verification): the action was undone too (`true`), or
    /// undoing it failed (`false`); nil when the action itself failed or there was nothing to undo.
    public internal(set) var undoneAfterFailure: Bool?
    /// Which part of a failed step threw.
    public internal(set) var failedAt: StepPhase?
    /// Why undoing a step whose verification failed did not work.
    public internal(set) var undoError: SRIOVError?
    /// Its `restoreAtEnd` undo ran (and did not fail).
    public internal(set) var restored: Bool = false
  }

  public let dryRun: Bool
  public internal(set) var entries: [Entry]
  /// The failure that stopped the plan; nil when every step was applied or unchanged.
  public internal(set) var error: SRIOVError?

  public init(descriptions: [String], dryRun: Bool) {
    self.dryRun = dryRun
    entries = descriptions.map { Entry(description: $0, status: dryRun ? .planned : .skipped) }
  }

  public func entries(_ status: StepStatus) -> [Entry] { entries.filter { $0.status == status } }

  public var failed: Bool { error != nil }

  /// Whether the host was left changed.
  public var changed: Bool { entries.contains { $0.status == .applied || $0.status == .rollbackFailed } }
}
