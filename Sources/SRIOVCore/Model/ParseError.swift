/// A value that could not be parsed. The message quotes the input and shows the expected form.
public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
  public let input: String
  public let what: String
  public let expected: String

  public init(input: String, what: String, expected: String) {
    self.input = input
    self.what = what
    self.expected = expected
  }

  public var description: String { "'\(Self.printable(input))' is not \(what) (expected \(expected))" }

  /// The input as it can stand in a one-line message: control and bidi characters escaped (a value
  /// read from a damaged file or typed with a newline must not break the line or drive the
  /// terminal), and at most `limit` characters. `TerminalText.escaped` is the one escaper.
  public static func printable(_ text: String, limit: Int? = 80) -> String {
    TerminalText.escaped(text, limit: limit)
  }
}

/// Hex parsing shared by the model types; accepts an optional `0x` prefix.
enum Hex {
  static func parse<T: FixedWidthInteger>(_ text: Substring, as _: T.Type, allowPrefix: Bool = true) -> T? {
    var digits = text
    if allowPrefix, digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
    guard !digits.isEmpty, digits.allSatisfy(\.isHexDigit) else { return nil }
    return T(digits, radix: 16)
  }

  /// Lowercase, zero-padded to `width` digits.
  static func format<T: BinaryInteger>(_ value: T, width: Int) -> String {
    // IDs and addresses are formatted thousands of times per listing: bytes, not `String(radix:)`.
    if value >= 0, let small = UInt64(exactly: value), width <= 16 {
      var digits = 1
      while digits < 16 && small >> (4 * UInt64(digits)) != 0 { digits += 1 }
      let count = max(digits, width)
      return String(unsafeUninitializedCapacity: count) { out in
        for i in 0..<count { out[count - 1 - i] = lowercase(Int(small >> (4 * UInt64(i)) & 0xf)) }
        return count
      }
    }
    let digits = String(value, radix: 16)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
  }

  /// The lowercase ASCII hex digit for 0-15.
  static func lowercase(_ nibble: Int) -> UInt8 {
    nibble < 10 ? UInt8(ascii: "0") + UInt8(nibble) : UInt8(ascii: "a") + UInt8(nibble - 10)
  }

  /// The value of an ASCII hex digit (either case); nil for any other byte.
  static func digit(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
  }
}
