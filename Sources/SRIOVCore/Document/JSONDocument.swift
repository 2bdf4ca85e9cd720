extension Document {
  /// Strict JSON (RFC 8259): no comments, no trailing commas, no duplicate keys, one value per file.
  /// `source` names the file in errors.
  public static func parseJSON(_ text: String, source: String) throws(DocumentError) -> DocumentNode {
    try checkText(text, source: source)
    var parser = JSONDocumentParser(text: text, source: source)
    return try parser.parseDocument()
  }
}

/// Recursive descent over Unicode scalars, tracking line and column for every value.
struct JSONDocumentParser {
  /// Deeper nesting than any real file has; bounds recursion on hostile input.
  static let maxDepth = 128

  private let scalars: [Unicode.Scalar]
  private let count: Int
  private let source: String
  private var index = 0
  private var line = 1
  private var column = 1
  private var depth = 0

  init(text: String, source: String) {
    self.scalars = Document.scalars(text)
    self.count = scalars.count
    self.source = source
  }

  mutating func parseDocument() throws(DocumentError) -> DocumentNode {
    if peek == "\u{FEFF}" { advance() }  // a byte-order mark some editors write
    skipWhitespace()
    guard peek != nil else { throw error("the file is empty (expected a JSON value)") }
    let node = try parseValue()
    skipWhitespace()
    if let extra = peek { throw error("unexpected \(describe(extra)) after the end of the JSON value") }
    return node
  }

  // MARK: values

  private mutating func parseValue() throws(DocumentError) -> DocumentNode {
    let start = position
    guard let first = peek else { throw error("unexpected end of file (expected a value)") }
    switch first {
    case "{": return DocumentNode(try parseObject(), at: start)
    case "[": return DocumentNode(try parseArray(), at: start)
    case "\"": return DocumentNode(.string(try parseString()), at: start)
    case "t": try expectWord("true"); return DocumentNode(.bool(true), at: start)
    case "f": try expectWord("false"); return DocumentNode(.bool(false), at: start)
    case "n": try expectWord("null"); return DocumentNode(.null, at: start)
    case "-", "0"..."9": return DocumentNode(.number(try parseNumber()), at: start)
    default: throw error("unexpected \(describe(first)) (expected a value)")
    }
  }

  private mutating func parseObject() throws(DocumentError) -> DocumentValue {
    try enter()
    advance()  // {
    var entries: [DocumentEntry] = []
    var seen: Set<String> = []  // a set, not a scan of `entries`: 100k keys must stay linear
    skipWhitespace()
    if peek == "}" {
      advance()
      depth -= 1
      return .object(entries)
    }
    while true {
      skipWhitespace()
      let keyPosition = position
      guard peek == "\"" else { throw error(peek.map { "unexpected \(describe($0)) (expected a quoted key)" } ?? "unexpected end of file (expected a key)") }
      let key = try parseString()
      guard seen.insert(key).inserted else {
        throw DocumentError(source: source, position: keyPosition, message: "duplicate key \"\(Document.echo(key))\"")
      }
      skipWhitespace()
      try expect(":", context: "after the key \"\(Document.echo(key))\"")
      skipWhitespace()
      entries.append(DocumentEntry(key: key, keyPosition: keyPosition, value: try parseValue()))
      skipWhitespace()
      if peek == "," { advance(); continue }
      try expect("}", context: "after a value in a mapping (expected ',' or '}')")
      depth -= 1
      return .object(entries)
    }
  }

  private mutating func parseArray() throws(DocumentError) -> DocumentValue {
    try enter()
    advance()  // [
    var items: [DocumentNode] = []
    skipWhitespace()
    if peek == "]" {
      advance()
      depth -= 1
      return .array(items)
    }
    while true {
      skipWhitespace()
      items.append(try parseValue())
      skipWhitespace()
      if peek == "," { advance(); continue }
      try expect("]", context: "after a list item (expected ',' or ']')")
      depth -= 1
      return .array(items)
    }
  }

  private mutating func parseString() throws(DocumentError) -> String {
    advance()  // opening quote
    // Most strings have no escape: one run of plain scalars, made a String at once.
    let start = index
    while index < count {
      let value = scalars[index].value
      if value < 0x20 || value == 0x22 || value == 0x5C { break }
      index += 1
    }
    column += index - start
    if index < count && scalars[index] == "\"" {
      index += 1
      column += 1
      return Document.string(scalars, start, index - 1)
    }
    var text = String.UnicodeScalarView()
    text.append(contentsOf: scalars[start..<index])
    while true {
      guard let scalar = peek else { throw error("unterminated string") }
      switch scalar {
      case "\"":
        advance()
        return String(text)
      case "\\":
        advance()
        text.append(try parseEscape())
      case "\n":
        throw error("unterminated string (a line break inside quotes)")
      default:
        guard scalar.value >= 0x20 else { throw error("control character U+\(hex4(scalar.value)) inside a string (escape it)") }
        text.append(scalar)
        advance()
      }
    }
  }

  private mutating func parseEscape() throws(DocumentError) -> Unicode.Scalar {
    guard let escape = peek else { throw error("unterminated string") }
    advance()
    switch escape {
    case "\"": return "\""
    case "\\": return "\\"
    case "/": return "/"
    case "b": return "\u{08}"
    case "f": return "\u{0C}"
    case "n": return "\n"
    case "r": return "\r"
    case "t": return "\t"
    case "u":
      let high = try parseHex4()
      if (0xD800...0xDBFF).contains(high) {
        guard peek == "\\" else { throw error("unpaired surrogate \\u\(hex4(high))") }
        advance()
        guard peek == "u" else { throw error("unpaired surrogate \\u\(hex4(high))") }
        advance()
        let low = try parseHex4()
        guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired surrogate \\u\(hex4(high))") }
        let combined: UInt32 = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        guard let scalar = Unicode.Scalar(combined) else { throw error("invalid escape") }
        return scalar
      }
      guard let scalar = Unicode.Scalar(high) else { throw error("unpaired surrogate \\u\(hex4(high))") }
      return scalar
    default:
      throw error("invalid escape \\\(Document.echo(escape)) in a string")
    }
  }

  private mutating func parseHex4() throws(DocumentError) -> UInt32 {
    var value: UInt32 = 0
    for _ in 0..<4 {
      guard let scalar = peek, let digit = hexDigit(scalar) else { throw error("\\u needs four hex digits") }
      value = value * 16 + digit
      advance()
    }
    return value
  }

  /// The literal text of a number, checked against JSON's grammar (no leading zeros, no `+`, no `.5`).
  private mutating func parseNumber() throws(DocumentError) -> String {
    let start = index
    var exponent: Int? = nil  // where an `E` is, written `e` in the literal
    func isDigit(_ scalar: Unicode.Scalar?) -> Bool { scalar.map { $0.value >= 0x30 && $0.value <= 0x39 } ?? false }
    if peek == "-" { advance() }
    guard isDigit(peek) else { throw error("a number needs digits after '-'") }
    if peek == "0" {
      advance()
      if isDigit(peek) { throw error("a number must not have leading zeros") }
    }
    while isDigit(peek) { advance() }
    if peek == "." {
      advance()
      guard isDigit(peek) else { throw error("a number needs digits after '.'") }
      while isDigit(peek) { advance() }
    }
    if peek == "e" || peek == "E" {
      if peek == "E" { exponent = index - start }
      advance()
      if let sign = peek, sign == "+" || sign == "-" { advance() }
      guard isDigit(peek) else { throw error("a number needs digits in its exponent") }
      while isDigit(peek) { advance() }
    }
    let literal = Document.string(scalars, start, index)
    guard let exponent else { return literal }
    var utf8 = Array(literal.utf8)
    utf8[exponent] = UInt8(ascii: "e")
    return String(decoding: utf8, as: UTF8.self)
  }

  // MARK: scanning

  // `mutating get`: a plain getter called from a mutating method copies the whole parser first
  // (retaining its buffers) in a debug build, for every character.
  private var peek: Unicode.Scalar? { mutating get { index < count ? scalars[index] : nil } }
  private var position: SourcePosition { SourcePosition(line: line, column: column) }

  private mutating func advance() {
    if scalars[index] == "\n" {
      line += 1
      column = 1
    } else {
      column += 1
    }
    index += 1
  }

  private mutating func skipWhitespace() {
    while let scalar = peek, scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" { advance() }
  }

  private mutating func enter() throws(DocumentError) {
    depth += 1
    if depth > Self.maxDepth { throw error("nested deeper than \(Self.maxDepth) levels") }
  }

  /// `context` is built only on failure: it may quote a key, and every key passes here.
  private mutating func expect(_ wanted: Unicode.Scalar, context: @autoclosure () -> String) throws(DocumentError) {
    guard peek == wanted else {
      throw error(peek.map { "unexpected \(describe($0)) \(context())" } ?? "unexpected end of file \(context())")
    }
    advance()
  }

  private mutating func expectWord(_ word: String) throws(DocumentError) {
    let start = position
    for expected in word.unicodeScalars {
      guard peek == expected else {
        throw DocumentError(source: source, position: start, message: "unexpected word (expected a value such as \(word), a number or a quoted string)")
      }
      advance()
    }
  }

  private func error(_ message: String) -> DocumentError {
    DocumentError(source: source, position: position, message: message)
  }

  private func describe(_ scalar: Unicode.Scalar) -> String {
    scalar.value < 0x20 || scalar.value == 0x7F ? "character U+\(hex4(scalar.value))" : "'\(Character(scalar))'"
  }

  private func hexDigit(_ scalar: Unicode.Scalar) -> UInt32? {
    switch scalar {
    case "0"..."9": scalar.value - 48
    case "a"..."f": scalar.value - 87
    case "A"..."F": scalar.value - 55
    default: nil
    }
  }

  private func hex4(_ value: UInt32) -> String { Hex.format(value, width: 4).uppercased() }
}
