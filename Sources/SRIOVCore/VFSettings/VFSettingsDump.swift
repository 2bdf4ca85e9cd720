/// The stored form of VF settings in a capture (`ROOT/sriovctl/vf-settings.json`): what rtnetlink
/// reported for each PF netdev, written with the repo's JSON writer and read with the strict reader.
///
/// ```
/// {"schema_version": 1, "pfs": [{"netdev": "enp59s0f0", "num_vfs": 4,
///   "vfs": [{"vf": 0, "settings": {"mac": "02:00:00:00:00:01", ..., "query_rss": null}}]}]}
/// ```
public enum VFSettingsDump {
  public static func encode(_ dump: [String: PFVFSettings]) -> String {
    let pfs: [JSON] = dump.keys.sorted().map { name in
      let pf = dump[name]!
      let vfs: [JSON] = pf.vfs.keys.sorted().map { index in
        .object([("vf", .int(index)), ("settings", VFSettingsView.json(pf.vfs[index]!))])
      }
      return .object([("netdev", .string(name)), ("num_vfs", .int(pf.numVFs)), ("vfs", .array(vfs))])
    }
    return JSON.document([("pfs", .array(pfs))]).rendered()
  }

  /// Errors name the file, line and column of the offending value.
  public static func decode(_ text: String, source: String) throws(SRIOVError) -> [String: PFVFSettings] {
    let fail = { (node: DocumentNode, problem: String) -> SRIOVError in
      SRIOVError("\(source):\(node.position)", problem,
        hint: "the stored VF settings are damaged; capture the host again or remove the file")
    }
    let root: DocumentNode
    do {
      root = try Document.parseJSON(text, source: source)
    } catch {
      throw SRIOVError("\(error)", "cannot read the stored VF settings",
        hint: "the stored VF settings are damaged; capture the host again or remove the file")
    }
    guard root["schema_version"]?.integer == 1 else { throw fail(root, "expected \"schema_version\": 1") }
    guard let pfs = root["pfs"]?.elements else { throw fail(root, "expected \"pfs\": a list") }
    var dump: [String: PFVFSettings] = [:]
    for pf in pfs {
      guard let name = pf["netdev"]?.string, (try? NetdevName(parsing: name)) != nil else {
        throw fail(pf["netdev"] ?? pf, "expected \"netdev\": an interface name")
      }
      guard let numVFs = pf["num_vfs"]?.integer, numVFs >= 0 else { throw fail(pf["num_vfs"] ?? pf, "expected \"num_vfs\": a count") }
      guard let vfs = pf["vfs"]?.elements else { throw fail(pf["vfs"] ?? pf, "expected \"vfs\": a list") }
      var settings: [Int: VFSettings] = [:]
      for vf in vfs {
        guard let index = vf["vf"]?.integer, index >= 0 else { throw fail(vf["vf"] ?? vf, "expected \"vf\": a VF index") }
        guard let node = vf["settings"], node.entries != nil else { throw fail(vf["settings"] ?? vf, "expected \"settings\": a mapping") }
        settings[index] = try decodeSettings(node, fail: fail)
      }
      dump[name] = PFVFSettings(numVFs: numVFs, vfs: settings)
    }
    return dump
  }

  /// A missing or `null` key is unknown; a value of the wrong kind is an error.
  private static func decodeSettings(
    _ node: DocumentNode, fail: (DocumentNode, String) -> SRIOVError
  ) throws(SRIOVError) -> VFSettings {
    func field<T>(_ key: String, _ what: String, _ convert: (DocumentNode) -> T?) throws(SRIOVError) -> T? {
      guard let value = node[key], !value.isNull else { return nil }
      guard let converted = convert(value) else { throw fail(value, "\"\(key)\" must be \(what), not \(value.kindDescription)") }
      return converted
    }
    let count = { (n: DocumentNode) -> Int? in n.integer.flatMap { $0 >= 0 ? $0 : nil } }
    return VFSettings(
      mac: try field("mac", "a MAC address") { n in n.string.flatMap { try? MACAddress(parsingAny: $0) } },
      vlan: try field("vlan", "a VLAN ID", count),
      qos: try field("qos", "a QoS value", count),
      vlanProtocol: try field("vlan_proto", "802.1Q or 802.1ad") { n in n.string.flatMap(VLANProtocol.init(rawValue:)) },
      spoofCheck: try field("spoofchk", "a boolean") { $0.bool },
      trust: try field("trust", "a boolean") { $0.bool },
      linkState: try field("link_state", "auto, enable or disable") { n in n.string.flatMap(VFLinkState.init(rawValue:)) },
      minTxRate: try field("min_tx_rate", "a rate in Mbps", count),
      maxTxRate: try field("max_tx_rate", "a rate in Mbps", count),
      queryRSS: try field("query_rss", "a boolean") { $0.bool })
  }
}

extension MACAddress {
  /// Any six hex pairs, multicast included: what a kernel reported, not what a user asks for.
  init(parsingAny text: String) throws(ParseError) {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    let bytes = parts.compactMap { part -> UInt8? in part.count == 2 ? Hex.parse(part, as: UInt8.self, allowPrefix: false) : nil }
    guard parts.count == 6, bytes.count == 6 else {
      throw ParseError(input: text, what: "a MAC address", expected: "six hex pairs like 02:00:00:00:00:01")
    }
    self.init(bytes: bytes)!
  }
}
