extension Persist.Outcome {
  public func text() -> String {
    var out = warnings.map { "warning: \($0)\n" }.joined()
    if !binaryPresent {
      out += "warning: the unit runs \(binary), which is not there: it will fail at boot until sriovctl is installed there (the Debian package does, or make install)\n"
    }
    for item in items {
      let verb = item.upToDate ? "unchanged" : item.removed ? (dryRun ? "would remove" : "removed") : (dryRun ? "would write" : "wrote")
      out += "\(verb) \(item.path)\(item.kind == "symlink" ? " -> /\(Persist.unitPath.components.joined(separator: "/"))" : "")\n"
    }
    if dryRun { out += "\n--- \(Persist.unitPath) ---\n" + unit }
    if dryRun { for (path, text) in extraTexts { out += "\n--- \(path) ---\n" + text } }
    return out
  }

  public func json() -> JSON {
    let list: [JSON] = items.map { item in
      .object([("path", .string(item.path.description)), ("kind", .string(item.kind)), ("changed", .bool(!item.upToDate)),
        ("removed", .bool(item.removed))])
    }
    return JSON.document([("result", .object([
      ("dry_run", .bool(dryRun)), ("files", .array(list)), ("unit", .string(unit)),
      ("warnings", .strings(warnings)),
      ("binary_present", .bool(binaryPresent)), ("changed", .bool(changed)), ("binary", .string(binary)),
    ]))])
  }
}
