import Foundation
import SRIOVCore
import Testing

/// `QuickList` answers the common forms of `list` without swift-argument-parser. Every form it
/// accepts must do what the parser does: each is run against the same form with `--root=DIR`,
/// a spelling only the parser takes.
@Suite("Quick list parsing")
struct QuickListTests {
  /// Every accepted arrangement: `--root` and `--json` before or after `list`, `--vfs`/`--all` after it.
  static let forms: [[String]] = {
    var forms: [[String]] = []
    for rootFirst in [true, false] {
      for json in ["", "before", "after"] {
        for tail in [[], ["--vfs"], ["--all"], ["--vfs", "--all"], ["--all", "--vfs"]] {
          var form: [String] = []
          if rootFirst { form.append("ROOT") }
          if json == "before" { form.append("--json") }
          form.append("list")
          form += tail
          if json == "after" { form.append("--json") }
          if !rootFirst { form.append("ROOT") }
          forms.append(form)
        }
      }
    }
    return forms
  }()

  @Test(arguments: ["x710-demo", "x710-vf-settings", "connectx5", "/nonexistent"])
  func everyAcceptedFormDoesWhatTheParserDoes(scenario: String) throws {
    let root = scenario.hasPrefix("/") ? scenario : fixtureRoot(scenario)
    for form in Self.forms {
      let quick = try runCLI(form.flatMap { $0 == "ROOT" ? ["--root", root] : [$0] })
      let parsed = try runCLI(form.map { $0 == "ROOT" ? "--root=\(root)" : $0 })
      #expect(quick.stdout == parsed.stdout, "\(form)")
      #expect(quick.stderr == parsed.stderr, "\(form)")
      #expect(quick.status == parsed.status, "\(form)")
    }
  }

  @Test func rootFromTheEnvironmentAsWithTheParser() throws {
    let root = fixtureRoot("x710-demo")
    let quick = try runCLI(["list", "--vfs", "--json"], env: ["SRIOVCTL_ROOT": root])
    let parsed = try runCLI(["list", "--vfs", "--json", "--root=\(root)"])
    #expect(quick.status == 0)
    #expect(quick.stdout == parsed.stdout)
  }

  /// Forms left to the parser still work (or fail) as before.
  @Test func otherFormsGoToTheParser() throws {
    let root = fixtureRoot("x710-demo")
    let listed = try runCLI(["--root", root, "list", "--vfs"])
    #expect(try runCLI(["--root", root, "list", "--vfs", "--vfs"]).stdout == listed.stdout)
    let help = try runCLI(["list", "--help"])
    #expect(help.status == 0 && help.stdout.contains("USAGE: sriovctl list"))
    let misplaced = try runCLI(["--vfs", "list", "--root", root])
    #expect(misplaced.status == 64 && misplaced.stdout == "")
    let unknown = try runCLI(["list", "--root", root, "--frobnicate"])
    #expect(unknown.status == 64 && unknown.stderr.contains("--frobnicate"))
  }
}
