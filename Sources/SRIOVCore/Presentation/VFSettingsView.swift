/// How VF settings print: the `settings` JSON object (list, show, set, captures) and a short text.
public enum VFSettingsView {
  /// The documented `settings` object: every key present, `null` for what the driver did not report.
  public static func json(_ s: VFSettings) -> JSON {
    .object([
      ("mac", .optional(s.mac?.description)),
      ("vlan", .optional(s.vlan)),
      ("qos", .optional(s.qos)),
      ("vlan_proto", .optional(s.vlanProtocol?.rawValue)),
      ("spoofchk", .optional(s.spoofCheck)),
      ("trust", .optional(s.trust)),
      ("link_state", .optional(s.linkState?.rawValue)),
      ("min_tx_rate", .optional(s.minTxRate)),
      ("max_tx_rate", .optional(s.maxTxRate)),
      ("query_rss", .optional(s.queryRSS)),
    ])
  }

  /// `mac 02:00:00:00:00:01 vlan 100 qos 3 spoofchk on trust off link auto` (what is unknown is left out;
  /// VLAN protocol and rates only when set).
  public static func text(_ s: VFSettings) -> String {
    var parts: [String] = []
    if let mac = s.mac { parts.append("mac \(mac)") }
    if let vlan = s.vlan {
      var vlanText = "vlan \(vlan)"
      if let qos = s.qos, qos != 0 { vlanText += " qos \(qos)" }
      if let proto = s.vlanProtocol, proto != .dot1Q { vlanText += " " + proto.rawValue }
      parts.append(vlanText)
    }
    if let on = s.spoofCheck { parts.append("spoofchk " + onOff(on)) }
    if let on = s.trust { parts.append("trust " + onOff(on)) }
    if let state = s.linkState { parts.append("link " + state.rawValue) }
    let min = s.minTxRate ?? 0, max = s.maxTxRate ?? 0
    if min != 0 || max != 0 { parts.append("rate \(min)-\(max == 0 ? "max" : String(max)) Mbps") }
    return parts.isEmpty ? "no settings reported" : parts.joined(separator: " ")
  }

  /// One setting as the `set` result lists it: its name and the values it carries, with the same keys
  /// as the `settings` object.
  public static func json(_ setting: VFSetting) -> [(String, JSON)] {
    var fields: [(String, JSON)] = [("setting", .string(setting.name))]
    switch setting {
    case .mac(let mac): fields.append(("mac", .string(mac.description)))
    case .vlan(let id, let qos, let proto):
      fields += [("vlan", .int(id)), ("qos", .int(qos)), ("vlan_proto", .string(proto.rawValue))]
    case .spoofCheck(let on): fields.append(("spoofchk", .bool(on)))
    case .trust(let on): fields.append(("trust", .bool(on)))
    case .linkState(let state): fields.append(("link_state", .string(state.rawValue)))
    case .rate(let min, let max): fields += [("min_tx_rate", .int(min)), ("max_tx_rate", .int(max))]
    }
    return fields
  }
}

extension VFSettingsOutcome {
  /// The `set` result, shaped like the lifecycle result (`planned`/`applied`/`failed`/`changed`/`message`).
  public func json() -> JSON {
    let setting = { (s: VFSetting) in JSON.object(VFSettingsView.json(s)) }
    let result: [(String, JSON)] = [
      ("device", .string(target.pf.description)),
      ("netdev", .string(target.netdev.name)),
      ("vf", .int(target.vf)),
      ("driver", .optional(target.driver)),
      ("dry_run", .bool(dryRun)),
      ("planned", .array(planned.map(setting))),
      ("applied", .array(applied.map(setting))),
      ("rolled_back", .array(rolledBack.map(setting))),
      ("failed", .array(failed.map { .object(VFSettingsView.json($0.setting) + [("error", .string($0.error))]) })),
      ("changed", .bool(changed)),
      ("message", .string(summary)),
      ("before", VFSettingsView.json(before)),
      ("after", after.map(VFSettingsView.json) ?? .null),
    ]
    return .document([("result", .object(result))])
  }

  public func text() -> String {
    let head = "\(target.subject) (\(target.netdev))"
    if planned.isEmpty { return "\(head): already set; nothing to change\n" }
    if dryRun {
      return "\(head): would set, in order:\n" + planned.map { "  \($0)\n" }.joined()
    }
    guard error != nil else { return "\(head): set\n" + applied.map { "  \($0)\n" }.joined() }
    var out = "\(head): " + (applied.isEmpty ? "nothing changed\n" : "partly changed\n")
    for s in applied { out += "  set \(s)\n" }
    for s in rolledBack { out += "  restored \(s.name) (had set \(s))\n" }
    for f in failed { out += "  FAILED \(f.setting): \(f.error)\n" }
    return out
  }
}

extension VFSettingsReadout {
  /// The PF's `vf_settings` JSON object: where settings came from and whether the list is complete.
  public func json() -> JSON {
    .object([
      ("source", .string(source.rawValue)),
      ("netdev", .string(netdev)),
      ("num_vfs", .optional(settings?.numVFs)),
      ("reported_vfs", .optional(settings?.vfs.count)),
      ("truncated", .optional(settings?.isTruncated)),
      ("error", .optional(error)),
    ])
  }
}
