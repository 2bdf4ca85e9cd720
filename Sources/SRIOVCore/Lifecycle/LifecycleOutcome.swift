/// What a lifecycle command planned and did: rendered as text or as the `result` JSON object.
public struct LifecycleOutcome: Sendable {
  public struct Failure: Sendable {
    public let write: SysfsWrite
    public let error: String
  }

  public let device: PCIAddress
  public let dryRun: Bool
  public let planned: [PlannedWrite]
  public internal(set) var applied: [SysfsWrite] = []
  public internal(set) var skipped: [PlannedWrite] = []
  public internal(set) var failed: [Failure] = []
  /// VFs the plan removes.
  public let destroys: [PCIAddress]
  /// One line for the terminal: "already has 4 VFs", "now has 4 VFs", ...
  public internal(set) var summary: String
  /// Set when a step failed or the result did not verify; the CLI prints it and exits 1.
  public internal(set) var error: SRIOVError?

  public var changed: Bool { !applied.isEmpty }

  init(device: PCIAddress, dryRun: Bool, planned: [PlannedWrite], destroys: [PCIAddress], summary: String) {
    self.device = device
    self.dryRun = dryRun
    self.planned = planned
    self.destroys = destroys
    self.summary = summary
  }

  /// Takes the executor's report. `writes` pairs each step with the planned write it reports as (nil:
  /// a step that only waits); `actual` gives the write as made. A write that failed is listed with its
  /// error; a wait that failed is only the outcome's error (its write did happen). The autoprobe
  /// restore, run at the end, is listed last when it ran.
  mutating func record(
    _ report: StepReport, of writes: [PlannedWrite?], restore: SysfsWrite?, actual: (PlannedWrite) -> SysfsWrite
  ) {
    var restored: [SysfsWrite] = []
    for (entry, planned) in zip(report.entries, writes) {
      guard let planned else { continue }
      let write = actual(planned)
      switch entry.status {
      case .applied, .rolledBack, .rollbackFailed: applied.append(write)
      case .failed where entry.failedAt == .verify: applied.append(write)
      case .failed: failed.append(.init(write: write, error: entry.error?.message ?? ""))
      case .skipped: skipped.append(planned)
      case .planned, .unchanged: break
      }
      // The autoprobe write is the step whose undo is the restore.
      guard let restore, entry.status == .applied, case .write(let w) = planned, w.path == restore.path else { continue }
      if entry.restored {
        restored.append(restore)
      } else if let error = entry.error {
        failed.append(.init(write: restore, error: error.message))
      }
    }
    applied += restored
    if let error = report.error, self.error == nil { self.error = error }
  }
}
