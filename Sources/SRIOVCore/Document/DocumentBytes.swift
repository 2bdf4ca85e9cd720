extension Document {
  /// Strict JSON from the file's bytes: they must be UTF-8 text first (see `checkText`).
  public static func parseJSON(bytes: [UInt8], source: String) throws(DocumentError) -> DocumentNode {
    try checkText(bytes, source: source)
    var parser = JSONDocumentParser(text: String(decoding: bytes, as: UTF8.self), source: source)
    return try parser.parseDocument()
  }

  /// The YAML subset from the file's bytes: they must be UTF-8 text first (see `checkText`).
  public static func parseYAML(bytes: [UInt8], source: String) throws(DocumentError) -> DocumentNode {
    try checkText(bytes, source: source)
    var parser = YAMLParser(text: String(decoding: bytes, as: UTF8.self), source: source)
    return try parser.parseDocument()
  }

  /// Refuses bytes that are not text, with the line and column of the first bad one: invalid UTF-8
  /// (overlong forms, surrogates, cut sequences, bytes past U+10FFFF), NUL and the other C0 control
  /// characters except tab, LF and CR. Done on bytes before any decoding, because decoding would
  /// replace invalid bytes with U+FFFD and `persist` would then install a file nobody wrote.
  /// Columns count characters (Unicode scalars), as the parsers' positions do.
  public static func checkText(_ bytes: [UInt8], source: String) throws(DocumentError) {
    let problem: (offset: Int, line: Int, column: Int, message: String)? = bytes.withUnsafeBufferPointer { firstProblem(in: $0) }
    if let problem { throw textError(problem, source: source) }
  }

  /// The same rule for text already decoded (a `String` is valid UTF-8, but may hold NUL or C0).
  static func checkText(_ text: String, source: String) throws(DocumentError) {
    var copy = text
    let problem: (offset: Int, line: Int, column: Int, message: String)? = copy.withUTF8 { firstProblem(in: $0) }
    if let problem { throw textError(problem, source: source) }
  }

  private static func textError(_ problem: (offset: Int, line: Int, column: Int, message: String), source: String) -> DocumentError {
    DocumentError(source: source, position: SourcePosition(line: problem.line, column: problem.column),
      message: problem.message,
      hint: "save the file as UTF-8 text; inside double quotes, write a control character as an escape (\\t, \\u001b)")
  }

  /// One pass over the bytes (Unicode 15, table 3-7 for well-formed UTF-8).
  private static func firstProblem(in bytes: UnsafeBufferPointer<UInt8>) -> (offset: Int, line: Int, column: Int, message: String)? {
    var line = 1
    var column = 1
    var i = 0
    let count = bytes.count
    func hex(_ byte: UInt8) -> String { "0x" + Hex.format(byte, width: 2).uppercased() }
    while i < count {
      let lead = bytes[i]
      if lead < 0x80 {
        if lead == 0x0A {
          line += 1
          column = 1
        } else {
          if lead < 0x20 && lead != 0x09 && lead != 0x0D {
            let name = lead == 0 ? "a NUL byte" : "control character U+00\(Hex.format(lead, width: 2).uppercased())"
            return (i, line, column, "\(name) at byte offset \(i); of the control characters, only tab, line feed and carriage return may appear")
          }
          column += 1
        }
        i += 1
        continue
      }
      // The length of the sequence and the range its second byte must be in.
      let length: Int
      var second: ClosedRange<UInt8> = 0x80...0xBF
      switch lead {
      case 0xC2...0xDF: length = 2
      case 0xE0: length = 3; second = 0xA0...0xBF  // no overlong forms
      case 0xE1...0xEC, 0xEE...0xEF: length = 3
      case 0xED: length = 3; second = 0x80...0x9F  // no UTF-16 surrogates
      case 0xF0: length = 4; second = 0x90...0xBF  // no overlong forms
      case 0xF1...0xF3: length = 4
      case 0xF4: length = 4; second = 0x80...0x8F  // nothing past U+10FFFF
      default:
        return (i, line, column, "invalid UTF-8 at byte offset \(i): byte \(hex(lead)) cannot start a character")
      }
      for k in 1..<length {
        guard i + k < count else {
          return (i, line, column, "invalid UTF-8 at byte offset \(i): the character starting with byte \(hex(lead)) is cut short by the end of the file")
        }
        let byte = bytes[i + k]
        guard k == 1 ? second.contains(byte) : (0x80...0xBF).contains(byte) else {
          return (i, line, column, "invalid UTF-8 at byte offset \(i): the character starting with byte \(hex(lead)) is broken by byte \(hex(byte))")
        }
      }
      column += 1
      i += length
    }
    return nil
  }
}

extension Document {
  /// The text of `scalars[start..<end]`, encoded to UTF-8 by hand in one buffer: appending scalars
  /// to a `String` one by one dominated reading a megabyte file.
  static func string(_ scalars: [Unicode.Scalar], _ start: Int, _ end: Int) -> String {
    guard start < end else { return "" }
    return scalars.withUnsafeBufferPointer { source in
      String(unsafeUninitializedCapacity: (end - start) * 4) { out in
        var n = 0
        var i = start
        while i < end {
          let v = source[i].value
          if v < 0x80 {
            out[n] = UInt8(truncatingIfNeeded: v)
            n += 1
          } else if v < 0x800 {
            out[n] = UInt8(truncatingIfNeeded: 0xC0 | v >> 6)
            out[n + 1] = UInt8(truncatingIfNeeded: 0x80 | v & 0x3F)
            n += 2
          } else if v < 0x10000 {
            out[n] = UInt8(truncatingIfNeeded: 0xE0 | v >> 12)
            out[n + 1] = UInt8(truncatingIfNeeded: 0x80 | v >> 6 & 0x3F)
            out[n + 2] = UInt8(truncatingIfNeeded: 0x80 | v & 0x3F)
            n += 3
          } else {
            out[n] = UInt8(truncatingIfNeeded: 0xF0 | v >> 18)
            out[n + 1] = UInt8(truncatingIfNeeded: 0x80 | v >> 12 & 0x3F)
            out[n + 2] = UInt8(truncatingIfNeeded: 0x80 | v >> 6 & 0x3F)
            out[n + 3] = UInt8(truncatingIfNeeded: 0x80 | v & 0x3F)
            n += 4
          }
          i += 1
        }
        return n
      }
    }
  }
}

extension Document {
  /// The scalars of UTF-8 that `checkText` accepted, decoded in one pass (the parsers index scalars;
  /// `Array(text.unicodeScalars)` costs several times more in a debug build).
  static func scalars(_ text: String) -> [Unicode.Scalar] {
    var copy = text
    return copy.withUTF8 { utf8 in
      [Unicode.Scalar](unsafeUninitializedCapacity: utf8.count) { out, count in
        var i = 0
        var n = 0
        while i < utf8.count {
          let lead = UInt32(utf8[i])
          var value: UInt32
          if lead < 0x80 {
            value = lead
            i += 1
          } else if lead < 0xE0 {
            value = (lead & 0x1F) << 6 | UInt32(utf8[i + 1] & 0x3F)
            i += 2
          } else if lead < 0xF0 {
            value = (lead & 0x0F) << 12 | UInt32(utf8[i + 1] & 0x3F) << 6 | UInt32(utf8[i + 2] & 0x3F)
            i += 3
          } else {
            value = (lead & 0x07) << 18 | UInt32(utf8[i + 1] & 0x3F) << 12 | UInt32(utf8[i + 2] & 0x3F) << 6 | UInt32(utf8[i + 3] & 0x3F)
            i += 4
          }
          // A String holds valid UTF-8, so every value is a scalar.
          out[n] = unsafeBitCast(value, to: Unicode.Scalar.self)
          n += 1
        }
        count = n
      }
    }
  }
}
