/// How an `ApplyOutcome` reads: its text and JSON (schema_version 1) renderers.
extension ApplyOutcome {
  public func text() -> String {
    var out = ""
    if dryRun {
      out += TerminalText.line("\(source): \(summary)\(steps.isEmpty ? "" : "; would do, in order:")")
      for step in steps { out += TerminalText.line("  \(step.action)") }
      let destroyed = destroys
      if !destroyed.isEmpty {
        out += TerminalText.line("this destroys \(destroyed.count) VF(s), which cannot be undone: \(destroyed.map(\.description).joined(separator: " "))")
      }
      for refusal in refusals { out += TerminalText.line("refused without --force: \(refusal.message)") }
      return out
    }
    for step in steps {
      let label: String
      switch step.status {
      case .planned, .applied: label = "applied"
      case .unchanged: label = "unchanged"
      case .failed: label = "FAILED"
      case .rolledBack: label = "rolled back"
      case .rollbackFailed: label = "NOT rolled back"
      case .skipped: label = "skipped"
      }
      out += TerminalText.line("\(label) \(step.action)" + (step.note.map { ": \($0)" } ?? ""))
    }
    out += TerminalText.line("\(source): \(summary)")
    return out
  }

  public func json() -> JSON {
    func list(_ statuses: [Status]) -> JSON { .array(steps.filter { statuses.contains($0.status) }.map(Self.json)) }
    let result: [(String, JSON)] = [
      ("file", .string(source)),
      ("dry_run", .bool(dryRun)),
      ("planned", .array(steps.map { Self.json(Step(action: $0.action, status: .planned, note: nil)) })),
      ("applied", list([.applied])),
      ("unchanged", list([.unchanged])),
      ("rolled_back", list([.rolledBack])),
      ("failed", list([.failed, .rollbackFailed])),
      ("skipped", list([.skipped])),
      ("destroys", .strings(destroys.map(\.description))),
      ("refusals", .strings(refusals.map(\.message))),
      ("changed", .bool(changed)),
      ("message", .string(error?.message ?? summary)),
    ]
    return JSON.document([("result", .object(result))])
  }

  static func json(_ step: Step) -> JSON {
    let action = step.action
    var address: String? = nil
    var destroys: [String] = []
    switch action {
    case .bind(_, _, let a, _, _): address = a?.description
    case .count(let change): destroys = change.destroys.map(\.address.description)
    default: break
    }
    var fields: [(String, JSON)] = [
      ("pf", .string(action.pf.description)),
      ("kind", .string(action.kind)),
      ("vf", .optional(action.vf)),
      ("address", .optional(address)),
      ("from", .optional(action.fromText)),
      ("to", .string(action.toText)),
      ("irreversible", .bool(action.isIrreversible)),
      ("destroys", .strings(destroys)),
      ("description", .string(action.description)),
    ]
    if step.status == .failed || step.status == .rollbackFailed { fields.append(("error", .optional(step.note))) }
    return .object(fields)
  }
}
