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
  static func render(_ report: some Rendered, json: Bool) {
    if json { write(report.json().rendered()) } else { text(report.text()) }
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

/// A report as every command prints it: escaped text, or one JSON document.
protocol Rendered {
  func text() -> String
  func json() -> JSON
}

extension ListReport: Rendered {}
extension DeviceReport: Rendered {}
extension DevlinkDeviceReport: Rendered {}
extension LifecycleOutcome: Rendered {}
extension ApplyOutcome: Rendered {}
extension Persist.Outcome: Rendered {}
extension CaptureReport: Rendered {}
extension OwnersReport: Rendered {}
extension VFSettingsOutcome: Rendered {}
extension EswitchOutcome: Rendered {}

/// `check`: `--strict` decides the JSON's `ok` too.
struct StrictCheckReport: Rendered {
  let report: CheckReport
  let strict: Bool
  func text() -> String { report.text() }
  func json() -> JSON { report.json(strict: strict) }
}

/// A report with lines before its text (warnings); in JSON they go to stderr instead.
struct PrefixedReport<Base: Rendered>: Rendered {
  let prefix: String
  let base: Base
  func text() -> String { prefix + base.text() }
  func json() -> JSON { base.json() }
}

/// The exit status of each kind of error: the CLI's contract (DESIGN.md section 2), not core's.
enum ExitStatus {
  static let usage: Int32 = 64

  static func code(for kind: ErrorKind) -> Int32 {
    switch kind {
    case .failure: 1
    case .usage: usage
    case .interrupted(let signal): 128 + signal
    }
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
