import SRIOVCore

/// Fails the run (libFuzzer records the input as a crash) when a property does not hold.
public func require(_ condition: Bool, _ message: @autoclosure () -> String) {
  if !condition { fatalError("property violated: \(message())") }
}

/// What every error a user can see must be: one line, not empty. Messages are checked as the CLI
/// prints them (`Output.error` escapes control characters with `ParseError.printable`); a
/// `ParseError` must already be one line by itself (it is embedded in other messages).
public func requireOneLine(_ error: any Error, _ context: @autoclosure () -> String) {
  let text: String
  if let parse = error as? ParseError {
    text = parse.description
  } else if let user = error as? any UserFacingError {
    text = ParseError.printable(user.message, limit: nil)
    if let hint = user.hint { require(!ParseError.printable(hint, limit: nil).contains("\n"), "hint has a newline: \(hint) (\(context()))") }
  } else {
    text = String(describing: error)
  }
  require(!text.isEmpty, "empty error message (\(context()))")
  require(!text.contains("\n") && !text.contains("\r"), "error message spans lines: \(text) (\(context()))")
}

/// Input bytes split into fields at newlines (a field may be empty); missing fields are nil.
public struct Fields {
  public let values: [[UInt8]]
  public init(_ bytes: UnsafeBufferPointer<UInt8>) {
    values = bytes.split(separator: 0x0a, omittingEmptySubsequences: false).map(Array.init)
  }
  /// Field `i` as text (lossy UTF-8, as sysfs reads decode it), nil when absent or empty.
  public subscript(_ i: Int) -> String? {
    guard i < values.count, !values[i].isEmpty else { return nil }
    return String(decoding: values[i], as: UTF8.self)
  }
}
