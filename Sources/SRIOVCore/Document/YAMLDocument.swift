extension Document {
  /// Parses the YAML subset sriovctl's desired-state files use: block mappings and sequences,
  /// `#` comments, plain, single- and double-quoted scalars, and flow `[...]`/`{...}` collections
  /// (so every JSON file parses too). Anchors, aliases, tags, block scalars (`|`, `>`) and more than
  /// one document are refused with a clear error instead of being half-understood.
  ///
  /// Plain scalars are never converted by YAML 1.1 rules: `010`, `0x10`, `1_000` and `.5` stay
  /// `.number` literals for the schema to judge, `yes`/`on`/`12:30` stay strings. Only
  /// `true`/`false` (any case form YAML 1.2 allows) become booleans and `null`/`~`/nothing null.
  public static func parseYAML(_ text: String, source: String) throws(DocumentError) -> DocumentNode {
    try checkText(text, source: source)
    var parser = YAMLParser(text: text, source: source)
    return try parser.parseDocument()
  }
}

/// A line-oriented parser for block structure, with a character cursor for flow collections (which
/// may span lines). Columns and lines are 0-based inside, 1-based in positions.
struct YAMLParser {
  let source: String
  /// The text split at line feeds, each without its terminator (a trailing CR is dropped).
  let lines: [[Unicode.Scalar]]
  /// The leading spaces of each line, counted once (every block step asks).
  let indents: [Int]
  /// The next line the block parser looks at.
  var row = 0
  var depth = 0
  /// Whether a value has started (a `---` after that would begin a second document).
  var started = false

  static let maxDepth = 64

  init(text: String, source: String) {
    let scalars = Document.scalars(text)
    var split: [[Unicode.Scalar]] = []
    var indents: [Int] = []
    // One pass with integer compares and a bulk copy per line: this runs once per character.
    scalars.withUnsafeBufferPointer { all in
      // A byte-order mark some editors put first is not part of the first key.
      var start = all.count > 0 && all[0].value == 0xFEFF ? 1 : 0
      var i = start
      while true {
        guard i == all.count || all[i].value == 0x0A else { i += 1; continue }
        let end = i > start && all[i - 1].value == 0x0D ? i - 1 : i  // CRLF
        split.append(Array(UnsafeBufferPointer(rebasing: all[start..<end])))
        var c = start
        while c < end && all[c].value == 0x20 { c += 1 }
        indents.append(c - start)
        if i == all.count { break }
        i += 1
        start = i
      }
    }
    self.lines = split
    self.indents = indents
    self.source = source
  }

  // MARK: document and block structure

  mutating func parseDocument() throws(DocumentError) -> DocumentNode {
    guard let first = try nextContentRow() else { return DocumentNode(.null, at: position(0, 0)) }
    if isMarker(first, "-") {
      guard lines[first].count == 3 else {
        throw error(first, 3, "a value on the '---' line is not supported; start it on the next line")
      }
      row = first + 1
    }
    started = true
    guard let start = try nextContentRow() else { return DocumentNode(.null, at: position(first, 0)) }
    guard indent(start) == 0 else { throw error(start, indent(start), "the top-level value must start in column 1") }
    let node = try parseNode(start, 0)
    if let extra = try nextContentRow() {
      throw error(extra, indent(extra), "unexpected content after the top-level value (check the indentation)")
    }
    return node
  }

  /// The block node whose content starts at (`r`, `c`); on return `row` is past it.
  mutating func parseNode(_ r: Int, _ c: Int) throws(DocumentError) -> DocumentNode {
    try enter(r, c)
    defer { depth -= 1 }
    if isDash(r, c) { return try parseSequence(r, c) }
    if try keyColon(r, c) != nil { return try parseMapping(r, c) }
    return try parseInlineValue(r, c)
  }

  /// `- item` lines at column `c`, starting at row `r`.
  mutating func parseSequence(_ r: Int, _ c: Int) throws(DocumentError) -> DocumentNode {
    var items: [DocumentNode] = []
    var current = r
    while true {
      var itemColumn = c + 1
      while itemColumn < lines[current].count && lines[current][itemColumn] == " " { itemColumn += 1 }
      if restIsBlank(current, itemColumn) {
        row = current + 1
        if let next = try nextContentRow(), indent(next) > c {
          items.append(try parseNode(next, indent(next)))
        } else {
          items.append(DocumentNode(.null, at: position(current, c)))
        }
      } else {
        items.append(try parseNode(current, itemColumn))
      }
      guard let next = try nextContentRow() else { break }
      let nextIndent = indent(next)
      if nextIndent > c {
        throw error(next, nextIndent, "unexpected indentation (a list item at column \(c + 1) ended on the line before)")
      }
      guard nextIndent == c, isDash(next, c) else { break }
      current = next
    }
    return DocumentNode(.array(items), at: position(r, c))
  }

  /// `key: value` entries whose keys start at column `c`, the first at row `r` (which may follow a
  /// `- ` on the same line).
  mutating func parseMapping(_ r: Int, _ c: Int) throws(DocumentError) -> DocumentNode {
    var entries: [DocumentEntry] = []
    var seen: Set<String> = []  // one hash operation per key; the first position is looked up on error
    var current = r
    while true {
      guard let (key, colon) = try keyColon(current, c) else {
        throw error(current, c, "expected 'key: value' here, like the lines above it")
      }
      let keyPosition = position(current, c)
      guard seen.insert(key).inserted else {
        let first = entries.first { $0.key == key }?.keyPosition.line ?? 0
        throw error(current, c, "duplicate key '\(Document.echo(key))' (first at line \(first))")
      }
      let line = lines[current]
      var valueColumn = colon + 1
      while valueColumn < line.count && line[valueColumn] == " " { valueColumn += 1 }
      let value: DocumentNode
      if restIsBlank(current, valueColumn) {
        row = current + 1
        let next = try nextContentRow()
        if let next, indent(next) > c {
          value = try parseNode(next, indent(next))
        } else if let next, indent(next) == c, isDash(next, c) {
          value = try parseSequence(next, c)  // `key:` then `- item` at the key's column
        } else {
          value = DocumentNode(.null, at: keyPosition)
        }
      } else {
        if isDash(current, valueColumn) {
          throw error(current, valueColumn, "a list cannot start on its key's line; put '- item' on the next lines")
        }
        value = try parseInlineValue(current, valueColumn)
      }
      entries.append(DocumentEntry(key: key, keyPosition: keyPosition, value: value))
      guard let next = try nextContentRow() else { break }
      let nextIndent = indent(next)
      if nextIndent > c {
        throw error(next, nextIndent, "unexpected indentation (a value cannot continue on the next line; keep it on one line, quoted if needed)")
      }
      guard nextIndent == c else { break }
      if isDash(next, c) { throw error(next, c, "a list item where a key was expected") }
      current = next
    }
    return DocumentNode(.object(entries), at: position(r, c))
  }

  /// A scalar or flow collection starting at (`r`, `c`) and ending the line; sets `row` past it.
  mutating func parseInlineValue(_ r: Int, _ c: Int) throws(DocumentError) -> DocumentNode {
    let first = lines[r][c]
    try refuseUnsupported(first, r, c)
    if first == "[" || first == "{" {
      var cursorRow = r
      var cursorColumn = c
      let node = try parseFlow(&cursorRow, &cursorColumn)
      try expectLineEnd(cursorRow, cursorColumn)
      row = cursorRow + 1
      return node
    }
    if first == "\"" || first == "'" {
      let (text, end) = try parseQuoted(r, c)
      try expectLineEnd(r, end)
      row = r + 1
      return DocumentNode(.string(text), at: position(r, c))
    }
    let line = lines[r]
    var end = c
    while end < line.count && !(end > c && line[end].value == 0x23 && line[end - 1].value == 0x20) {  // " #"
      if line[end].value == 0x3A && (end + 1 == line.count || line[end + 1].value == 0x20) {  // ": "
        throw error(r, end, "a mapping cannot start on the same line as its key; put it on the next lines, indented")
      }
      end += 1
    }
    row = r + 1
    return DocumentNode(plainValue(r, c, end), at: position(r, c))
  }

  // MARK: flow collections (JSON)

  mutating func parseFlow(_ r: inout Int, _ c: inout Int) throws(DocumentError) -> DocumentNode {
    try skipFlowSpace(&r, &c, opened: nil)
    guard r < lines.count, c < lines[r].count else { throw error(min(r, lines.count - 1), c, "expected a value, found the end of the file") }
    let start = position(r, c)
    let first = lines[r][c]
    try refuseUnsupported(first, r, c)
    switch first {
    case "[":
      try enter(r, c)
      defer { depth -= 1 }
      c += 1
      var items: [DocumentNode] = []
      while true {
        try skipFlowSpace(&r, &c, opened: start)
        if lines[r][c] == "]" { c += 1; break }
        items.append(try parseFlow(&r, &c))
        try skipFlowSpace(&r, &c, opened: start)
        if lines[r][c] == "," { c += 1; continue }
        if lines[r][c] == "]" { c += 1; break }
        throw error(r, c, "expected ',' or ']' in the list opened at line \(start.line), found '\(Document.echo(lines[r][c]))'")
      }
      return DocumentNode(.array(items), at: start)
    case "{":
      try enter(r, c)
      defer { depth -= 1 }
      c += 1
      var entries: [DocumentEntry] = []
      var seen: Set<String> = []
      while true {
        try skipFlowSpace(&r, &c, opened: start)
        if lines[r][c] == "}" { c += 1; break }
        let keyPosition = position(r, c)
        let key: String
        if lines[r][c] == "\"" || lines[r][c] == "'" {
          let (text, end) = try parseQuoted(r, c)
          key = text
          c = end
        } else {
          try refuseUnsupported(lines[r][c], r, c)
          let end = flowPlainEnd(r, c)
          key = text(r, c, end)
          guard !key.isEmpty else { throw error(r, c, "expected a key, found '\(Document.echo(lines[r][c]))'") }
          c = end
        }
        try skipFlowSpace(&r, &c, opened: start)
        guard lines[r][c] == ":" else { throw error(r, c, "expected ':' after the key '\(Document.echo(key))'") }
        c += 1
        guard seen.insert(key).inserted else {
          let first = entries.first { $0.key == key }?.keyPosition.line ?? 0
          throw error(keyPosition.line - 1, keyPosition.column - 1, "duplicate key '\(Document.echo(key))' (first at line \(first))")
        }
        let value = try parseFlow(&r, &c)
        entries.append(DocumentEntry(key: key, keyPosition: keyPosition, value: value))
        try skipFlowSpace(&r, &c, opened: start)
        if lines[r][c] == "," { c += 1; continue }
        if lines[r][c] == "}" { c += 1; break }
        throw error(r, c, "expected ',' or '}' in the mapping opened at line \(start.line), found '\(Document.echo(lines[r][c]))'")
      }
      return DocumentNode(.object(entries), at: start)
    case "\"", "'":
      let (text, end) = try parseQuoted(r, c)
      c = end
      return DocumentNode(.string(text), at: start)
    case "]", "}", ",", ":":
      throw error(r, c, "expected a value, found '\(Document.echo(first))'")
    default:
      let end = flowPlainEnd(r, c)
      let value = plainValue(r, c, end)
      c = end
      return DocumentNode(value, at: start)
    }
  }

  /// Where a plain scalar inside a flow collection ends: at `,`, `]`, `}`, a `:` followed by a
  /// space or an indicator, a comment, or the end of the line.
  func flowPlainEnd(_ r: Int, _ c: Int) -> Int {
    let line = lines[r]
    var end = c
    while end < line.count {
      let s = line[end]
      if s == "," || s == "]" || s == "}" { break }
      if s == "#" && end > c && line[end - 1] == " " { break }
      if s == ":" {
        let next: Unicode.Scalar? = end + 1 < line.count ? line[end + 1] : nil
        if next == nil || next == " " || next == "," || next == "]" || next == "}" { break }
      }
      end += 1
    }
    return end
  }

  /// Skips spaces, tabs, line ends and comments inside a flow collection.
  mutating func skipFlowSpace(_ r: inout Int, _ c: inout Int, opened: SourcePosition?) throws(DocumentError) {
    while r < lines.count {
      let line = lines[r]
      while c < line.count && (line[c] == " " || line[c] == "\t") { c += 1 }
      if c < line.count && !(line[c] == "#" && (c == 0 || line[c - 1] == " " || line[c - 1] == "\t")) { return }
      r += 1
      c = 0
    }
    let last = lines.count - 1
    let what: String = opened.map { "the collection opened at line \($0.line), column \($0.column) is not closed" } ?? "expected a value"
    throw error(last, lines[last].count, "\(what) before the end of the file")
  }

  // MARK: scalars

  /// A single- or double-quoted scalar at (`r`, `c`) on one line; returns its text and the column
  /// after the closing quote.
  func parseQuoted(_ r: Int, _ c: Int) throws(DocumentError) -> (String, Int) {
    let line = lines[r]
    let quote = line[c]
    var out = String.UnicodeScalarView()
    var i = c + 1
    while i < line.count {
      let s = line[i]
      if quote == "'" {
        if s == "'" {
          if i + 1 < line.count && line[i + 1] == "'" { out.append("'"); i += 2; continue }
          return (String(out), i + 1)
        }
        out.append(s)
        i += 1
        continue
      }
      if s == "\"" { return (String(out), i + 1) }
      guard s == "\\" else { out.append(s); i += 1; continue }
      guard i + 1 < line.count else { break }
      let e = line[i + 1]
      i += 2
      switch e {
      case "\"": out.append("\"")
      case "\\": out.append("\\")
      case "/": out.append("/")
      case "n": out.append("\n")
      case "t": out.append("\t")
      case "r": out.append("\r")
      case "0": out.append("\0")
      case "b": out.append("\u{08}")
      case "f": out.append("\u{0C}")
      case " ": out.append(" ")
      case "x", "u", "U":
        let width: Int = e == "x" ? 2 : (e == "u" ? 4 : 8)
        guard i + width <= line.count else { throw error(r, i - 2, "incomplete \\\(e) escape") }
        let digits = line[i..<(i + width)]
        // Hex digits only: `UInt32(_:radix:)` alone takes a sign, so "\u+076" would be 'v'.
        guard digits.allSatisfy(\.properties.isASCIIHexDigit),
              let value = UInt32(String(String.UnicodeScalarView(digits)), radix: 16), let scalar = Unicode.Scalar(value) else {
          throw error(r, i - 2, "'\\\(e)\(Document.echo(String(String.UnicodeScalarView(digits))))' is not a valid escape (\\\(e) takes \(width) hex digits naming a character)")
        }
        out.append(scalar)
        i += width
      default:
        throw error(r, i - 2, "unknown escape '\\\(Document.echo(e))' in a double-quoted value")
      }
    }
    let name = quote == "'" ? "single" : "double"
    throw error(r, c, "unterminated \(name)-quoted value (quoted values must end on the same line)")
  }

  /// The plain scalar on row `r` from `from` to `to` (trailing spaces dropped), judged on the
  /// scalars before any String is built: every plain value in the file passes here.
  func plainValue(_ r: Int, _ from: Int, _ to: Int) -> DocumentValue {
    let line = lines[r]
    var end = min(to, line.count)
    while end > from && line[end - 1].value == 0x20 { end -= 1 }
    let count = end - from
    let lead = count > 0 ? line[from].value : 0
    // Only the null and boolean words (by first letter, at most 5 letters) need a String compare.
    let word = count <= 5 && (count == 0 || lead == 0x7E || lead | 0x20 == 0x6E || lead | 0x20 == 0x74 || lead | 0x20 == 0x66)
    let text = Document.string(line, from, end)
    if word { return Self.plainValue(text) }
    return Self.isNumberLike(line, from, end) ? .number(text) : .string(text)
  }

  /// The value of a plain (unquoted) scalar: text stays text; nothing is converted by YAML 1.1 rules.
  static func plainValue(_ text: String) -> DocumentValue {
    let lead = text.utf8.first ?? 0
    // Only the words below, by their first letter; other values skip comparing with each.
    if text.utf8.count <= 5 && (lead == 0 || lead == UInt8(ascii: "~") || lead | 0x20 == UInt8(ascii: "n")
      || lead | 0x20 == UInt8(ascii: "t") || lead | 0x20 == UInt8(ascii: "f")) {
      switch text {
      case "", "~", "null", "Null", "NULL": return .null
      case "true", "True", "TRUE": return .bool(true)
      case "false", "False", "FALSE": return .bool(false)
      default: break
      }
    }
    return isNumberLike(text) ? .number(text) : .string(text)
  }

  /// Whether YAML (1.1 or 1.2) would read `text` as a number: decimal, octal `0o`/leading zero, hex,
  /// binary, with `_` separators, fractions, exponents, `.inf`, `.nan`. Such literals are kept as
  /// `.number` so that the schema can refuse the ambiguous ones instead of guessing.
  static func isNumberLike(_ text: String) -> Bool {
    var copy = text
    return copy.withUTF8 { isNumberLike(utf8: $0) }
  }

  /// The same over scalars `from..<to` of a line (ASCII decides; any other scalar is not a digit).
  static func isNumberLike(_ line: [Unicode.Scalar], _ from: Int, _ to: Int) -> Bool {
    // Cheap rejection first: a number starts with a sign, a digit or a dot.
    guard from < to else { return false }
    let lead = line[from].value
    guard lead == 0x2D || lead == 0x2B || lead == 0x2E || (lead >= 0x30 && lead <= 0x39) else { return false }
    if to - from == 1 { return lead != 0x2D && lead != 0x2B && lead != 0x2E }  // one digit, the common case
    var utf8: [UInt8] = []
    utf8.reserveCapacity(to - from)
    var i = from
    while i < to {
      let v = line[i].value
      guard v < 0x80 else { return false }
      utf8.append(UInt8(truncatingIfNeeded: v))
      i += 1
    }
    return utf8.withUnsafeBufferPointer { isNumberLike(utf8: $0) }
  }

  /// The same over UTF-8 bytes (every plain value passes here: no allocation, no `Character`).
  private static func isNumberLike(utf8 u: UnsafeBufferPointer<UInt8>) -> Bool {
    func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    let n = u.count
    var i = 0
    if i < n && (u[i] == UInt8(ascii: "-") || u[i] == UInt8(ascii: "+")) { i += 1 }
    guard i < n, isDigit(u[i]) || u[i] == UInt8(ascii: ".") else { return false }
    if n - i == 4 && u[i] == UInt8(ascii: ".") {
      let word = String(decoding: UnsafeBufferPointer(rebasing: u[(i + 1)...]), as: UTF8.self)
      if ["inf", "Inf", "INF", "nan", "NaN", "NAN"].contains(word) { return true }
    }
    if n - i > 2 && u[i] == UInt8(ascii: "0") {
      let allowed: ((UInt8) -> Bool)? = switch u[i + 1] {
      case UInt8(ascii: "x"): { isDigit($0) || ($0 | 0x20 >= UInt8(ascii: "a") && $0 | 0x20 <= UInt8(ascii: "f")) || $0 == UInt8(ascii: "_") }
      case UInt8(ascii: "o"): { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7")) || $0 == UInt8(ascii: "_") }
      case UInt8(ascii: "b"): { $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: "1") || $0 == UInt8(ascii: "_") }
      default: nil
      }
      if let allowed { return UnsafeBufferPointer(rebasing: u[(i + 2)...]).allSatisfy(allowed) }
    }
    var sawDigit = false
    func scanDigits() {
      while i < n && (isDigit(u[i]) || u[i] == UInt8(ascii: "_")) {
        if u[i] != UInt8(ascii: "_") { sawDigit = true }
        i += 1
      }
    }
    scanDigits()
    if i < n && u[i] == UInt8(ascii: ".") { i += 1; scanDigits() }
    guard sawDigit else { return false }
    if i < n && (u[i] == UInt8(ascii: "e") || u[i] == UInt8(ascii: "E")) {
      i += 1
      if i < n && (u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-")) { i += 1 }
      let before = i
      while i < n && isDigit(u[i]) { i += 1 }
      if i == before { return false }
    }
    return i == n
  }

  // MARK: line helpers

  /// The next line with content at or after `row` (skipping blank and comment-only lines), after
  /// checking it for tabs in its indentation and for document markers.
  mutating func nextContentRow() throws(DocumentError) -> Int? {
    while row < lines.count {
      let line = lines[row]
      let c = indents[row]
      // Integer compares: this runs for every line of the file.
      let first = c < line.count ? line[c].value : 0
      if first == 0x09 {  // a tab after the indentation spaces
        var rest = c
        while rest < line.count && (line[rest] == "\t" || line[rest] == " ") { rest += 1 }
        if rest < line.count && line[rest] != "#" {
          throw error(row, c, "a tab in the indentation (YAML indents with spaces only)")
        }
      }
      if c < line.count && first != 0x23 && first != 0x09 {  // not a comment, not a tab
        if c == 0 && started && (first == 0x2D || first == 0x2E) && (isMarker(row, "-") || isMarker(row, ".")) {
          throw error(row, 0, "a second YAML document ('\(text(row, 0, 3))') is not supported: one file holds one desired state")
        }
        if c == 0 && first == 0x25 { throw error(row, 0, "YAML directives ('%...') are not supported") }  // "%"
        return row
      }
      row += 1
    }
    return nil
  }

  /// Whether row `r` is `---` or `...` (three `mark`s), alone or followed by a space.
  func isMarker(_ r: Int, _ mark: Unicode.Scalar) -> Bool {
    let line = lines[r]
    return line.count >= 3 && line[0] == mark && line[1] == mark && line[2] == mark && (line.count == 3 || line[3] == " ")
  }

  func indent(_ r: Int) -> Int { indents[r] }

  func isDash(_ r: Int, _ c: Int) -> Bool {
    let line = lines[r]
    return c < line.count && line[c].value == 0x2D && (c + 1 == line.count || line[c + 1].value == 0x20)  // "- "
  }

  /// Nothing but spaces and perhaps a comment from column `c` on.
  func restIsBlank(_ r: Int, _ c: Int) -> Bool {
    let line = lines[r]
    var i = c
    while i < line.count && line[i].value == 0x20 { i += 1 }
    return i == line.count || line[i].value == 0x23  // "#"
  }

  func expectLineEnd(_ r: Int, _ c: Int) throws(DocumentError) {
    let line = lines[r]
    var i = c
    while i < line.count && line[i] == " " { i += 1 }
    guard i == line.count || (line[i] == "#" && i > c) else {
      throw error(r, i, "unexpected text after the value: '\(Document.echo(text(r, i, line.count)))'")
    }
  }

  /// When (`r`, `c`) starts `key:` (a `:` followed by a space or the line end), the key and the
  /// column of its colon.
  func keyColon(_ r: Int, _ c: Int) throws(DocumentError) -> (String, Int)? {
    let line = lines[r]
    if line[c] == "\"" || line[c] == "'" {
      let (key, end) = try parseQuoted(r, c)
      var i = end
      while i < line.count && line[i] == " " { i += 1 }
      guard i < line.count, line[i] == ":", i + 1 == line.count || line[i + 1] == " " else { return nil }
      return (key, i)
    }
    if line[c] == "[" || line[c] == "{" { return nil }
    // Integer compares, not scalar literals: this loop sees every key character (debug builds
    // make each literal a call).
    var i = c
    while i < line.count {
      let value = line[i].value
      if value == 0x23 && i > c && line[i - 1].value == 0x20 { return nil }  // " #"
      if value == 0x3A && (i + 1 == line.count || line[i + 1].value == 0x20) {  // ": " or ":" at the end
        var end = i
        while end > c && line[end - 1] == " " { end -= 1 }
        if line[c] == "?" { throw error(r, c, "complex keys ('? ') are not supported") }
        try refuseUnsupported(line[c], r, c)
        return (text(r, c, end), i)
      }
      i += 1
    }
    return nil
  }

  func refuseUnsupported(_ s: Unicode.Scalar, _ r: Int, _ c: Int) throws(DocumentError) {
    // Letters and digits start most values: answer them without matching each indicator.
    let v = s.value
    if (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) { return }
    switch s {
    case "&", "*": throw error(r, c, "anchors and aliases ('&name', '*name') are not supported; write the value out")
    case "!": throw error(r, c, "tags ('!type') are not supported; quote the value if it starts with '!'")
    case "|", ">": throw error(r, c, "block scalars ('|', '>') are not supported; write the value on one line, quoted if needed")
    case "@", "`": throw error(r, c, "'\(s)' cannot start a plain value; quote it")
    case "%" where c == 0: throw error(r, c, "YAML directives ('%...') are not supported")
    default: return
    }
  }

  func text(_ r: Int, _ from: Int, _ to: Int) -> String {
    var end = min(to, lines[r].count)
    while end > from && lines[r][end - 1] == " " { end -= 1 }
    return Document.string(lines[r], min(from, end), end)
  }

  mutating func enter(_ r: Int, _ c: Int) throws(DocumentError) {
    depth += 1
    if depth > Self.maxDepth { throw error(r, c, "nested more than \(Self.maxDepth) levels deep") }
  }

  func position(_ r: Int, _ c: Int) -> SourcePosition { SourcePosition(line: r + 1, column: c + 1) }

  func error(_ r: Int, _ c: Int, _ message: String) -> DocumentError {
    DocumentError(source: source, position: position(r, c), message: message)
  }
}
