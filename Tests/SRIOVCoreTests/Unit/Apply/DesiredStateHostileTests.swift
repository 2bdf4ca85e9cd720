import Foundation
import SRIOVCore
import Testing

// Hostile desired-state files (issue 15, item 4): megabyte inputs stay linear, echoed input is
// cut, escapes take hex digits only, bytes that are not text are refused with line and column.

private let fourMiB = 4 << 20

/// The issue's acceptance bounds these few hostile inputs at 2 s, which the release binary meets
/// with room (0.2-0.6 s, docs/robustness.md). This debug build takes 1-2 s of CPU and more when
/// parallel tests share the caches, so the guard here is 8 s: still far below the minutes the
/// quadratic readers took, so it catches the regression and not the noise (the only timing
/// asserts in the suite). Measured as the CPU time of this thread; wall time is printed beside it.
private func expectFast<T>(_ what: String, _ body: () throws -> T) rethrows -> T {
  func cpuSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
  }
  let clock = ContinuousClock()
  let (start, cpuStart) = (clock.now, cpuSeconds())
  let result = try body()
  let cpu = cpuSeconds() - cpuStart
  print("timing: \(what): \(String(format: "%.3f", cpu)) s CPU, \(clock.now - start) wall")
  #expect(cpu < 8, "\(what) took \(cpu) s of CPU time")
  return result
}

/// What the CLI would print for `error`: the message and the hint.
private func printed(_ error: any Error) -> String {
  switch error {
  case let e as DesiredStateError: e.message + "\n" + (e.hint ?? "")
  case let e as DocumentError: e.description + "\n" + (e.hint ?? "")
  default: String(describing: error)
  }
}

private func parseError(_ bytes: [UInt8], source: String) -> DesiredStateError? {
  do { _ = try DesiredState.parse(bytes: bytes, source: source); return nil } catch {
    return error as? DesiredStateError
  }
}

/// `{"k0000000": 0, ...}` (JSON) or `k0000000: 0` lines (YAML) up to about `size` bytes; keys unique.
private func uniqueKeys(json: Bool, size: Int) -> (bytes: [UInt8], keys: Int) {
  var out: [UInt8] = []
  out.reserveCapacity(size + 64)
  out += Array((json ? "{" : "").utf8)
  var n = 0
  while out.count < size - 32 {
    let key = "k" + String(repeating: "0", count: max(0, 7 - String(n).count)) + String(n)
    out += Array((json ? (n == 0 ? "" : ", ") + "\"\(key)\": 0" : "\(key): 0\n").utf8)
    n += 1
  }
  out += Array((json ? "}" : "").utf8)
  return (out, n)
}

/// A valid desired state whose one PF has a `per_vf` list of about `size` bytes: entries for VFs
/// 0..<65535, one key each, cycling through keys so that no VF gets a key twice.
private func perVFList(json: Bool, size: Int) -> (bytes: [UInt8], entries: Int) {
  let settings = [("trust", "true"), ("spoofchk", "false"), ("vlan", "7"), ("link_state", "\"enable\""), ("max_tx_rate", "100")]
  var out: [UInt8] = []
  out.reserveCapacity(size + 128)
  out += Array((json
    ? #"{"version": 1, "pfs": [{"address": "0000:3b:00.0", "vfs": {"per_vf": ["#
    : "version: 1\npfs:\n  - address: 0000:3b:00.0\n    vfs:\n      per_vf:\n").utf8)
  var n = 0
  while out.count < size - 64 {
    let (key, value) = settings[(n / 65535) % settings.count]
    let vf = n % 65535
    out += Array((json ? (n == 0 ? "" : ", ") + "{\"vf\": \(vf), \"\(key)\": \(value)}" : "        - vf: \(vf)\n          \(key): \(value)\n").utf8)
    n += 1
  }
  out += Array((json ? "]}}]}" : "").utf8)
  return (out, n)
}

@Suite("Desired state: hostile files", .serialized)
struct DesiredStateHostileTests {
  // MARK: linear reading

  @Test("a 4 MiB mapping of unique keys parses in under 2 s; a duplicate at its end is found", arguments: [true, false])
  func fourMiBOfUniqueKeys(json: Bool) throws {
    let (bytes, keys) = uniqueKeys(json: json, size: fourMiB)
    #expect(bytes.count <= fourMiB && bytes.count > fourMiB - 64)
    let root = try expectFast("4 MiB \(json ? "JSON" : "YAML") mapping, \(keys) unique keys") {
      json ? try Document.parseJSON(bytes: bytes, source: "big.json") : try Document.parseYAML(bytes: bytes, source: "big.yaml")
    }
    #expect(root.entries?.count == keys)
    // The schema refuses the first unknown key, after reading the whole file.
    let source = json ? "big.json" : "big.yaml"
    let error = try #require(expectFast("4 MiB \(json ? "JSON" : "YAML") mapping through DesiredState") { parseError(bytes, source: source) })
    #expect(error.message == "\(source):1: field 'k0000000': unknown key 'k0000000'")

    // The same keys with the first repeated last: only a set sees that without comparing every pair.
    var duplicated = bytes
    if json {
      duplicated.removeLast()
      duplicated += Array(#", "k0000000": 1}"#.utf8)
    } else {
      duplicated += Array("k0000000: 1\n".utf8)
    }
    let dup = try #require(expectFast("4 MiB \(json ? "JSON" : "YAML") mapping, duplicate last") { parseError(duplicated, source: source) })
    #expect(dup.message.contains("duplicate key") && dup.message.contains("k0000000"), "\(dup.message)")
    #expect(dup.line == (json ? 1 : keys + 1))
  }

  @Test("a 4 MiB per_vf list is read and checked for conflicts in under 2 s", arguments: [true, false])
  func fourMiBPerVFList(json: Bool) throws {
    let (bytes, entries) = perVFList(json: json, size: fourMiB)
    let source = json ? "vfs.json" : "vfs.yaml"
    let state = try expectFast("4 MiB \(json ? "JSON" : "YAML") per_vf list, \(entries) entries") {
      try DesiredState.parse(bytes: bytes, source: source)
    }
    let pf = try #require(state.pfs.first)
    #expect(pf.perVF.count == entries && entries > 65535)
    // Every VF's settings come from the entries that name it (one lookup per VF, as planning does).
    let merged = expectFast("settings for 65535 VFs") { (0..<65535).map { pf.settings(forVF: $0) } }
    // Entry n is for VF n % 65535 and sets the (n / 65535)-th key of the generator.
    func expected(_ vf: Int) -> VFSettingsRequest {
      let rounds = (entries - vf + 65534) / 65535
      return VFSettingsRequest(vlan: rounds > 2 ? 7 : nil, spoofCheck: rounds > 1 ? false : nil, trust: true,
        linkState: rounds > 3 ? .enable : nil, maxTxRate: rounds > 4 ? 100 : nil)
    }
    let wrong = (0..<65535).filter { merged[$0] != expected($0) }
    #expect(wrong.isEmpty, "VF \(wrong.first ?? -1): \(wrong.first.map { String(describing: merged[$0]) } ?? "")")
    #expect(merged[0].spoofCheck == false)

    // One more entry giving VF 3 a key it already has: refused, naming both entries.
    var conflicting = bytes
    if json {
      conflicting.removeLast(5)
      conflicting += Array(#", {"vf": "2-3", "trust": false}]}}]}"#.utf8)
    } else {
      conflicting += Array("        - vf: \"2-3\"\n          trust: false\n".utf8)
    }
    let error = try #require(expectFast("4 MiB \(json ? "JSON" : "YAML") per_vf list with a conflict at its end") {
      parseError(conflicting, source: source)
    })
    #expect(error.field == "pfs[0].vfs.per_vf[\(entries)].trust")
    #expect(error.problem.hasPrefix("VF 2 gets 'trust' here and from the entry at line "), "\(error.problem)")
  }

  @Test("conflicts are found whatever the order of the entries")
  func conflictsInAnyOrder() throws {
    func problem(_ entries: String) -> String? {
      let text = "version: 1\npfs:\n  - netdev: eth0\n    vfs:\n      per_vf:\n" + entries
      do { _ = try DesiredState.parse(text, source: "c.yaml"); return nil } catch { return (error as? DesiredStateError)?.message }
    }
    #expect(problem("        - {vf: \"0-9\", trust: true}\n        - {vf: 5, vlan: 1}\n        - {vf: \"10-12\", trust: false}\n") == nil)
    // A wide range first, a narrow one inside it later; then the reverse; then a chain where only
    // the first and last entries overlap.
    #expect(problem("        - {vf: \"0-9\", trust: true}\n        - {vf: 7, trust: false}\n")
      == "c.yaml:7: field 'pfs[0].vfs.per_vf[1].trust': VF 7 gets 'trust' here and from the entry at line 6")
    #expect(problem("        - {vf: 7, vlan: 2}\n        - {vf: \"0-9\", vlan: 3}\n")
      == "c.yaml:7: field 'pfs[0].vfs.per_vf[1].vlan': VF 7 gets 'vlan' here and from the entry at line 6")
    #expect(problem("        - {vf: \"0-100\", driver: vfio-pci}\n        - {vf: \"101-200\", trust: true}\n        - {vf: \"150-160\", spoofchk: true}\n        - {vf: \"200-300\", driver: iavf}\n")
      == nil)
    #expect(problem("        - {vf: \"0-100\", mac: \"00:00:00:00:00:00\"}\n        - {vf: \"101-200\", trust: true}\n        - {vf: \"50-60\", vlan: 1}\n        - {vf: \"100-300\", mac: \"00:00:00:00:00:00\"}\n")
      == "c.yaml:9: field 'pfs[0].vfs.per_vf[3].mac': VF 100 gets 'mac' here and from the entry at line 6")
  }

  @Test("driver and settings lookups agree with the entries (index, not a scan)")
  func lookupsByIndex() throws {
    let text = """
      version: 1
      pfs:
        - netdev: eth0
          vfs:
            driver: iavf
            per_vf:
              - {vf: "4-7", driver: vfio-pci, trust: true}
              - {vf: 5, vlan: 10}
              - {vf: "0-3", spoofchk: false}
              - {vf: 9, driver: vfio-pci}
      """
    let pf = try #require(try DesiredState.parse(text, source: "l.yaml").pfs.first)
    #expect((0..<11).map { pf.driver(forVF: $0)?.name } == ["iavf", "iavf", "iavf", "iavf", "vfio-pci", "vfio-pci", "vfio-pci", "vfio-pci", "iavf", "vfio-pci", "iavf"])
    #expect(pf.settings(forVF: 5) == VFSettingsRequest(vlan: 10, trust: true))
    #expect(pf.settings(forVF: 3) == VFSettingsRequest(spoofCheck: false))
    #expect(pf.settings(forVF: 8).isEmpty)
  }

  // MARK: echoed input is cut

  /// Files whose one bad key or value is 4 MiB long (`@` stands for 4 MiB of `fill`), each refused
  /// by a different message that quotes it.
  static let hugeKeyOrValue: [(name: String, template: String, fill: Character)] = [
    ("key.json", #"{"@": 1}"#, "k"),                                       // unknown key
    ("key.yaml", "@: 1\n", "k"),
    ("dup.json", #"{"@": 1, "@": 2}"#, "k"),                                // duplicate key (document)
    ("dup.yaml", "@: 1\n@: 2\n", "k"),
    ("flowdup.yaml", "{@: 1, @: 2}\n", "k"),
    ("colon.json", #"{"@" 1}"#, "k"),                                      // no ':' after the key
    ("colon.yaml", "{\"@\" 1}\n", "k"),
    ("after.yaml", "version: \"1\" @\n", "k"),                             // text after a value
    ("address.yaml", "version: 1\npfs:\n  - address: \"@\"\n", "k"),        // values the schema refuses
    ("vendor.json", #"{"version": 1, "pfs": [{"vendor_device": "@"}]}"#, "k"),
    ("netdev.yaml", "version: 1\npfs:\n  - netdev: @\n", "k"),
    ("number.yaml", "version: 1\npfs:\n  - netdev: @\n", "9"),
    ("count.yaml", "version: 1\npfs:\n  - netdev: eth0\n    vfs:\n      count: 1@\n", "0"),
    ("octal.yaml", "version: 1\npfs:\n  - netdev: eth0\n    vfs:\n      count: 0@\n", "7"),
    ("text.yaml", "version: 1\npfs:\n  - netdev: eth0\n    vfs:\n      count: \"@\"\n", "k"),
    ("bool.yaml", "version: 1\npfs:\n  - netdev: eth0\n    vfs:\n      autoprobe: @\n", "9"),
    ("driver.yaml", "version: 1\npfs:\n  - netdev: eth0\n    vfs:\n      driver: @\n", "k"),
    ("range.yaml", "version: 1\npfs:\n  - netdev: eth0\n    vfs:\n      per_vf:\n        - {vf: \"@\", trust: true}\n", "k"),
    ("proto.yaml", "version: 1\npfs:\n  - netdev: eth0\n    vfs:\n      per_vf:\n        - {vf: 1, vlan_proto: \"@\"}\n", "k"),
    ("link.yaml", "version: 1\npfs:\n  - netdev: eth0\n    vfs:\n      per_vf:\n        - {vf: 1, link_state: @}\n", "k"),
    ("mac.yaml", "version: 1\npfs:\n  - netdev: eth0\n    vfs:\n      per_vf:\n        - {vf: 1, mac: @}\n", "k"),
  ]

  @Test("a 4 MiB key or value gives an error under 1 KB", arguments: hugeKeyOrValue)
  func hugeInputShortError(name: String, template: String, fill: Character) throws {
    let text = template.replacingOccurrences(of: "@", with: String(repeating: fill, count: fourMiB))
    let error = try #require(expectFast("4 MiB key or value (\(name))") { parseError(Array(text.utf8), source: name) }, "\(name) was accepted")
    let shown = printed(error)
    #expect(shown.utf8.count < 1024, "\(name): \(shown.utf8.count) bytes: \(shown.prefix(300))")
    #expect(shown.contains(String(repeating: fill, count: 40) + "..."), "\(name): the input is not shown cut: \(shown.prefix(300))")
  }

  @Test("end to end: apply and persist with a 4 MiB key print under 1 KB and install nothing")
  func hugeKeyThroughTheCLI() throws {
    try withTempCopy(of: "x710-demo") { root in
      let file = (root as NSString).deletingLastPathComponent + "/huge.yaml"
      try Data((String(repeating: "k", count: fourMiB) + ": 1\n").utf8).write(to: URL(fileURLWithPath: file))
      let apply = try runCLI(["apply", "--root", root, "-f", file, "--dry-run"])
      #expect(apply.status == 1)
      #expect(apply.stderr.utf8.count < 1024 && apply.stderr.hasPrefix("Error: \(file):1: field 'kkkk"), "\(apply.stderr.prefix(300))")
      let image = root + "/image"
      try FileManager.default.createDirectory(atPath: image, withIntermediateDirectories: false)
      let persist = try runCLI(["persist", "--root", image, "-f", file])
      #expect(persist.status == 1 && persist.stderr.utf8.count < 1024)
      #expect(try FileManager.default.contentsOfDirectory(atPath: image).isEmpty)
    }
  }

  // MARK: escapes take hex digits only

  @Test("YAML \\x, \\u and \\U escapes take hex digits, never a sign or a space", arguments: [
    #"driver: "\u+076fio-pci""#, #"driver: "\x+7""#, #"driver: "\x-1""#, #"driver: "\U+0000076""#,
    #"driver: "\u 076""#, #"driver: "\u0g76""#, #"driver: "\ud800""#, #"driver: "\U00110000""#,
    #"{"driver": "\u+076fio-pci"}"#,
  ])
  func yamlEscapesAreHexOnly(line: String) throws {
    #expect(throws: DocumentError.self) { try Document.parseYAML(line, source: "e.yaml") }
    do { _ = try Document.parseYAML(line, source: "e.yaml") } catch {
      #expect(error.message.contains("is not a valid escape"), "\(error.message)")
      #expect(error.position == SourcePosition(line: 1, column: line.hasPrefix("{") ? 13 : 10))
    }
  }

  @Test("JSON \\u escapes take hex digits, never a sign", arguments: [#"["\u+076fio-pci"]"#, #"["\u-076"]"#, #"["\u 076"]"#, #"["\u0x76"]"#])
  func jsonEscapesAreHexOnly(text: String) {
    #expect(throws: DocumentError.self) { try Document.parseJSON(text, source: "e.json") }
  }

  @Test("valid escapes still read the character they name")
  func validEscapes() throws {
    let yaml = try Document.parseYAML(#"[ "\x41\u00e9\U0001F600\x7e" ]"#, source: "v.yaml")
    #expect(yaml.elements?.first?.string == "Aé😀~")
    let json = try Document.parseJSON(#"["\u0041\u00E9\ud83d\ude00"]"#, source: "v.json")
    #expect(json.elements?.first?.string == "Aé😀")
    // A signed escape in a driver name is refused by the schema reader too (it was read as vfio-pci).
    let text = "version: 1\npfs:\n  - netdev: eth0\n    vfs:\n      driver: \"\\u+076fio-pci\"\n"
    #expect(throws: DesiredStateError.self) { try DesiredState.parse(text, source: "d.yaml") }
  }

  // MARK: bytes that are not text

  /// Bytes spliced into a valid file, and where (line:column, columns counted in characters) the
  /// reader must say the problem is.
  static let badBytes: [(String, [UInt8], String)] = [
    ("NUL", [0x00], "a NUL byte"),
    ("ESC", [0x1B], "control character U+001B"),
    ("BEL", [0x07], "control character U+0007"),
    ("lone continuation", [0x80], "byte 0x80 cannot start a character"),
    ("0xFF", [0xFF], "byte 0xFF cannot start a character"),
    ("overlong slash", [0xC0, 0xAF], "byte 0xC0 cannot start a character"),
    ("overlong 3-byte", [0xE0, 0x80, 0xAF], "starting with byte 0xE0 is broken by byte 0x80"),
    ("surrogate", [0xED, 0xA0, 0x80], "starting with byte 0xED is broken by byte 0xA0"),
    ("past U+10FFFF", [0xF4, 0x90, 0x80, 0x80], "starting with byte 0xF4 is broken by byte 0x90"),
    ("cut by ASCII", [0xC3, 0x28], "starting with byte 0xC3 is broken by byte 0x28"),
  ]

  @Test("invalid UTF-8, NUL and C0 are refused with line and column, in JSON and YAML", arguments: badBytes)
  func badBytesAreRefused(name: String, bad: [UInt8], expected: String) throws {
    // Line 3; "é" before the bad bytes is one character (two bytes), so the column is 11 in both.
    let yaml = Array("version: 1\npfs:\n  - {n: \"é".utf8) + bad + Array("\"}\n".utf8)
    let json = Array("{\"version\": 1,\n\"pfs\":\n [{\"n\": \"é".utf8) + bad + Array("\"}]}\n".utf8)
    for (bytes, source) in [(yaml, "b.yaml"), (json, "b.json")] {
      let error = try #require(parseError(bytes, source: source), "\(name) accepted in \(source)")
      #expect(error.message.hasPrefix("\(source):3: ") && error.message.contains(expected) && error.message.hasSuffix("(column 11)"),
        "\(name) in \(source): \(error.message)")
      #expect(error.hint?.hasPrefix("save the file as UTF-8 text") == true)
      let parse = { () throws(DocumentError) in
        source.hasSuffix(".json") ? try Document.parseJSON(bytes: bytes, source: source) : try Document.parseYAML(bytes: bytes, source: source)
      }
      #expect(throws: DocumentError.self) { try parse() }
      do { _ = try parse() } catch { #expect(error.position == SourcePosition(line: 3, column: 11), "\(name) in \(source)") }
    }
  }

  @Test("NUL and C0 in decoded text are refused too; tab, CR and LF are fine")
  func controlCharactersInText() throws {
    #expect(throws: DocumentError.self) { try Document.parseYAML("a: b\u{0}\n", source: "t.yaml") }
    #expect(throws: DocumentError.self) { try Document.parseYAML("a: \u{1B}[2J\n", source: "t.yaml") }
    #expect(throws: DocumentError.self) { try Document.parseJSON("{\"a\": 1}\u{0}", source: "t.json") }
    #expect(try Document.parseYAML("a: \"b\tc\"\r\nd: 1 # tab\there\r\n", source: "t.yaml")["d"]?.value == .number("1"))
    #expect(try Document.parseJSON("{\"a\":\t1,\r\n\"b\": 2}", source: "t.json")["b"]?.integer == 2)
    // A byte-order mark is text.
    #expect(try Document.parseYAML(bytes: [0xEF, 0xBB, 0xBF] + Array("a: 1\n".utf8), source: "t.yaml")["a"] != nil)
  }

  @Test("the error on a 4 MiB file of NULs says line 1, column 1 and stays short")
  func nulFile() throws {
    let error = try #require(parseError([UInt8](repeating: 0, count: fourMiB), source: "zero.yaml"))
    #expect(error.message == "zero.yaml:1: a NUL byte at byte offset 0; of the control characters, only tab, line feed and carriage return may appear (column 1)")
  }

  @Test("persist refuses a file with invalid UTF-8 or a NUL and installs nothing", arguments: [[UInt8(0xFF)], [UInt8(0x00)]])
  func persistRefusesBadBytes(bad: [UInt8]) throws {
    try withTempCopy(of: "x710-demo") { root in
      let file = (root as NSString).deletingLastPathComponent + "/bad.yaml"
      let bytes = Array("version: 1\npfs:\n  - {netdev: enp59s0f0, vfs: {driver: \"iavf".utf8) + bad + Array("\"}}\n".utf8)
      try Data(bytes).write(to: URL(fileURLWithPath: file))
      let image = root + "/image"
      try FileManager.default.createDirectory(atPath: image, withIntermediateDirectories: false)
      let r = try runCLI(["persist", "--root", image, "-f", file])
      #expect(r.status == 1)
      #expect(r.stderr.hasPrefix("Error: \(file):3: "), "\(r.stderr)")
      let column = "  - {netdev: enp59s0f0, vfs: {driver: \"iavf".count + 1
      #expect(r.stderr.contains("(column \(column))\nhint: save the file as UTF-8 text"), "\(r.stderr)")
      #expect(try FileManager.default.contentsOfDirectory(atPath: image).isEmpty)
    }
  }

  // MARK: the size cap

  @Test("a file over DesiredState.maxFileBytes is refused before it is parsed")
  func sizeCap() throws {
    #expect(DesiredState.maxFileBytes == 16 << 20)
    var bytes = Array(#"{"version": 1, "pfs": []}"#.utf8)
    bytes += [UInt8](repeating: UInt8(ascii: " "), count: DesiredState.maxFileBytes - bytes.count)
    #expect(try DesiredState.parse(bytes: bytes, source: "cap.json").pfs.isEmpty)
    bytes.append(UInt8(ascii: " "))
    let error = try #require(parseError(bytes, source: "cap.json"))
    #expect(error.message == "cap.json:1: the file has 16777217 bytes, more than the 16 MiB a desired-state file may have")
  }
}
