import SRIOVCore
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// The process's edges: stdout, stderr and the environment.
enum Output {
  /// Text as it is: JSON (which escapes by its own rules) and the tool's own fixed text.
  static func write(_ text: String) {
    fputs(text, stdout)
    fflush(stdout)
  }

  /// A text report: the last pass over everything a renderer built from host names. The renderers
  /// escape each name (a newline in one must not start a line); this pass catches any they missed,
  /// keeping only the renderer's own line breaks.
  static func text(_ text: String) {
    write(TerminalText.escaped(text, keepingLineBreaks: true))
  }

  /// The one choice every reporting command makes: its JSON document, or its text report.
  static func report(json: Bool, _ document: @autoclosure () -> JSON, text report: @autoclosure () -> String) {
    if json { write(document().rendered()) } else { text(report()) }
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
