/// How `virtfn` links that are not VFs print (issue 15): `extra_virtfn_links` in `list` and `show`
/// JSON, a note under their text.
enum VFLinkView {
  /// `[{"index": 7, "address": "0000:3b:02.7"}]`; null for a function that is not a PF.
  static func extraLinksJSON(_ state: SRIOVState?) -> JSON {
    guard let state else { return .null }
    return .array(state.extraVFLinks.map { link in
      .object([("index", .int(link.index)), ("address", .string(link.address.description))])
    })
  }

  /// The text note for `virtfn` links that do not match `sriov_numvfs`; nil when they match.
  static func note(_ state: SRIOVState?, pf: PCIAddress) -> String? {
    guard let state else { return nil }
    var parts: [String] = []
    if state.missingVFCount > 0 { parts.append("sriov_numvfs is \(state.numVFs) but only \(state.vfs.count) virtfn links exist") }
    if !state.extraVFLinks.isEmpty {
      let links: String = state.extraVFLinks.map { "virtfn\($0.index) -> \($0.address)" }.joined(separator: ", ")
      parts.append("virtfn links beyond sriov_numvfs \(state.numVFs), not listed as VFs: \(links)")
    }
    return parts.isEmpty ? nil : "note: \(pf): " + parts.joined(separator: "; ")
  }
}
