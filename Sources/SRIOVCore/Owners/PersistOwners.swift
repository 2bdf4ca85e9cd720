/// What `persist` and `apply` learn from the other owners of the PFs in a desired-state file.
public struct OwnersPlan: Sendable {
  /// Lines for the plan: other owners that target a PF in the file.
  public let warnings: [String]
  /// Other owners that set what the file sets (refused by `persist` without --force).
  public let fights: [OwnerFinding]
  /// The NetworkManager rule to install (content) or remove (nil).
  public let extra: [(HostPath, String?)]

  /// `sysfs`: the root being persisted into; without `sys/` (an image) no PF can be matched, and
  /// only address selectors can get the NetworkManager rule.
  public static func make(_ state: DesiredState, sysfs: any HostFiles) throws -> OwnersPlan {
    let rulePFs = try NMUnmanagedRule.pfs(in: state, sysfs: sysfs)
    let extra: [(HostPath, String?)] = [(NMUnmanagedRule.path, NMUnmanagedRule.text(for: rulePFs))]
    guard sysfs.exists(SysfsLayout.pciDevices) else { return OwnersPlan(warnings: [], fights: [], extra: extra) }
    let inventory = Inventory(sysfs: sysfs)
    let all = try OwnersReport.gatherPFs(try inventory.physicalFunctionAddresses(), sysfs: sysfs)
    let context = OwnerContext(reader: ConfigFileReader(sysfs: sysfs), pfs: all, modes: UnknownFileModes())
    let report = OwnersReport.build(sysfs: sysfs, pfs: all)
    var warnings: [String] = []
    var fights: [OwnerFinding] = []
    for pf in state.pfs {
      let wanted = Set(SriovctlPersisted.settings(pf).map { family($0.key) }).subtracting(["nm_unmanaged"])
      for device in SriovctlPersisted.resolve(pf.selector, context) {
        // Our own rule is not another owner.
        let others = report.claims(on: device.address).filter { $0.kind != .sriovctl && $0.file != NMUnmanagedRule.path }
        for claim in others {
          let keys = Set(claim.settings.map { family($0.key, vf: claim.vf) })
          let fight = !keys.isDisjoint(with: wanted) && claim.uncertain == nil
          if fight { fights.append(claim) }
          let sets = claim.settings.map(\.description).joined(separator: ", ")
          warnings.append("\(device.address): \(claim.kind.rawValue) \(claim.location) also sets \(claim.vf.map { "vf \($0) " } ?? "")\(sets) \(claim.when)"
            + (claim.uncertain.map { " (if it matches: \($0))" } ?? ""))
        }
      }
    }
    return OwnersPlan(warnings: warnings.map(escaped), fights: fights, extra: extra)
  }

  /// Keys compared for conflicts: every per-VF setting is one family, a VF's driver is `vf_driver`.
  static func family(_ key: String, vf: Int? = nil) -> String {
    if key.hasPrefix("vf.") { return "vf_settings" }
    if vf != nil && key == "driver" { return "vf_driver" }
    return key
  }

  /// The refusal `persist` gives without --force.
  public func refusal() -> SRIOVError? {
    guard let first = fights.first else { return nil }
    let sets = first.settings.map(\.description).joined(separator: ", ")
    let more = fights.count > 1 ? " (and \(fights.count - 1) more)" : ""
    return SRIOVError(first.pf?.description ?? "persist",
      "refusing to install a desired state that fights another owner: \(first.location) (\(first.kind.rawValue)) sets \(escaped(sets))\(more)",
      hint: "hand the PF over to sriovctl first (docs/owners.md), or pass --force to install anyway")
  }
}
