extension CheckReport {
  public func text() -> String {
    // Grouped by subject in order of first appearance, in one pass (a host check of thousands of
    // VFs has thousands of subjects). Subjects, messages and hints name host things: escaped.
    var order: [String] = []
    var bySubject: [String: [Finding]] = [:]
    for f in findings {
      if bySubject[f.subject] == nil { order.append(f.subject) }
      bySubject[f.subject, default: []].append(f)
    }
    let checkWidth: Int = findings.map(\.check.count).max() ?? 0
    var out = ""
    for subject in order {
      out += TerminalText.line(subject)
      for f in bySubject[subject] ?? [] {
        let label = f.severity.label.padding(7)
        out += TerminalText.line("  \(label)  \(f.check.padding(checkWidth))  \(f.message)")
        if f.severity != .pass, let hint = f.hint {
          out += TerminalText.line("  " + String(repeating: " ", count: 7 + 2 + checkWidth + 2) + "hint: \(hint)")
        }
      }
    }
    let counts: [String] = Severity.allCases.map { "\(count($0)) \($0.rawValue)" }
    out += counts.joined(separator: ", ") + "\n"
    return out
  }

  public func json(strict: Bool) -> JSON {
    .document([
      ("ok", .bool(ok(strict: strict))),
      ("findings", .array(findings.map { f in
        .object([
          ("check", .string(f.check)), ("subject", .string(f.subject)), ("severity", .string(f.severity.rawValue)),
          ("message", .string(f.message)), ("hint", .optional(f.hint)),
        ])
      })),
    ])
  }
}
