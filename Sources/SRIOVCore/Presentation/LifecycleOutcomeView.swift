/// How a `LifecycleOutcome` reads: its text and JSON (schema_version 1) renderers.
extension LifecycleOutcome {
  public func json() -> JSON {
    let plannedJSON: [JSON] = planned.map { Self.writeJSON(path: $0.path, value: $0.value) }
    let appliedJSON: [JSON] = applied.map { Self.writeJSON(path: $0.path, value: $0.value) }
    let skippedJSON: [JSON] = skipped.map { Self.writeJSON(path: $0.path, value: $0.value) }
    let failedJSON: [JSON] = failed.map { f in
      JSON.object([("path", .string(f.write.path.description)), ("value", .string(f.write.value)), ("error", .string(f.error))])
    }
    let result: [(String, JSON)] = [
      ("device", .string(device.description)),
      ("dry_run", .bool(dryRun)),
      ("planned", .array(plannedJSON)),
      ("applied", .array(appliedJSON)),
      ("skipped", .array(skippedJSON)),
      ("failed", .array(failedJSON)),
      ("destroys", .strings(destroys.map(\.description))),
      ("changed", .bool(changed)),
      ("message", .string(error?.message ?? summary)),
    ]
    return JSON.document([("result", .object(result))])
  }

  private static func writeJSON(path: HostPath, value: String) -> JSON {
    .object([("path", .string(path.description)), ("value", .string(value))])
  }

  public func text() -> String {
    var out = ""
    if dryRun {
      if planned.isEmpty {
        out += TerminalText.line("\(device): \(summary); nothing to write")
      } else {
        out += TerminalText.line("\(device): \(summary); would write, in order:")
        for w in planned { out += TerminalText.line("  \(w)") }
        if !destroys.isEmpty {
          let list: String = destroys.map(\.description).joined(separator: " ")
          out += TerminalText.line("this destroys \(destroys.count) VF(s): \(list)")
        }
      }
      return out
    }
    out += TerminalText.line("\(device): \(summary)")
    for w in applied { out += TerminalText.line("  wrote \(w)") }
    for f in failed { out += TerminalText.line("  FAILED \(f.write)") }
    for w in skipped { out += TerminalText.line("  skipped \(w)") }
    return out
  }
}
