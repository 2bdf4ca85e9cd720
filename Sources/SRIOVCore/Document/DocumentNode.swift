/// Where a value sits in a file, for error messages (`FILE:LINE:COLUMN`). Both 1-based; the column
/// counts characters (Unicode scalars), not bytes.
public struct SourcePosition: Equatable, Hashable, Sendable, CustomStringConvertible {
  public let line: Int
  public let column: Int

  public init(line: Int, column: Int) {
    self.line = line
    self.column = column
  }

  public var description: String { "\(line):\(column)" }
}

/// One `key: value` of a mapping, in file order.
public struct DocumentEntry: Equatable, Sendable {
  public let key: String
  public let keyPosition: SourcePosition
  public let value: DocumentNode

  public init(key: String, keyPosition: SourcePosition, value: DocumentNode) {
    self.key = key
    self.keyPosition = keyPosition
    self.value = value
  }
}

/// A parsed JSON or YAML value. Numbers keep their literal text so the schema that reads a field
/// decides what is valid for it (`010` or `0x10` must not silently become 8 or 16).
public indirect enum DocumentValue: Equatable, Sendable {
  case null
  case bool(Bool)
  case number(String)
  case string(String)
  case array([DocumentNode])
  case object([DocumentEntry])
}

/// A value and where it started.
public struct DocumentNode: Equatable, Sendable {
  public let value: DocumentValue
  public let position: SourcePosition

  public init(_ value: DocumentValue, at position: SourcePosition) {
    self.value = value
    self.position = position
  }

  /// "a string", "a number", ... for "expected X, found Y" messages.
  public var kindDescription: String {
    switch value {
    case .null: "null"
    case .bool: "a boolean"
    case .number: "a number"
    case .string: "a string"
    case .array: "a list"
    case .object: "a mapping"
    }
  }

  public var isNull: Bool { value == .null }

  public var string: String? {
    if case .string(let text) = value { return text }
    return nil
  }

  public var bool: Bool? {
    if case .bool(let flag) = value { return flag }
    return nil
  }

  /// A plain decimal integer literal (`-12`, `4095`). Leading zeros, signs other than one `-`,
  /// fractions and exponents are not integers here: the caller reports them.
  public var integer: Int? {
    guard case .number(let literal) = value else { return nil }
    // Bytes, not Characters: every count and index in a file passes here. More than 20 bytes
    // cannot fit an Int anyway.
    var copy = literal
    return copy.withUTF8 { utf8 -> Int? in
      guard utf8.count <= 20, !utf8.isEmpty else { return nil }
      let negative = utf8[0] == UInt8(ascii: "-")
      let start = negative ? 1 : 0
      guard start < utf8.count, utf8.count - start == 1 || utf8[start] != UInt8(ascii: "0") else { return nil }
      var value = 0
      var i = start
      while i < utf8.count {
        let digit = Int(utf8[i]) - 48
        guard digit >= 0 && digit <= 9 else { return nil }
        let (times, o1) = value.multipliedReportingOverflow(by: 10)
        let (sum, o2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
        guard !o1 && !o2 else { return nil }
        value = sum
        i += 1
      }
      return value
    }
  }

  public var elements: [DocumentNode]? {
    if case .array(let items) = value { return items }
    return nil
  }

  public var entries: [DocumentEntry]? {
    if case .object(let items) = value { return items }
    return nil
  }

  /// The value of `key` in a mapping (nil when absent or when this is not a mapping).
  public subscript(key: String) -> DocumentNode? {
    entries?.first { $0.key == key }?.value
  }
}

/// A file that could not be parsed: `FILE:LINE:COLUMN: message`.
public struct DocumentError: Error, Equatable, Sendable, CustomStringConvertible {
  public let source: String
  public let position: SourcePosition
  public let message: String
  /// How to fix it, when the reader knows better than its caller (bytes that are not text).
  public let hint: String?

  public init(source: String, position: SourcePosition, message: String, hint: String? = nil) {
    self.source = source
    self.position = position
    self.message = message
    self.hint = hint
  }

  public var description: String { "\(source):\(position.line):\(position.column): \(message)" }
}

/// Parsers for the structured files sriovctl reads (desired state, captured VF settings).
public enum Document {
  /// The most characters of a key or value from the file that a message quotes: a hostile file
  /// must not turn one error line into megabytes.
  public static let echoLimit = 64

  /// `text` as a message may quote it: control characters escaped, cut after `echoLimit`
  /// characters (then `... (N characters)`).
  public static func echo(_ text: some StringProtocol) -> String {
    ParseError.printable(String(text), limit: echoLimit)
  }

  static func echo(_ scalar: Unicode.Scalar) -> String { echo(String(Character(scalar))) }
}
