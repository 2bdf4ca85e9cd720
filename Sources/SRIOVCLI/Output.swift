import SRIOVCore
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Where the CLI's output goes: the process's stdout and stderr, or a test's buffers.
public struct OutputSink: Sendable {
  public let out: @Sendable (String) -> Void
  public let err: @Sendable (String) -> Void
  /// Whether `err` is a terminal: progress lines are rewritten in place only there.
  public let errIsTerminal: Bool

  public init(out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void, errIsTerminal: Bool = false) {
    self.out = out
    self.err = err
    self.errIsTerminal = errIsTerminal
  }

  public static let standard = OutputSink(
    out: { text in fputs(text, stdout); fflush(stdout) },
    err: { text in fputs(text, stderr) },
    errIsTerminal: isatty(2) == 1)
}

/// The process's edges: stdout, stderr and the environment.
enum Output {
  /// Task-local, not global: each in-process run (a test) binds its own.
  @TaskLocal static var sink = OutputSink.standard

  /// Text as it is: JSON (which escapes by its own rules) and the tool's own fixed text.
  static func write(_ text: String) { sink.out(text) }

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
  static func warning(_ text: String) { sink.err(text) }

  static func error(_ message: String, hint: String?) {
    // A path or value with a newline in it must not break the one-line contract.
    var text = "Error: \(ParseError.printable(message, limit: nil))\n"
    if let hint { text += "hint: \(ParseError.printable(hint, limit: nil))\n" }
    sink.err(text)
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

/// The environment the CLI sees: the process's, unless a caller (a test) binds its own.
enum CLIEnvironment {
  @TaskLocal static var values: [String: String]? = nil
}

enum Process {
  static var environment: [String: String] {
    if let values = CLIEnvironment.values { return values }
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
