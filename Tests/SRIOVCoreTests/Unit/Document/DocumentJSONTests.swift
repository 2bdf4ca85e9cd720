import SRIOVCore
import Testing

@Suite("Document: strict JSON reader")
struct DocumentJSONTests {
  @Test("values, nesting, order and positions")
  func parsesValuesWithPositions() throws {
    let text = """
      {
        "version": 1,
        "pfs": [
          {"netdev": "enp59s0f0", "vfs": 8, "trust": true, "mac": null, "rate": -2.5e3}
        ]
      }
      """
    let root = try Document.parseJSON(text, source: "host.json")
    #expect(root.position == SourcePosition(line: 1, column: 1))
    #expect(root.entries?.map(\.key) == ["version", "pfs"])
    #expect(root["version"]?.integer == 1)
    let pf = try #require(root["pfs"]?.elements?.first)
    #expect(pf.position == SourcePosition(line: 4, column: 5))
    #expect(pf.entries?.map(\.key) == ["netdev", "vfs", "trust", "mac", "rate"])
    #expect(pf["netdev"]?.string == "enp59s0f0")
    #expect(pf["vfs"]?.position == SourcePosition(line: 4, column: 36))
    #expect(pf.entries?[1].keyPosition == SourcePosition(line: 4, column: 29))
    #expect(pf["trust"]?.bool == true)
    #expect(pf["mac"]?.isNull == true)
    #expect(pf["rate"]?.value == .number("-2.5e3"))
    #expect(pf["rate"]?.integer == nil)
    #expect(pf["missing"] == nil)
  }

  @Test("strings: escapes, surrogate pairs, non-ASCII columns")
  func strings() throws {
    let node = try Document.parseJSON(#"["a\"b\\c\/\n\t\u00e9\ud83d\ude00", "é", 7]"#, source: "s.json")
    let items = try #require(node.elements)
    #expect(items[0].string == "a\"b\\c/\n\té😀")
    #expect(items[1].string == "é")
    #expect(items[2].position == SourcePosition(line: 1, column: 42))
  }

  @Test("integer accessor takes plain decimal literals only")
  func integers() throws {
    let node = try Document.parseJSON("[0, -7, 4095, 1.0, 1e2, -0]", source: "n.json")
    #expect(node.elements?.map(\.integer) == [0, -7, 4095, nil, nil, 0])
    #expect(DocumentNode(.number("010"), at: SourcePosition(line: 1, column: 1)).integer == nil)
    #expect(DocumentNode(.number("0x10"), at: SourcePosition(line: 1, column: 1)).integer == nil)
    #expect(DocumentNode(.number("99999999999999999999"), at: SourcePosition(line: 1, column: 1)).integer == nil)
  }

  @Test("errors name the file, line, column and the problem", arguments: [
    ("", "f.json:1:1: the file is empty (expected a JSON value)"),
    ("{\"a\": 1,}", "f.json:1:9: unexpected '}' (expected a quoted key)"),
    ("{\"a\": 1, \"a\": 2}", "f.json:1:10: duplicate key \"a\""),
    ("{\n  \"vlan\": 010\n}", "f.json:2:12: a number must not have leading zeros"),
    ("[1, 2", "f.json:1:6: unexpected end of file after a list item (expected ',' or ']')"),
    ("\"abc", "f.json:1:5: unterminated string"),
    // Control characters are refused for the whole file before parsing (issue 15), tab aside...
    ("\"a\u{01}\"", "f.json:1:3: control character U+0001 at byte offset 2; of the control characters, only tab, line feed and carriage return may appear"),
    // ...which JSON still refuses raw inside a string.
    ("\"a\tb\"", "f.json:1:3: control character U+0009 inside a string (escape it)"),
    ("{} {}", "f.json:1:4: unexpected '{' after the end of the JSON value"),
    ("{\"trust\": yes}", "f.json:1:11: unexpected 'y' (expected a value)"),
    ("{\"trust\": tru}", "f.json:1:11: unexpected word (expected a value such as true, a number or a quoted string)"),
    ("// comment\n{}", "f.json:1:1: unexpected '/' (expected a value)"),
    ("[\"\\ud800\"]", "f.json:1:9: unpaired surrogate \\uD800"),
    ("{\"a\" 1}", "f.json:1:6: unexpected '1' after the key \"a\""),
  ])
  func errors(text: String, expected: String) {
    #expect(throws: DocumentError.self) { try Document.parseJSON(text, source: "f.json") }
    do {
      _ = try Document.parseJSON(text, source: "f.json")
    } catch {
      #expect(error.description == expected)
    }
  }

  @Test("nesting is bounded, so hostile input cannot exhaust the stack")
  func depthLimit() throws {
    let deep = String(repeating: "[", count: 100_000)
    #expect(throws: DocumentError.self) { try Document.parseJSON(deep, source: "deep.json") }
    let fine = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
    _ = try Document.parseJSON(fine, source: "ok.json")
  }

  @Test("every prefix and byte-flipped variant of a valid file parses or fails cleanly")
  func garbageNeverTraps() {
    let valid = #"{"pfs": [{"address": "0000:3b:00.0", "vfs": [0, 1, {"mac": "02:00:00:00:00:01"}]}], "x": -1.5e-3}"#
    let bytes = Array(valid.utf8)
    var generator = SystemRandomNumberGenerator()
    for length in 0...bytes.count {
      _ = try? Document.parseJSON(String(decoding: bytes[0..<length], as: UTF8.self), source: "p.json")
    }
    for _ in 0..<2000 {
      var mutated = bytes
      for _ in 0..<3 { mutated[Int.random(in: 0..<mutated.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator) }
      _ = try? Document.parseJSON(String(decoding: mutated, as: UTF8.self), source: "m.json")
    }
  }
}
