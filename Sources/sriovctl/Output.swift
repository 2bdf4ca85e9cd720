import SRIOVCore
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// The process's edges: stdout, stderr and the environment.
enum Output {
  static func write(_ text: String) {
    fputs(text, stdout)
    fflush(stdout)
  }

  /// Warnings beside a JSON result (stdout stays one JSON document).
  static func warning(_ text: String) { fputs(text, stderr) }

  static func error(_ message: String, hint: String?) {
    // A path or value with a newline in it must not break the one-line contract.
    var text = "Error: \(ParseError.printable(message, limit: nil))\n"
    if let hint { text += "hint: \(ParseError.printable(hint, limit: nil))\n" }
    fputs(text, stderr)
  }
}

enum Process {
  static var environment: [String: String] {
    var result: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
      let pair = String(cString: entry)
      if let eq = pair.firstIndex(of: "=") { result[String(pair[..<eq])] = String(pair[pair.index(after: eq)...]) }
      pointer += 1
    }
    return result
  }
}
