/// How eSwitch answers and devlink ports print (reports, captures, the `eswitch` result).
public enum EswitchView {
  /// `supported`, `mode`, `inline_mode`, `encap_mode`, `unsupported_reason`: every key present, the
  /// modes `null` when the driver has no devlink eSwitch or does not report them.
  public static func fields(_ query: EswitchQuery?) -> [(String, JSON)] {
    let settings = query?.settings
    var reason: String? = nil
    if case .unsupported(let why)? = query { reason = why }
    return [
      ("supported", .optional(query.map { $0.settings != nil })),
      ("mode", .optional(settings?.mode?.rawValue)),
      ("inline_mode", .optional(settings?.inlineMode?.rawValue)),
      ("encap_mode", .optional(settings?.encapMode?.rawValue)),
      ("unsupported_reason", .optional(reason)),
    ]
  }

  public static func json(_ port: DevlinkPort) -> JSON {
    .object([
      ("handle", .string(port.handle.description)),
      ("index", .int(Int(port.index))),
      ("flavour", .optional(port.flavour?.description)),
      ("pf", .optional(port.pfNumber)),
      ("vf", .optional(port.vfNumber)),
      ("controller", .optional(port.controller)),
      ("external", .optional(port.external)),
      ("netdev", .optional(port.netdev)),
      ("ifindex", .optional(port.ifindex)),
    ])
  }

  /// `switchdev (inline-mode none, encap-mode basic)`.
  public static func text(_ settings: EswitchSettings) -> String {
    var extras: [String] = []
    if let inline = settings.inlineMode { extras.append("inline-mode \(inline.rawValue)") }
    if let encap = settings.encapMode { extras.append("encap-mode \(encap.rawValue)") }
    let mode = settings.mode?.rawValue ?? "mode unknown"
    return extras.isEmpty ? mode : "\(mode) (\(extras.joined(separator: ", ")))"
  }
}

extension DevlinkDeviceReport {
  /// The facts both renderings show, in order.
  var fields: [ReportField] {
    [
      ReportField("driver", driver, json: JSON.string),
      ReportField("num_vfs", label: "vfs", numVFs, json: JSON.int, text: { "\($0) (sriov_numvfs)" }),
      ReportField("eswitch", json: eswitch.json(), text: eswitch.text),
    ]
  }

  public func json() -> JSON {
    .document([
      ("devlink_device", .object([
        ("handle", .string(handle.description)),
        ("bus", .string(handle.bus)),
        ("name", .string(handle.device)),
      ] + fields.jsonEntries + [
        ("representors", .array(eswitch.representors.keys.sorted().map { vf in
          .object([("vf", .int(vf)), ("netdev", .optional(eswitch.representors[vf]?.netdev)), ("port", .string(eswitch.representors[vf]!.name))])
        })),
        ("ports", .array(ports.map(EswitchView.json))),
      ]))
    ])
  }

  public func text() -> String {
    var out = "\(handle)\n" + fields.textLines(labelWidth: 10)
    if !ports.isEmpty { out += "  ports:\n" }
    for port in ports {
      var parts = [port.name, port.flavour?.description ?? "flavour unknown"]
      if let pf = port.pfNumber { parts.append("pf \(pf)") }
      if let vf = port.vfNumber { parts.append("vf \(vf)") }
      if port.external == true { parts.append("external") }
      parts.append(port.netdev ?? "no netdev")
      out += "    " + parts.joined(separator: "  ") + "\n"
    }
    return out
  }
}

extension EswitchReadout {
  /// The device's `eswitch` JSON object.
  public func json() -> JSON {
    .object([("source", .string(source.rawValue)), ("handle", .string(handle.description))]
      + EswitchView.fields(query) + [("error", .optional(error))])
  }
}
