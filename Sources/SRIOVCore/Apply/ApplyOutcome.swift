/// What `apply` planned and did, step by step: rendered as text or as the `result` JSON object.
public struct ApplyOutcome: Sendable {
  /// The executor's statuses: planned, applied, unchanged, failed, rolled back, rollback failed, skipped.
  public typealias Status = StepStatus

  public struct Step: Sendable {
    public let action: ApplyAction
    public internal(set) var status: Status
    /// Why it failed, or why it was not rolled back.
    public internal(set) var note: String?
  }

  /// The file, as named on the command line.
  public let source: String
  public let dryRun: Bool
  public internal(set) var steps: [Step]
  /// Changes a real run would refuse (VFs in use without --force); a dry run lists them.
  public let refusals: [SRIOVError]
  /// The failure that stopped the run; the CLI prints it and exits 1.
  public internal(set) var error: SRIOVError?

  init(source: String, dryRun: Bool, plan: ApplyPlan) {
    self.source = source
    self.dryRun = dryRun
    self.refusals = plan.refusals
    self.steps = plan.actions.map { Step(action: $0, status: dryRun ? .planned : .skipped, note: nil) }
    if dryRun, let first = plan.refusals.first {
      let more: String = plan.refusals.count > 1 ? " (and \(plan.refusals.count - 1) more)" : ""
      error = SRIOVError(first.subject, first.problem + more, hint: first.hint)
    }
  }

  /// Takes the executor's report, one entry per action.
  mutating func record(_ report: StepReport) {
    for (i, entry) in report.entries.enumerated() where i < steps.count {
      switch entry.status {
      case .planned, .skipped: steps[i].status = .skipped
      case .applied:
        steps[i].status = .applied
        if steps[i].action.isIrreversible { steps[i].note = "irreversible: the destroyed VFs are gone" }
      case .unchanged: steps[i].status = .unchanged
      case .failed:
        steps[i].status = .failed
        steps[i].note = entry.error?.message
      case .rolledBack: steps[i].status = .rolledBack
      case .rollbackFailed:
        steps[i].status = .rollbackFailed
        steps[i].note = "rollback failed: \(entry.error?.message ?? "")"
      }
    }
    error = report.error
  }

  public func steps(_ status: Status) -> [Step] { steps.filter { $0.status == status } }

  /// Whether the host changed (or, in a dry run, would change): `--detailed-exitcode` 2.
  public var changed: Bool {
    dryRun ? !steps.isEmpty : steps.contains { $0.status == .applied || $0.status == .rollbackFailed }
  }

  public var destroys: [PCIAddress] {
    steps.flatMap { step -> [PCIAddress] in
      guard case .count(let change) = step.action, step.status != .skipped && step.status != .unchanged else { return [] }
      return change.destroys.map(\.address)
    }
  }

  public var summary: String {
    if steps.isEmpty { return "nothing to do: the host matches \(source)" }
    if dryRun { return "\(steps.count) change(s) planned" }
    if error == nil {
      let applied = steps(.applied).count
      let unchanged = steps(.unchanged).count
      return "applied \(applied) change(s)" + (unchanged > 0 ? " (\(unchanged) already in place)" : "")
    }
    let parts: [String] = [(Status.applied, "applied"), (.rolledBack, "rolled back"), (.rollbackFailed, "not rolled back"),
      (.failed, "failed"), (.skipped, "skipped")].compactMap { status, name in
        let n = steps(status).count
        return n > 0 ? "\(n) \(name)" : nil
      }
    return "stopped: " + parts.joined(separator: ", ")
  }
}
