/// A desired-state file that does not say what it must: `FILE:LINE: field 'pfs[0].vfs.count': ...`.
public struct DesiredStateError: UserFacingError, Sendable, Equatable {
  public let source: String
  public let line: Int
  /// The field's path (`pfs[0].vfs.count`); empty for the file as a whole.
  public let field: String
  public let problem: String
  public let hint: String?

  public init(source: String, line: Int, field: String, problem: String, hint: String? = nil) {
    self.source = source
    self.line = line
    self.field = field
    self.problem = problem
    self.hint = hint
  }

  public var message: String {
    field.isEmpty ? "\(source):\(line): \(problem)" : "\(source):\(line): field '\(field)': \(problem)"
  }
}

/// How a desired-state entry names its PF.
public enum PFSelector: Hashable, Sendable, CustomStringConvertible {
  case address(PCIAddress)
  case netdev(NetdevName)
  /// The `index`-th (0-based, in PCI address order) SR-IOV PF with these IDs; nil: exactly one must match.
  case vendorDevice(vendor: PCIID, device: PCIID, index: Int?)

  public var description: String {
    switch self {
    case .address(let a): "address \(a)"
    case .netdev(let n): "netdev \(n)"
    case .vendorDevice(let v, let d, let index): "vendor_device \(v):\(d)" + (index.map { " index \($0)" } ?? "")
    }
  }
}

/// VF indexes `lower...upper`, written `3` or `0-3` in the file.
public struct VFRange: Hashable, Sendable, CustomStringConvertible {
  public let lower: Int
  public let upper: Int

  public init(_ lower: Int, _ upper: Int) {
    self.lower = lower
    self.upper = upper
  }

  public func contains(_ index: Int) -> Bool { index >= lower && index <= upper }
  public func overlaps(_ other: VFRange) -> Bool { lower <= other.upper && other.lower <= upper }
  public var description: String { lower == upper ? String(lower) : "\(lower)-\(upper)" }
}

/// One `per_vf` entry: a driver and/or settings for a VF or a range of VFs.
public struct DesiredVFEntry: Sendable, Equatable {
  public let range: VFRange
  public let driver: DriverName?
  public let settings: VFSettingsRequest
  public let line: Int
  public let field: String
  /// Which keys the entry sets (for conflict messages).
  let keys: [String]
}

/// What one PF should look like. Fields left out are left as they are.
public struct DesiredPF: Sendable, Equatable {
  public let selector: PFSelector
  public let line: Int
  /// `pfs[N]`, for messages.
  public let field: String
  public let count: Int?
  public let autoprobe: Bool?
  /// The driver every VF should use, unless a `per_vf` entry says otherwise.
  public let driver: DriverName?
  public let perVF: [DesiredVFEntry]
  /// Which entry sets which key for which VFs, so that a lookup per VF does not scan every entry.
  let index: PerVFIndex

  init(selector: PFSelector, line: Int, field: String, count: Int?, autoprobe: Bool?, driver: DriverName?,
       perVF: [DesiredVFEntry], index: PerVFIndex) {
    self.selector = selector
    self.line = line
    self.field = field
    self.count = count
    self.autoprobe = autoprobe
    self.driver = driver
    self.perVF = perVF
    self.index = index
  }
  /// `eswitch: {mode, inline_mode, encap_mode}`; nil leaves the eSwitch as it is.
  public var eswitch: EswitchTarget? = nil
  /// `vfs.networkmanager: unmanaged`: persist installs a udev rule that keeps NetworkManager off
  /// this PF's VF interfaces (see docs/owners.md). false: leave NetworkManager as it is.
  public var networkManagerUnmanaged: Bool = false

  /// The driver VF `index` should use, nil when the file does not say.
  public func driver(forVF vf: Int) -> DriverName? {
    index.entry(setting: "driver", forVF: vf).flatMap { perVF[$0].driver } ?? driver
  }

  /// The settings VF `index` should have (entries never set the same key twice for one VF).
  public func settings(forVF vf: Int) -> VFSettingsRequest {
    func from(_ key: String) -> VFSettingsRequest? { index.entry(setting: key, forVF: vf).map { perVF[$0].settings } }
    var merged = VFSettingsRequest()
    merged.mac = from("mac")?.mac
    merged.vlan = from("vlan")?.vlan
    merged.qos = from("qos")?.qos
    merged.vlanProtocol = from("vlan_proto")?.vlanProtocol
    merged.spoofCheck = from("spoofchk")?.spoofCheck
    merged.trust = from("trust")?.trust
    merged.linkState = from("link_state")?.linkState
    merged.minTxRate = from("min_tx_rate")?.minTxRate
    merged.maxTxRate = from("max_tx_rate")?.maxTxRate
    return merged
  }

  /// The highest VF index a `per_vf` entry names, nil without entries.
  public var highestVFIndex: Int? { perVF.map(\.range.upper).max() }

  public var wantsSettings: Bool { perVF.contains { !$0.settings.isEmpty } }
}

/// A desired-state file (version 1): which PFs, how many VFs, which drivers, which VF settings.
public struct DesiredState: Sendable, Equatable {
  public let source: String
  public let pfs: [DesiredPF]

  public static let version = 1

  /// The largest desired-state file sriovctl reads, in bytes (16 MiB): far above any real file
  /// (every setting for each of 4096 VFs is about 1.2 MiB of block YAML) and small enough that a
  /// wrong file (an image, a device) is refused before it fills memory. Whoever reads `-f FILE` reads at most this
  /// many bytes plus one, to tell "too large" from "exactly the cap".
  public static let maxFileBytes = 16 << 20

  /// Parses and checks the file's bytes (JSON when `source` ends in `.json`, else YAML). The bytes
  /// must be UTF-8 text without NUL or other C0 control characters but tab, LF and CR; that is
  /// checked before anything is decoded. `source` names the file in messages. Errors say the line
  /// and the field; nothing is read from the host here (selectors are resolved when planning).
  public static func parse(bytes: [UInt8], source: String) throws -> DesiredState {
    try checkSize(bytes.count, source: source)
    let isJSON = isJSONFile(source)
    return try read(source: source) { () throws(DocumentError) in
      isJSON ? try Document.parseJSON(bytes: bytes, source: source) : try Document.parseYAML(bytes: bytes, source: source)
    }
  }

  /// The same for text already decoded (tests, and callers that hold a `String`).
  public static func parse(_ text: String, source: String) throws -> DesiredState {
    try checkSize(text.utf8.count, source: source)
    let isJSON = isJSONFile(source)
    return try read(source: source) { () throws(DocumentError) in
      isJSON ? try Document.parseJSON(text, source: source) : try Document.parseYAML(text, source: source)
    }
  }

  /// `.json` files get the strict JSON reader; YAML files may hold JSON too (flow style).
  private static func isJSONFile(_ source: String) -> Bool { source.lowercased().hasSuffix(".json") }

  private static func checkSize(_ count: Int, source: String) throws {
    guard count <= maxFileBytes else {
      throw DesiredStateError(source: source, line: 1, field: "",
        problem: "the file has \(count) bytes, more than the \(maxFileBytes >> 20) MiB a desired-state file may have",
        hint: "is it the right file? Every setting for each of 4096 VFs is about 1.2 MiB of YAML")
    }
  }

  private static func read(source: String, _ parseDocument: () throws(DocumentError) -> DocumentNode) throws -> DesiredState {
    let root: DocumentNode
    do { root = try parseDocument() } catch {
      throw DesiredStateError(source: source, line: error.position.line, field: "",
        problem: "\(error.message) (column \(error.position.column))",
        hint: error.hint ?? "the file is YAML (a block subset) or JSON; see docs/apply.md")
    }
    return try DesiredStateReader(source: source).read(root)
  }
}

/// For each key a `per_vf` entry can set, the entries that set it as VF ranges sorted by their
/// first VF. Built once per PF in O(n log n): conflicts are found in one sweep per key instead of
/// comparing every pair of entries, and a VF's entry is a binary search. (Not one slot per VF: a
/// range like "0-65534" would make that proportional to VF numbers, not to the file.)
struct PerVFIndex: Sendable, Equatable {
  struct Span: Sendable, Equatable {
    let range: VFRange
    /// The entry's position in `per_vf`.
    let entry: Int
  }

  /// Two entries that set `key` for the same VF (`earlier` and `later` in file order).
  struct Conflict {
    let key: String
    let vf: Int
    let earlier: Int
    let later: Int
  }

  private var spans: [String: [Span]] = [:]

  init(_ entries: [DesiredVFEntry]) {
    for (position, entry) in entries.enumerated() {
      for key in entry.keys { spans[key, default: []].append(Span(range: entry.range, entry: position)) }
    }
    for key in spans.keys {
      spans[key]!.sort { $0.range.lower < $1.range.lower || ($0.range.lower == $1.range.lower && $0.entry < $1.entry) }
    }
  }

  /// An overlap, or nil when every key's ranges are disjoint. Deterministic: of the overlaps the
  /// sweeps find, the one whose later entry comes first in the file (keys in `order` break ties).
  func firstConflict(keyOrder order: [String]) -> Conflict? {
    var best: Conflict? = nil
    for key in order {
      guard let list = spans[key] else { continue }
      // Sorted by first VF: a span overlaps an earlier one iff it starts before the furthest end so far.
      var reach: Span? = nil
      for span in list {
        if let r = reach, span.range.lower <= r.range.upper {
          let found = Conflict(key: key, vf: span.range.lower, earlier: min(r.entry, span.entry), later: max(r.entry, span.entry))
          if best == nil || found.later < best!.later { best = found }
        }
        if reach == nil || span.range.upper > reach!.range.upper { reach = span }
      }
    }
    return best
  }

  /// The entry that sets `key` for VF `vf` (ranges of one key are disjoint once conflicts are refused).
  func entry(setting key: String, forVF vf: Int) -> Int? {
    guard let list = spans[key] else { return nil }
    // The last span starting at or before `vf`.
    var low = 0
    var high = list.count
    while low < high {
      let middle = (low + high) / 2
      if list[middle].range.lower <= vf { low = middle + 1 } else { high = middle }
    }
    guard low > 0, list[low - 1].range.upper >= vf else { return nil }
    return list[low - 1].entry
  }
}

/// Reads the schema off a parsed tree, field by field, with the field's own type rules.
struct DesiredStateReader {
  let source: String

  static let topKeys = ["version", "pfs"]
  static let pfKeys = ["address", "netdev", "vendor_device", "index", "vfs", "eswitch"]
  static let vfsKeys = ["count", "autoprobe", "driver", "per_vf", "networkmanager"]
  static let entryKeys = ["vf", "driver", "mac", "vlan", "qos", "vlan_proto", "spoofchk", "trust", "link_state",
                          "min_tx_rate", "max_tx_rate"]
  /// The largest VF count the kernel's SR-IOV capability can express.
  static let maxVFs = 65535

  func read(_ root: DocumentNode) throws -> DesiredState {
    if root.isNull {
      throw fail(root, "", "the file is empty", hint: "start with 'version: 1' and a 'pfs:' list; see docs/apply.md")
    }
    let top = try mapping(root, "", keys: Self.topKeys)
    guard let versionNode = top["version"] else {
      throw fail(root, "version", "missing", hint: "add 'version: \(DesiredState.version)' at the top")
    }
    let version = try integer(versionNode, "version", 0...Int.max)
    guard version == DesiredState.version else {
      throw fail(versionNode, "version", "version \(version) is not supported (this sriovctl reads version \(DesiredState.version))",
        hint: "upgrade sriovctl, or write the file for version \(DesiredState.version)")
    }
    guard let pfsNode = top["pfs"] else {
      throw fail(root, "pfs", "missing", hint: "add a 'pfs:' list with one entry per PF")
    }
    guard let items = pfsNode.elements else { throw typeError(pfsNode, "pfs", expected: "a list of PF entries") }
    var pfs: [DesiredPF] = []
    for (i, item) in items.enumerated() { pfs.append(try readPF(item, "pfs[\(i)]")) }
    return DesiredState(source: source, pfs: pfs)
  }

  func readPF(_ node: DocumentNode, _ field: String) throws -> DesiredPF {
    let keys = try mapping(node, field, keys: Self.pfKeys)
    let named: [String] = ["address", "netdev", "vendor_device"].filter { keys[$0] != nil }
    guard named.count == 1 else {
      let problem = named.isEmpty ? "names no PF" : "names its PF in \(named.count) ways (\(named.joined(separator: ", ")))"
      throw fail(node, field, problem, hint: "give exactly one of 'address', 'netdev' or 'vendor_device' (with 'index' when several match)")
    }
    if keys["index"] != nil && named[0] != "vendor_device" {
      throw fail(keys["index"]!, field + ".index", "'index' only goes with 'vendor_device'",
        hint: "remove it: an address or a netdev names one PF")
    }
    let selector: PFSelector
    switch named[0] {
    case "address":
      let text = try string(keys["address"]!, field + ".address")
      guard let address = PCIAddress(strict: text) else {
        throw fail(keys["address"]!, field + ".address", "'\(Document.echo(text))' is not a PCI address", hint: "write it like \"0000:3b:00.0\" or \"3b:00.0\"")
      }
      selector = .address(address)
    case "netdev":
      let text = try string(keys["netdev"]!, field + ".netdev")
      do { selector = .netdev(try NetdevName(parsing: text)) } catch {
        throw fail(keys["netdev"]!, field + ".netdev", error.description)
      }
    default:
      let node = keys["vendor_device"]!
      let text = try string(node, field + ".vendor_device")
      let parts = text.split(separator: ":", omittingEmptySubsequences: false)
      let ids: [PCIID] = parts.compactMap { part in part.count == 4 ? (try? PCIID(parsing: String(part))) : nil }
      guard parts.count == 2, ids.count == 2 else {
        throw fail(node, field + ".vendor_device", "'\(Document.echo(text))' is not a vendor:device pair",
          hint: "write four hex digits each, quoted, as lspci -n shows them: \"8086:1572\"")
      }
      let index = try keys["index"].map { n throws in try integer(n, field + ".index", 0...Int.max) }
      selector = .vendorDevice(vendor: ids[0], device: ids[1], index: index)
    }
    var count: Int? = nil
    var autoprobe: Bool? = nil
    var driver: DriverName? = nil
    var perVF: [DesiredVFEntry] = []
    var unmanaged = false
    if let vfsNode = keys["vfs"] {
      let vfsField = field + ".vfs"
      let vfs = try mapping(vfsNode, vfsField, keys: Self.vfsKeys)
      count = try vfs["count"].map { n throws in try integer(n, vfsField + ".count", 0...Self.maxVFs) }
      autoprobe = try vfs["autoprobe"].map { n throws in try bool(n, vfsField + ".autoprobe") }
      driver = try vfs["driver"].map { n throws in try driverName(n, vfsField + ".driver") }
      if let n = vfs["networkmanager"] {
        guard try string(n, vfsField + ".networkmanager") == "unmanaged" else {
          throw fail(n, vfsField + ".networkmanager", "'\(n.scalarText ?? "")' is not a NetworkManager policy",
            hint: "write 'unmanaged' (keep NetworkManager off this PF's VFs), or remove the key to leave NetworkManager as it is")
        }
        unmanaged = true
      }
      if let listNode = vfs["per_vf"] {
        guard let items = listNode.elements else {
          throw typeError(listNode, vfsField + ".per_vf", expected: "a list of entries like '- vf: 0'")
        }
        for (i, item) in items.enumerated() { perVF.append(try readEntry(item, "\(vfsField).per_vf[\(i)]")) }
      }
      if let count {
        for entry in perVF where entry.range.upper >= count {
          throw DesiredStateError(source: source, line: entry.line, field: entry.field + ".vf",
            problem: "VF \(entry.range.upper) does not exist with count \(count) (VFs are numbered 0 to \(count - 1))",
            hint: count == 0 ? "remove the entry, or raise the count" : "use indexes below \(count), or raise the count")
        }
      }
    }
    let index = PerVFIndex(perVF)
    try checkConflicts(perVF, index)
    var pf = DesiredPF(selector: selector, line: node.position.line, field: field, count: count, autoprobe: autoprobe,
      driver: driver, perVF: perVF, index: index)
    pf.eswitch = try readEswitch(keys["eswitch"], field)
    pf.networkManagerUnmanaged = unmanaged
    return pf
  }

  func readEntry(_ node: DocumentNode, _ field: String) throws -> DesiredVFEntry {
    let keys = try mapping(node, field, keys: Self.entryKeys)
    guard let vfNode = keys["vf"] else {
      throw fail(node, field + ".vf", "missing", hint: "say which VFs the entry is for: 'vf: 2' or 'vf: \"0-3\"'")
    }
    let range = try vfRange(vfNode, field + ".vf")
    var s = VFSettingsRequest()
    if let n = keys["mac"] {
      let text = try string(n, field + ".mac")
      do { s.mac = try MACAddress(parsing: text) } catch { throw fail(n, field + ".mac", error.description) }
      if range.lower != range.upper, let mac = s.mac, !mac.isZero {
        throw fail(n, field + ".mac", "one MAC address for \(range.upper - range.lower + 1) VFs (\(range))",
          hint: "give each VF its own entry with its own MAC (00:00:00:00:00:00 clears them all)")
      }
    }
    s.vlan = try keys["vlan"].map { n throws in try integer(n, field + ".vlan", 0...4095) }
    s.qos = try keys["qos"].map { n throws in try integer(n, field + ".qos", 0...7) }
    if let n = keys["vlan_proto"] {
      let text = try string(n, field + ".vlan_proto")
      guard let proto = VLANProtocol.allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() }) else {
        throw fail(n, field + ".vlan_proto", "'\(Document.echo(text))' is not a VLAN protocol", hint: "write \"802.1Q\" or \"802.1ad\"")
      }
      s.vlanProtocol = proto
    }
    s.spoofCheck = try keys["spoofchk"].map { n throws in try bool(n, field + ".spoofchk") }
    s.trust = try keys["trust"].map { n throws in try bool(n, field + ".trust") }
    if let n = keys["link_state"] {
      let text = try string(n, field + ".link_state")
      guard let state = VFLinkState(rawValue: text) else {
        throw fail(n, field + ".link_state", "'\(Document.echo(text))' is not a link state", hint: "write auto, enable or disable")
      }
      s.linkState = state
    }
    s.minTxRate = try keys["min_tx_rate"].map { n throws in try integer(n, field + ".min_tx_rate", 0...Int(Int32.max)) }
    s.maxTxRate = try keys["max_tx_rate"].map { n throws in try integer(n, field + ".max_tx_rate", 0...Int(Int32.max)) }
    if let min = s.minTxRate, let max = s.maxTxRate, max != 0, min > max {
      throw fail(keys["min_tx_rate"]!, field + ".min_tx_rate", "\(min) Mbps is above max_tx_rate \(max) Mbps",
        hint: "the minimum rate must not exceed the maximum (0 means no limit)")
    }
    let driver = try keys["driver"].map { n throws in try driverName(n, field + ".driver") }
    let setKeys = keys.keys.filter { $0 != "vf" }.sorted()
    if setKeys.isEmpty {
      throw fail(node, field, "sets nothing for VF \(range)", hint: "add a driver or a setting (mac, vlan, trust, ...), or remove the entry")
    }
    return DesiredVFEntry(range: range, driver: driver, settings: s, line: node.position.line, field: field, keys: setKeys)
  }

  /// Two entries that set the same key for the same VF are an error: the file would depend on order.
  func checkConflicts(_ entries: [DesiredVFEntry], _ index: PerVFIndex) throws {
    guard let conflict = index.firstConflict(keyOrder: Self.entryKeys) else { return }
    let (a, b) = (entries[conflict.earlier], entries[conflict.later])
    throw DesiredStateError(source: source, line: b.line, field: "\(b.field).\(conflict.key)",
      problem: "VF \(conflict.vf) gets '\(conflict.key)' here and from the entry at line \(a.line)",
      hint: "set each key once per VF: split the ranges so they do not overlap")
  }

  // MARK: typed readers

  /// The fields of a mapping once every key is known: at most as many as the schema allows (the
  /// document reader refused duplicates), so a lookup is a short scan, cheaper than hashing.
  struct Fields {
    let keys: [String]
    let values: [DocumentNode]

    subscript(key: String) -> DocumentNode? {
      var i = 0
      while i < keys.count {
        if keys[i] == key { return values[i] }
        i += 1
      }
      return nil
    }
  }

  /// The entries of a mapping, refusing keys not in `keys` (a typo must not be silently ignored).
  func mapping(_ node: DocumentNode, _ field: String, keys allowed: [String]) throws -> Fields {
    guard let entries = node.entries else { throw typeError(node, field, expected: "a mapping (key: value lines)") }
    var keys: [String] = []
    var values: [DocumentNode] = []
    keys.reserveCapacity(entries.count)
    values.reserveCapacity(entries.count)
    for entry in entries {
      keys.append(entry.key)
      values.append(entry.value)
      var known = false
      for name in allowed where name == entry.key { known = true }
      guard known else {
        let key = Document.echo(entry.key)
        let path = field.isEmpty ? key : "\(field).\(key)"
        throw DesiredStateError(source: source, line: entry.keyPosition.line, field: path, problem: "unknown key '\(key)'",
          hint: "expected one of: \(allowed.joined(separator: ", "))")
      }
    }
    return Fields(keys: keys, values: values)
  }

  func integer(_ node: DocumentNode, _ field: String, _ range: ClosedRange<Int>) throws -> Int {
    switch node.value {
    case .number(let literal):
      guard let value = node.integer else {
        throw fail(node, field, "'\(Document.echo(literal))' is not a plain whole number", hint: Self.numberHint(literal))
      }
      guard range.contains(value) else {
        let bounds = range.upperBound == Int.max ? "\(range.lowerBound) or more" : "from \(range.lowerBound) to \(range.upperBound)"
        throw fail(node, field, "\(value) is out of range (\(bounds))")
      }
      return value
    case .string(let text):
      let hint: String
      if Int(text) != nil {
        hint = "write the number without quotes"
      } else if text.contains(":") && text.allSatisfy({ $0.isNumber || $0 == ":" }) {
        hint = "YAML 1.1 reads '\(Document.echo(text))' as a base-60 number; write the plain decimal number you mean"
      } else {
        hint = "write a decimal number, e.g. 10"
      }
      throw fail(node, field, "expected a whole number, found the text '\(Document.echo(text))'", hint: hint)
    default:
      throw typeError(node, field, expected: "a whole number")
    }
  }

  static func numberHint(_ literal: String) -> String {
    let digits = literal.hasPrefix("-") || literal.hasPrefix("+") ? String(literal.dropFirst()) : literal
    if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
      return "hexadecimal is not accepted here; write the decimal value"
    }
    if digits.hasPrefix("0o") || digits.hasPrefix("0b") { return "write the decimal value" }
    if digits.utf8.count > 1 && digits.hasPrefix("0") && digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
      let trimmed = String(digits.drop { $0 == "0" })
      return "a leading zero is ambiguous (YAML 1.1 reads it as octal): write \(trimmed.isEmpty ? "0" : Document.echo(trimmed)), or quote it if you mean text"
    }
    if digits.contains("_") { return "write the number without '_' separators" }
    if literal.hasPrefix("+") { return "write the number without '+'" }
    return "write a whole decimal number, e.g. 10"
  }

  func bool(_ node: DocumentNode, _ field: String) throws -> Bool {
    if let value = node.bool { return value }
    let lookalikes = ["yes", "no", "on", "off", "y", "n"]
    if let text = node.string, lookalikes.contains(text.lowercased()) {
      throw fail(node, field, "'\(Document.echo(text))' is not a boolean here (YAML 1.1 would have read it as one)", hint: "write true or false")
    }
    if case .number(let literal) = node.value {
      throw fail(node, field, "expected true or false, found the number \(Document.echo(literal))", hint: "write true or false")
    }
    throw typeError(node, field, expected: "true or false")
  }

  func string(_ node: DocumentNode, _ field: String) throws -> String {
    if let text = node.string { return text }
    switch node.value {
    case .number(let literal):
      throw fail(node, field, "expected text, found the number \(Document.echo(literal))", hint: "quote it: \"\(Document.echo(literal))\"")
    case .bool(let flag):
      throw fail(node, field, "expected text, found the boolean \(flag)", hint: "quote it: \"\(flag)\"")
    default:
      throw typeError(node, field, expected: "text")
    }
  }

  func driverName(_ node: DocumentNode, _ field: String) throws -> DriverName {
    let text = try string(node, field)
    do { return try DriverName(parsing: text) } catch { throw fail(node, field, error.description) }
  }

  /// `3`, or `"0-3"` (a range, both ends included).
  func vfRange(_ node: DocumentNode, _ field: String) throws -> VFRange {
    if case .number = node.value {
      let index = try integer(node, field, 0...(Self.maxVFs - 1))
      return VFRange(index, index)
    }
    guard let text = node.string else { throw typeError(node, field, expected: "a VF index (2) or a range (\"0-3\")") }
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    let bounds: [Int] = parts.compactMap { part in
      part.allSatisfy(\.isNumber) && !part.isEmpty && (part == "0" || part.first != "0") ? Int(part) : nil
    }
    guard parts.count == 2, bounds.count == 2, bounds[0] <= bounds[1], bounds[1] < Self.maxVFs else {
      throw fail(node, field, "'\(Document.echo(text))' is not a VF index or range", hint: "write an index (2) or a range with the low end first (\"0-3\")")
    }
    return VFRange(bounds[0], bounds[1])
  }

  func typeError(_ node: DocumentNode, _ field: String, expected: String) -> DesiredStateError {
    fail(node, field, "expected \(expected), found \(node.kindDescription)")
  }

  func fail(_ node: DocumentNode, _ field: String, _ problem: String, hint: String? = nil) -> DesiredStateError {
    DesiredStateError(source: source, line: node.position.line, field: field, problem: problem, hint: hint)
  }
}
