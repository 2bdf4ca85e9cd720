import Foundation
import SRIOVCore
import Testing

/// The subcommands the built binary has, read from its own command tree (never a hard-coded list,
/// so commands that land later are checked too).
func subcommandNames() throws -> [String] {
  let r = try runCLI(["--experimental-dump-help"])
  try #require(r.status == 0, "--experimental-dump-help exited \(r.status): \(r.stderr)")
  let tree = try JSONValue(parsing: r.stdout)
  let names = (tree["command"]?["subcommands"]?.array ?? []).compactMap { $0["commandName"]?.string }
  try #require(names.count >= 7, "the command tree lists only \(names)")
  return names.filter { $0 != "help" }
}

/// One example from a command's EXAMPLES section: the command after `$ ` and the output lines
/// printed under it (indentation relative to the `$`).
struct HelpExample {
  var command: String
  var output: [String]
}

/// The lines of a section (`EXAMPLES:`) up to the next upper-case heading, without its indent.
func helpSection(_ name: String, in help: String) -> [String] {
  let lines = help.components(separatedBy: "\n")
  guard let start = lines.firstIndex(of: name + ":") else { return [] }
  var body: [String] = []
  for line in lines[(start + 1)...] {
    if let first = line.first, first != " ", line.hasSuffix(":") || line.hasPrefix("USAGE:") { break }
    body.append(line.hasPrefix("  ") ? String(line.dropFirst(2)) : line)
  }
  return body
}

func helpExamples(in help: String) -> [HelpExample] {
  var examples: [HelpExample] = []
  for line in helpSection("EXAMPLES", in: help) {
    if line.hasPrefix("$ ") {
      examples.append(HelpExample(command: String(line.dropFirst(2)), output: []))
    } else if !line.trimmingCharacters(in: .whitespaces).isEmpty, !examples.isEmpty {
      examples[examples.count - 1].output.append(line)
    }
  }
  return examples
}

private func squeezed(_ line: String) -> String {
  line.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
}

@Suite("Help")
struct HelpTests {
  @Test func everyCommandHasAbstractExamplesAndExitStatus() throws {
    for name in try subcommandNames() {
      let r = try runCLI(["help", name])
      #expect(r.status == 0, "sriovctl help \(name) exited \(r.status): \(r.stderr)")
      #expect(r.stdout.hasPrefix("OVERVIEW: "), "sriovctl help \(name) has no abstract")
      let examples = helpExamples(in: r.stdout)
      #expect(!examples.isEmpty, "sriovctl help \(name) has no EXAMPLES section with a '$ sriovctl ...' line")
      for example in examples {
        #expect(example.command.hasPrefix("sriovctl \(name)") || example.command.contains("&& sriovctl \(name)"),
          "an example of \(name) runs something else: \(example.command)")
      }
      let status = helpSection("EXIT STATUS", in: r.stdout).joined(separator: "\n")
      for code in ["0", "1", "64"] {
        #expect(status.contains("\n\(code) ") || status.hasPrefix("\(code) "), "sriovctl help \(name): EXIT STATUS lacks \(code)")
      }
    }
  }

  @Test func helpCommandAndHelpFlagAgree() throws {
    for name in try subcommandNames() {
      let viaHelp = try runCLI(["help", name]), viaFlag = try runCLI([name, "--help"])
      #expect(viaFlag.status == 0)
      #expect(viaHelp.stdout == viaFlag.stdout, "'sriovctl help \(name)' differs from 'sriovctl \(name) --help'")
    }
  }

  @Test func rootHelpListsEveryCommandAndTheEnvironment() throws {
    let r = try runCLI(["--help"])
    #expect(r.status == 0)
    for name in try subcommandNames() { #expect(r.stdout.contains("\n  \(name) "), "sriovctl --help does not list \(name)") }
    #expect(r.stdout.contains("SRIOVCTL_ROOT"))
    #expect(helpSection("EXIT STATUS", in: r.stdout).contains { $0.hasPrefix("64 ") })
  }

  /// `help NAME` for a name no command has is a usage error too (swift-argument-parser alone
  /// prints the overview and exits 0), also after the global options; known names still get help.
  @Test(arguments: [["help", "NOSUCH"], ["help", "lsit"], ["--root", "/nonexistent", "help", "nosuch"], ["--json", "help", "x\u{1b}[2J"]])
  func helpForAnUnknownCommandIsAUsageError(args: [String]) throws {
    let r = try runCLI(args)
    #expect(r.status == 64)
    #expect(r.stdout.isEmpty)
    let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.count == 3 && lines[0].hasPrefix("Error: help: there is no command '") && lines[1].hasPrefix("hint: run 'sriovctl help'"),
      "\(r.stderr)")
    #expect(!r.stderr.contains("\u{1b}"), "the name is echoed with control characters escaped")
    for name in try subcommandNames() { #expect(lines[0].contains(name), "the error does not list \(name)") }
    let known = try runCLI(["help", "help"])
    #expect(known.status == 0 && known.stdout.hasPrefix("OVERVIEW: "))
  }

  /// The 64 every EXIT STATUS section promises.
  @Test func unknownCommandIsAUsageError() throws {
    let r = try runCLI(["frobnicate"])
    #expect(r.status == 64)
    #expect(r.stderr.contains("Error: Unexpected argument 'frobnicate'"))
  }

  /// Help lines stay within 80 columns (swift-argument-parser re-wraps longer ones without their
  /// indent, which breaks examples and the exit-status table).
  @Test func helpFitsEightyColumns() throws {
    for name in try subcommandNames() {
      let r = try runCLI(["help", name], env: ["COLUMNS": "80"])
      let discussion = r.stdout.components(separatedBy: "\nUSAGE:")[0]
      for line in discussion.components(separatedBy: "\n") {
        #expect(line.count <= 80, "sriovctl help \(name): \(line.count) columns: \(line)")
      }
    }
  }

  /// Every example that shows output is run against the demo host (a private copy) and must print
  /// those lines: examples stay real as the commands change. `...` marks an abridged line.
  @Test func examplesPrintWhatTheHelpShows() throws {
    try withTempCopy(of: "x710-demo") { root in
      for name in try subcommandNames() {
        let help = try runCLI(["help", name]).stdout
        for example in helpExamples(in: help) where !example.output.isEmpty {
          try #require(!example.command.contains("|") && !example.command.contains("&&"),
            "example with output must be one plain command: \(example.command)")
          let words = example.command.split(separator: " ").dropFirst().map(String.init)
          let r = try runCLI(["--root", root] + words)
          let actual = r.stdout.components(separatedBy: "\n").map(squeezed)
          for expected in example.output.map(squeezed) where expected != "..." {
            if expected.hasSuffix("...") {
              let prefix = String(expected.dropLast(3)).trimmingCharacters(in: .whitespaces)
              #expect(actual.contains { $0.hasPrefix(prefix) }, "\(example.command): no line starts with '\(prefix)'\n\(r.stdout)")
            } else {
              #expect(actual.contains(expected), "\(example.command): no line '\(expected)'\n\(r.stdout)")
            }
          }
        }
      }
    }
  }
}
