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
}
