import SRIOVCore
import Testing

/// A compact rendering of a parsed tree: `{k: v}`, `[a, b]`, numbers as `#lit`, strings quoted.
private func shape(_ node: DocumentNode) -> String {
  switch node.value {
  case .null: "null"
  case .bool(let b): String(b)
  case .number(let literal): "#" + literal
  case .string(let s): "'" + s + "'"
  case .array(let items): "[" + items.map(shape).joined(separator: ", ") + "]"
  case .object(let entries): "{" + entries.map { "\($0.key): \(shape($0.value))" }.joined(separator: ", ") + "}"
  }
}

private func parse(_ text: String) throws -> DocumentNode { try Document.parseYAML(text, source: "t.yaml") }

private func parseError(_ text: String) -> DocumentError? {
  do { _ = try Document.parseYAML(text, source: "t.yaml"); return nil } catch { return error }
}

@Suite struct DocumentYAMLTests {
  @Test func blockMappingsSequencesAndComments() throws {
    let text = """
      # desired state
      version: 1   # trailing comment
      pfs:
        - address: 0000:3b:00.0
          vfs:
            count: 4
            driver: vfio-pci
        - netdev: "enp59s0f1"
          tags:
          - a
          - 'it''s'
      empty:
      """
    let node = try parse(text)
    #expect(shape(node) == "{version: #1, pfs: [{address: '0000:3b:00.0', vfs: {count: #4, driver: 'vfio-pci'}}, {netdev: 'enp59s0f1', tags: ['a', 'it's']}], empty: null}")
    let pf = try #require(node["pfs"]?.elements?.first)
    #expect(pf.position == SourcePosition(line: 4, column: 5))
    #expect(pf["vfs"]?["count"]?.position == SourcePosition(line: 6, column: 14))
    #expect(node.entries?.map(\.keyPosition.line) == [2, 3, 12])
  }

  @Test func scalarsKeepTheirLiteralText() throws {
    let node = try parse("""
      a: 010
      b: 0x10
      c: yes
      d: on
      e: 12:30
      f: 1_000
      g: true
      h: False
      i: ~
      j: "010"
      k: -3
      l: 1.5e3
      m: 02-00-00-00-00-01
      n: .inf
      o: 0o17
      """)
    #expect(shape(node) == "{a: #010, b: #0x10, c: 'yes', d: 'on', e: '12:30', f: #1_000, g: true, h: false, i: null, j: '010', k: #-3, l: #1.5e3, m: '02-00-00-00-00-01', n: #.inf, o: #0o17}")
  }

  @Test func flowCollectionsAndJSON() throws {
    let json = """
      {
        "version": 1,
        "pfs": [
          {"address": "0000:3b:00.0", "vfs": {"count": 4, "autoprobe": false}},
          {"netdev": "eth1", "vfs": {"per_vf": [{"vf": "0-1", "mac": "02:00:00:00:00:01", "x": null}]}}
        ]
      }
      """
    #expect(shape(try parse(json)) == "{version: #1, pfs: [{address: '0000:3b:00.0', vfs: {count: #4, autoprobe: false}}, {netdev: 'eth1', vfs: {per_vf: [{vf: '0-1', mac: '02:00:00:00:00:01', x: null}]}}]}")
    let inline = try parse("a: [1, two, \"three\"]  # c\nb: {x: 1, y: [ ]}\nc: {\"k\":\"v\"}\n")
    #expect(shape(inline) == "{a: [#1, 'two', 'three'], b: {x: #1, y: []}, c: {k: 'v'}}")
    let multiline = try parse("a: [1,\n  2]\nb: 3\n")
    #expect(shape(multiline) == "{a: [#1, #2], b: #3}")
    #expect(multiline["b"]?.position.line == 3)
  }

  @Test func escapesAndDocumentStart() throws {
    let node = try parse("---\na: \"x\\ty\\u00e9\\\"\"\nb: 'a # not a comment'\n")
    #expect(node["a"]?.string == "x\ty\u{e9}\"")
    #expect(node["b"]?.string == "a # not a comment")
    #expect(try parse("\u{FEFF}a: 1\n")["a"]?.position == SourcePosition(line: 1, column: 4))
    #expect(try parse("").isNull)
    #expect(try parse("# only a comment\n").isNull)
  }

  @Test(arguments: [
    ("a: 1\na: 2\n", 2, 1, "duplicate key 'a' (first at line 1)"),
    ("a: &x 1\n", 1, 4, "anchors and aliases"),
    ("a: *x\n", 1, 4, "anchors and aliases"),
    ("a: !!str 1\n", 1, 4, "tags"),
    ("a: |\n  text\n", 1, 4, "block scalars"),
    ("a: 1\n---\nb: 2\n", 2, 1, "a second YAML document"),
    ("a:\n\tb: 1\n", 2, 1, "a tab in the indentation"),
    ("a: 1\n  b: 2\n", 2, 3, "unexpected indentation"),
    ("a: b: c\n", 1, 5, "a mapping cannot start on the same line"),
    ("a: [1, 2\n", 2, 1, "the collection opened at line 1, column 4 is not closed"),
    ("a: \"open\n", 1, 4, "unterminated double-quoted value"),
    ("a: {x 1}\n", 1, 8, "expected ':' after the key"),
    ("- a\nb: 1\n", 2, 1, "unexpected content after the top-level value"),
    ("a: \"x\" y\n", 1, 8, "unexpected text after the value"),
    ("a: \"\\q\"\n", 1, 5, "unknown escape"),
    ("  a: 1\n", 1, 3, "must start in column 1"),
    ("%YAML 1.2\n---\na: 1\n", 1, 1, "directives"),
    ("a:\n  - 1\n  b: 2\n", 3, 3, "unexpected indentation"),
  ] as [(String, Int, Int, String)])
  func errorsNameLineAndColumn(text: String, line: Int, column: Int, message: String) throws {
    let error = try #require(parseError(text), "expected an error for \(text.debugDescription)")
    #expect(error.source == "t.yaml")
    #expect(error.position == SourcePosition(line: line, column: column), "\(error)")
    #expect(error.message.contains(message), "\(error)")
    #expect(error.description.hasPrefix("t.yaml:\(line):\(column): "))
  }
}

@Suite struct DocumentYAMLJSONParityTests {
  /// JSON is a subset of the YAML we read: both readers give the same tree, positions included.
  @Test(arguments: [
    "{\"version\": 1, \"pfs\": [{\"address\": \"0000:3b:00.0\", \"vfs\": {\"count\": 4, \"autoprobe\": false}}]}",
    "{\n  \"a\": [1, -2, 3.5, 1e3, true, false, null],\n  \"b\": {\"c\": \"d\\u00e9\\n\"},\n  \"e\": []\n}\n",
    "[\"x\", {\"y\": {}}]",
  ])
  func sameTreeAsTheJSONReader(text: String) throws {
    #expect(try Document.parseYAML(text, source: "f") == Document.parseJSON(text, source: "f"))
  }
}
