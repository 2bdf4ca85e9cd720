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

  /// The input as it can stand in a one-line message: control characters escaped (a value read from a
  /// damaged file or typed with a newline must not break the line), and at most `limit` characters.
  public static func printable(_ text: String, limit: Int? = 80) -> String {
    var out = ""
    var count = 0
    for scalar in text.unicodeScalars {
      if count == limit { return out + "... (\(text.unicodeScalars.count) characters)" }
      count += 1
      switch scalar {
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20 || scalar.value == 0x7f || (scalar.value >= 0x80 && scalar.value < 0xa0):
        out += "\\x" + Hex.format(scalar.value, width: 2)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
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
    let digits = String(value, radix: 16)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
  }
}
