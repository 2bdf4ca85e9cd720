extension CaptureReport {
  public func json() -> JSON {
    let devicesJSON: [JSON] = devices.map { d in
      JSON.object([("address", .string(d.address.description)), ("role", .string(d.role.rawValue))])
    }
    let vf: JSON = vfSettingsPFs.map(JSON.strings) ?? .null
    return JSON.document([
      ("capture", .object([
        ("directory", .string(directory)),
        ("anonymized", .bool(anonymized)),
        ("devices", .array(devicesJSON)),
        ("netdevs", .strings(netdevs)),
        ("vf_settings", vf),
        ("unreadable", .strings(unreadable)),
      ]))
    ])
  }

  public func text() -> String {
    var out = "Captured \(devices.count) PCI function(s) into \(directory)\(anonymized ? " (anonymized)" : "")\n"
    for role in [Role.pf, .vf, .bridge, .groupMember] {
      let list: [String] = devices.filter { $0.role == role }.map { $0.address.description }
      guard !list.isEmpty else { continue }
      out += "  \(role.rawValue.replacingUnderscores): \(list.joined(separator: " "))\n"
    }
    if !netdevs.isEmpty { out += TerminalText.line("  netdevs: \(netdevs.joined(separator: " "))") }
    if let pfs = vfSettingsPFs {
      out += "  VF settings: \(pfs.isEmpty ? "none" : pfs.joined(separator: " "))\n"
    } else {
      out += "  VF settings: not captured (no netlink under this root and no stored dump)\n"
    }
    if !unreadable.isEmpty {
      // Each one, so nobody takes the capture for complete; the manifest keeps them too.
      out += TerminalText.line("  not copied (\(unreadable.count), also in \(directory)/\(HostCapture.manifestPath.components.joined(separator: "/"))):")
      for item in unreadable { out += TerminalText.line("    " + item) }
    }
    out += "Read it with: sriovctl --root \(directory) list\n"
    return out
  }
}
