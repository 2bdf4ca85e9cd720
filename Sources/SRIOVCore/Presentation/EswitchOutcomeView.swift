/// How an `EswitchOutcome` reads: its text and JSON (schema_version 1) renderers.
extension EswitchOutcome {
  public func json() -> JSON {
    let o = plan.observed
    let settings = { (s: EswitchSettings) -> JSON in
      .object([("mode", .optional(s.mode?.rawValue)), ("inline_mode", .optional(s.inlineMode?.rawValue)), ("encap_mode", .optional(s.encapMode?.rawValue))])
    }
    let result: [(String, JSON)] = [
      ("handle", .string(o.handle.description)),
      ("device", .optional(o.handle.pciAddress?.description)),
      ("driver", .optional(o.driver)),
      ("dry_run", .bool(dryRun)),
      ("order", .string(plan.order.rawValue)),
      ("num_vfs", .int(o.numVFs)),
      ("before", settings(o.current)),
      ("after", after.map(settings) ?? .null),
      ("planned", .array(plan.steps.map { $0.json() })),
      ("applied", .array(applied.map { $0.json() })),
      ("skipped", .array(skipped.map { $0.json() })),
      ("rolled_back", .array(rolledBack.map { $0.json() })),
      ("failed", .array(failed.map { f in
        guard case .object(let fields) = f.step.json() else { return .null }
        return .object(fields + [("error", .string(f.error))])
      })),
      ("destroys", .strings(plan.destroys.map(\.description))),
      ("unbinds", .strings(plan.unbinds.map(\.description))),
      ("representors", .array(representors.keys.sorted().map { vf in
        .object([("vf", .int(vf)), ("netdev", .string(representors[vf]!))])
      })),
      ("changed", .bool(changed)),
      ("message", .string(error?.message ?? summary)),
    ]
    return .document([("result", .object(result))])
  }

  public func text() -> String {
    let head = "\(plan.observed.handle)"
    if plan.isNoop { return "\(head): \(summary); nothing to change\n" }
    if dryRun {
      var out = "\(head): \(summary); \(plan.observed.driver ?? "unknown driver") order \(plan.order.rawValue) (\(plan.order.reason)); would do, in order:\n"
      for step in plan.steps { out += "  \(step)\n" }
      if !plan.destroys.isEmpty { out += "this destroys \(plan.destroys.count) VF(s) and creates them again: \(plan.destroys.map(\.description).joined(separator: " "))\n" }
      if !plan.unbinds.isEmpty { out += "this unbinds \(plan.unbinds.count) VF(s) from their driver and rebinds them: \(plan.unbinds.map(\.description).joined(separator: " "))\n" }
      return out
    }
    var out = "\(head): \(error?.problem ?? summary)\n"
    for step in applied { out += "  did \(step)\n" }
    for f in failed { out += "  FAILED \(f.step)\n" }
    for step in rolledBack { out += "  rolled back \(step)\n" }
    for step in skipped { out += "  skipped \(step)\n" }
    for vf in representors.keys.sorted() { out += "  vf \(vf) representor \(representors[vf]!)\n" }
    return out
  }
}
