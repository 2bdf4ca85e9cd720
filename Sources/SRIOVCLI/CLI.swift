import ArgumentParser
import SRIOVCore

struct SRIOVCtl: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sriovctl",
    abstract: "Inspect and manage SR-IOV on Linux hosts.",
    discussion: HelpText.overview,
    version: Release.version,
    subcommands: [List.self, Show.self, Create.self, Remove.self, Bind.self, Unbind.self, SetVF.self, Check.self, EswitchCommand.self, Owners.self, ApplyState.self, PersistState.self, Capture.self])

  // Lets `--root`/`--json` stand before the subcommand too; subcommands declare the same group.
  @OptionGroup var global: GlobalOptions
}

/// The whole CLI as a function: arguments in, exit status out. Output goes to `Output.sink` and the
/// environment comes from `CLIEnvironment.values` (task-local, so tests run commands in-process and
/// in parallel, each with its own). Our own errors print as `Error: ...` plus `hint: ...`; parsing
/// errors keep swift-argument-parser's usage output and exit 64.
public enum CLI {
  /// In-process: `sink` gets the output and `environment` replaces the process's.
  public static func run(_ arguments: [String], sink: OutputSink, environment: [String: String]) -> Int32 {
    Output.$sink.withValue(sink) { CLIEnvironment.$values.withValue(environment) { run(arguments) } }
  }

  public static func run(_ arguments: [String]) -> Int32 {
    // `sriovctl --version` alone is answered before swift-argument-parser builds the command tree
    // (scripts call it to probe the tool; same output as the parser's).
    if arguments.count == 2 && arguments[1] == "--version" {
      // Release.version, not SRIOVCtl.configuration.version: building the configuration formats the
      // whole help overview (a fifth of this path's instructions).
      let version: String = Release.version
      Output.write(version + "\n")
      return 0
    }
    if let topic = unknownHelpTopic(arguments) {
      let names = SRIOVCtl.configuration.subcommands.map { $0._commandName }
      Output.error("help: there is no command '\(ParseError.printable(topic))' (the commands: \(names.joined(separator: ", ")))",
        hint: "run 'sriovctl help' for the overview, 'sriovctl help COMMAND' for one command")
      return ExitStatus.usage
    }
    do {
      if let list = QuickList(arguments.dropFirst()) {
        try List.run(root: list.root, json: list.json, vfs: list.vfs, all: list.all)
      } else {
        var command = try SRIOVCtl.parseAsRoot(Array(arguments.dropFirst()))
        try command.run()
      }
      return 0
    } catch let error as any UserFacingError {
      Output.error(error.message, hint: error.hint)
      return ExitStatus.code(for: error.kind)
    } catch {
      let status = SRIOVCtl.exitCode(for: error)
      let message = SRIOVCtl.fullMessage(for: error)
      // --help and friends go to stdout, as swift-argument-parser prints them.
      if status == .success { Output.write(message.isEmpty ? "" : message + "\n"); return 0 }
      // The parser quotes the value it refused: escape it (an ESC in an argument must not reach the
      // terminal), keeping its own line breaks (usage lines).
      if !message.isEmpty { Output.warning(TerminalText.escaped(message, keepingLineBreaks: true) + "\n") }
      return status.rawValue
    }
  }
}

/// The NAME of `sriovctl [--root DIR] [--json] help NAME ...` when no command has that name:
/// swift-argument-parser would print the overview and exit 0, hiding a typo from scripts.
func unknownHelpTopic(_ arguments: [String]) -> String? {
  var words = arguments.dropFirst()
  // The global options may stand before `help`.
  while let first = words.first, first.hasPrefix("-") {
    words = words.dropFirst(first == "--root" ? 2 : 1)
  }
  guard words.first == "help", let topic = words.dropFirst().first(where: { !$0.hasPrefix("-") }) else { return nil }
  let names = SRIOVCtl.configuration.subcommands.map { $0._commandName } + ["help"]
  return names.contains(topic) ? nil : topic
}

