/// What `sriovctl capture` wrote: the functions and interfaces it holds and what it could not read.
public struct CaptureReport: Sendable {
  /// Why a function is in the capture.
  public enum Role: String, Sendable {
    case pf, vf, bridge
    /// Another member of a captured function's IOMMU group (the viability check reads it).
    case groupMember = "group_member"
  }

  public let directory: String
  public let anonymized: Bool
  public let devices: [(address: PCIAddress, role: Role)]
  public let netdevs: [String]
  /// Files the kernel refused (config space past 64 bytes without root, ...), with the reason.
  public let unreadable: [String]
  /// PF interfaces whose netlink VF settings were stored; nil when there was no netlink step.
  public let vfSettingsPFs: [String]?

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
    if !netdevs.isEmpty { out += "  netdevs: \(netdevs.joined(separator: " "))\n" }
    if let pfs = vfSettingsPFs {
      out += "  VF settings: \(pfs.isEmpty ? "none" : pfs.joined(separator: " "))\n"
    } else {
      out += "  VF settings: not captured (no netlink under this root and no stored dump)\n"
    }
    if !unreadable.isEmpty {
      out += "  unreadable: \(unreadable.count) item(s), listed in \(directory)/\(HostCapture.manifestPath.components.joined(separator: "/"))"
      out += " (config space past 64 bytes needs root)\n"
    }
    out += "Read it with: sriovctl --root \(directory) list\n"
    return out
  }
}
