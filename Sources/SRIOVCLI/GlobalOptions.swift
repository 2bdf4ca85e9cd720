import ArgumentParser
import SRIOVCore

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
  @Option(name: .long, help: ArgumentHelp(
    "Host root to read and write: a capture or a fixture (default: $SRIOVCTL_ROOT, else /; sysfs is DIR/sys).",
    valueName: "dir"), completion: .directory)
  var root: String?

  @Flag(name: .long, help: "Print JSON (schema_version 1) instead of a table.")
  var json = false

  /// The host root, resolved once: `--root`, else `SRIOVCTL_ROOT`, else `/` (live by identity).
  func hostRoot(environment: [String: String]) -> HostRoot {
    HostRoot(option: root, environment: environment)
  }

  func host(environment: [String: String]) throws -> Host {
    try Self.host(root: root, environment: environment)
  }

  /// Also for `QuickList`, which has `--root` without the parser.
  static func host(root: String?, environment: [String: String]) throws -> Host {
    try Host(root: HostRoot(option: root, environment: environment))
  }
}
