import ArgumentParser
import SRIOVCore

#if canImport(Glibc)
import Glibc
#endif

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

/// Runs the command; our own errors print as `Error: ...` plus `hint: ...` with their exit code,
/// parsing errors keep swift-argument-parser's usage output and exit 64.
func main() -> Never {
  // `sriovctl --version` alone is answered before swift-argument-parser builds the command tree
  // (scripts call it to probe the tool; same output as the parser's).
  let arguments: [String] = CommandLine.arguments
  if arguments.count == 2 && arguments[1] == "--version" {
    // Release.version, not SRIOVCtl.configuration.version: building the configuration formats the
    // whole help overview (a fifth of this path's instructions).
    let version: String = Release.version
    Output.write(version + "\n")
    exit(0)
  }
  if let topic = unknownHelpTopic(arguments) {
    let names = SRIOVCtl.configuration.subcommands.map { $0._commandName }
    Output.error("help: there is no command '\(ParseError.printable(topic))' (the commands: \(names.joined(separator: ", ")))",
      hint: "run 'sriovctl help' for the overview, 'sriovctl help COMMAND' for one command")
    exit(ExitStatus.usage)
  }
  do {
    if let list = QuickList(arguments.dropFirst()) {
      try List.run(root: list.root, json: list.json, vfs: list.vfs, all: list.all)
    } else {
      var command = try SRIOVCtl.parseAsRoot()
      try command.run()
    }
    exit(0)
  } catch let error as any UserFacingError {
    Output.error(error.message, hint: error.hint)
    exit(ExitStatus.code(for: error.kind))
  } catch {
    let status = SRIOVCtl.exitCode(for: error)
    guard status != .success else { SRIOVCtl.exit(withError: error) }  // --help and friends: stdout
    // The parser quotes the value it refused: escape it (an ESC in an argument must not reach the
    // terminal), keeping its own line breaks (usage lines).
    let message = SRIOVCtl.fullMessage(for: error)
    if !message.isEmpty { Output.warning(TerminalText.escaped(message, keepingLineBreaks: true) + "\n") }
    exit(status.rawValue)
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

main()
