/// `owners.*` findings for `check`: pure functions over an `OwnersReport`.
public enum OwnersChecks {
  public static func all(_ report: OwnersReport) -> [Finding] {
    var found: [Finding] = []
    for pf in report.pfs {
      found += conflicts(report, pf) + bootValues(report, pf) + networkManager(report, pf)
    }
    if !report.errors.isEmpty {
      let list = report.errors.prefix(3).map { "\($0.location) (\($0.error ?? ""))" }.joined(separator: "; ")
      found.append(Finding("owners.files", "host", .warn,
        "\(report.errors.count) configuration file(s) could not be read: \(escaped(list))\(report.errors.count > 3 ? "; ..." : "")",
        hint: "'sriovctl owners' lists them all; fix or remove the files, or the tools that own them may act unexpectedly"))
    }
    return found
  }

  /// WARN when two owners (different files) set the same thing; PASS naming the single owner, or none.
  static func conflicts(_ report: OwnersReport, _ pf: OwnerPF) -> [Finding] {
    let subject = pf.address.description
    let claims = report.claims(on: pf.address)
    var byKey: [String: [OwnerFinding]] = [:]
    var keys: [String] = []
    for c in claims {
      for s in c.settings {
        let key = c.vf.map { "vf \($0) \(s.key)" } ?? s.key
        if byKey[key] == nil { keys.append(key) }
        if !(byKey[key]?.contains { $0.file == c.file && $0.line == c.line } ?? false) { byKey[key, default: []].append(c) }
      }
    }
    var found: [Finding] = []
    for key in keys where Set(byKey[key]!.map(\.file)).count > 1 {
      let owners = byKey[key]!
      let values = owners.map { c in
        let v = c.settings.first { (c.vf.map { "vf \($0) " } ?? "") + $0.key == key }?.value ?? "?"
        return "\(c.kind.rawValue) \(c.location) (\(v))"
      }
      found.append(Finding("owners.conflict", subject, .warn,
        "\(owners.count) owners set \(key): \(escaped(values.joined(separator: ", ")))",
        hint: "keep one owner per PF: remove the setting from all but one (docs/owners.md: how to hand a PF over to sriovctl)"))
    }
    if found.isEmpty {
      var kinds: [String] = []
      for c in claims where !kinds.contains(c.kind.rawValue) { kinds.append(c.kind.rawValue) }
      let message = kinds.isEmpty ? "no other tool configures SR-IOV on this PF"
        : "one owner per setting: \(kinds.joined(separator: ", ")) (\(claims.map(\.location).joined(separator: ", ")))"
      found.append(Finding("owners.conflict", subject, .pass, escaped(message)))
    }
    return found
  }

  /// WARN when an owner will set a VF count at boot that differs from the count now.
  static func bootValues(_ report: OwnersReport, _ pf: OwnerPF) -> [Finding] {
    var found: [Finding] = []
    for c in report.claims(on: pf.address) where c.vf == nil {
      for s in c.settings {
        guard let n = s.vfCount, n != pf.numVFs else { continue }
        found.append(Finding("owners.boot_value", pf.address.description, .warn,
          "\(c.kind.rawValue) \(escaped(c.location)) sets \(n) VFs \(c.when); the PF has \(pf.numVFs) now"
            + (c.uncertain.map { " (if the file matches: \(escaped($0)))" } ?? ""),
          hint: "after the next boot the PF will have \(n) VFs: change that file, or make the host match it"))
      }
    }
    return found
  }

  /// WARN when NetworkManager is on the host and VF interfaces of the PF are not kept off it
  /// (ENV{NM_UNMANAGED}="1" from a udev rule, or [keyfile] unmanaged-devices).
  static func networkManager(_ report: OwnersReport, _ pf: OwnerPF) -> [Finding] {
    guard report.networkManagerPresent else { return [] }
    let withNetdev = pf.vfs.filter { !$0.netdevs.isEmpty }
    guard !withNetdev.isEmpty else { return [] }
    let covered = Set(report.claims(on: pf.address).filter { c in c.settings.contains { $0.key == "nm_unmanaged" && $0.value == "1" } && c.uncertain == nil }.compactMap(\.vf))
    let open = withNetdev.filter { !covered.contains($0.vfIndex!) }
    let subject = pf.address.description
    if open.isEmpty {
      return [Finding("owners.networkmanager", subject, .pass, "NetworkManager is kept off all \(withNetdev.count) VF interface(s)")]
    }
    let names = open.flatMap { $0.netdevs.map(\.name) }
    return [Finding("owners.networkmanager", subject, .warn,
      "NetworkManager is on this host and may manage \(open.count) of \(withNetdev.count) VF interface(s): \(escaped(names.prefix(8).joined(separator: " ")))\(names.count > 8 ? " ..." : "")",
      hint: "add 'networkmanager: unmanaged' under this PF's vfs: in the desired-state file and run 'sriovctl persist'")]
  }
}
