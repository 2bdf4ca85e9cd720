/// A step report on its own: one line per step with its status, or the `steps` JSON array of the
/// executor's vocabulary (applied / unchanged / failed / rolled_back / rollback_failed / skipped).
/// Commands render their own outcomes; this is the shape new plans (and debugging) can use as is.
extension StepReport {
  public func text() -> String {
    var out = ""
    for entry in entries {
      let label: String = switch entry.status {
      case .planned: "would do"
      case .applied: entry.restored ? "applied and restored" : "applied"
      case .unchanged: "unchanged"
      case .failed: "FAILED"
      case .rolledBack: "rolled back"
      case .rollbackFailed: "NOT rolled back"
      case .skipped: "skipped"
      }
      out += TerminalText.line("\(label) \(entry.description)" + (entry.error.map { ": \($0.message)" } ?? ""))
    }
    return out
  }

  public func json() -> JSON {
    let steps: [JSON] = entries.map { entry in
      .object([
        ("description", .string(entry.description)),
        ("status", .string(entry.status.rawValue)),
        ("error", .optional(entry.error?.message)),
      ])
    }
    return .document([("result", .object([
      ("dry_run", .bool(dryRun)), ("steps", .array(steps)), ("changed", .bool(changed)),
      ("message", .optional(error?.message)),
    ]))])
  }
}
