extension OwnersReport {
  public func text() -> String {
    var out = pfs.isEmpty ? "no SR-IOV physical function on this host\n" : ""
    for pf in pfs {
      let names = pf.device.netdevs.map(\.name).joined(separator: " ")
      out += "\(pf.address)\(names.isEmpty ? "" : " " + names) (\(pf.device.driver ?? "no driver"), \(pf.numVFs) of \(pf.totalVFs) VFs now)\n"
      let claims = claims(on: pf.address)
      if claims.isEmpty { out += "  no owner found: nothing else configures SR-IOV on this PF\n" }
      // One entry for a file line that claims several VFs alike.
      var groups: [(OwnerFinding, [Int])] = []
      for c in claims {
        if let (first, vfs) = groups.last, let vf = c.vf, !vfs.isEmpty, first.kind == c.kind, first.file == c.file,
          first.line == c.line, first.settings == c.settings, first.when == c.when, first.uncertain == c.uncertain
        {
          groups[groups.count - 1].1 = vfs + [vf]
        } else {
          groups.append((c, c.vf.map { [$0] } ?? []))
        }
      }
      for (c, vfs) in groups {
        let subject = vfs.isEmpty ? "" : (vfs.count == 1 ? "vf \(vfs[0]): " : "vfs \(vfs.map(String.init).joined(separator: " ")): ")
        out += "  \(c.kind.rawValue): \(escaped(c.location))\n"
        out += "    sets \(subject)\(c.settings.map { escaped($0.description) }.joined(separator: ", ")) \(c.when)\n"
        if let why = c.uncertain { out += "    uncertain: \(escaped(why))\n" }
      }
    }
    if !errors.isEmpty {
      out += "files that could not be read:\n"
      for e in errors { out += "  \(e.kind.rawValue): \(escaped(e.location)): \(escaped(e.error ?? ""))\n" }
    }
    return out
  }

  public func json() -> JSON {
    .document([
      ("networkmanager_present", .bool(networkManagerPresent)),
      ("pfs", .array(pfs.map { pf in
        .object([
          ("address", .string(pf.address.description)), ("netdevs", .strings(pf.device.netdevs.map(\.name))),
          ("num_vfs", .int(pf.numVFs)),
          ("owners", .array(claims(on: pf.address).map(Self.json))),
        ])
      })),
      ("errors", .array(errors.map(Self.json))),
    ])
  }

  static func json(_ c: OwnerFinding) -> JSON {
    .object([
      ("kind", .string(c.kind.id)), ("file", .string(c.file.description)), ("line", .optional(c.line)),
      ("pf", .optional(c.pf?.description)), ("vf", .optional(c.vf)),
      ("sets", .array(c.settings.map { .object([("key", .string($0.key)), ("value", .string($0.value))]) })),
      ("when", c.error == nil ? .string(c.when) : .null), ("uncertain", .optional(c.uncertain)), ("error", .optional(c.error)),
    ])
  }
}
