import Foundation
import Testing

/// The built executable against the in-process CLI the other CLI tests use: the thin `main` must
/// add nothing (same stdout, stderr and exit status), for each kind of exit.
@Suite("End to end: the binary and the in-process CLI agree")
struct EndToEndTests {
  static let x710 = fixtureRoot("x710-demo")

  @Test(arguments: [
    ["--root", x710, "list", "--vfs"],                         // QuickList
    ["--root", x710, "show", "enp59s0f0", "--json"],           // the parser, a report
    ["--root", x710, "show", "0000:3b:09.0"],                  // a core error with a hint: 1
    ["--root", x710, "set", "enp59s0f0", "0", "--trust", "maybe"],  // a parser error: 64
    ["--root", x710, "check", "--strict"],                     // a failed check: 1, nothing on stderr
    ["--version"], ["help", "nope"], ["list", "--help"],
  ])
  func sameOutput(args: [String]) throws {
    let binary = try runBinary(args)
    let inProcess = try runCLI(args)
    #expect(binary.status == inProcess.status)
    #expect(binary.stdout == inProcess.stdout)
    #expect(binary.stderr == inProcess.stderr)
  }

  /// In-process runs keep their environments apart (task-local, not the process's).
  @Test func environmentIsPerRun() throws {
    let a = try runCLI(["list"], env: ["SRIOVCTL_ROOT": Self.x710])
    let b = try runCLI(["list"], env: ["SRIOVCTL_ROOT": fixtureRoot("connectx5")])
    #expect(a.status == 0 && b.status == 0)
    #expect(a.stdout != b.stdout)
    #expect(a.stdout == (try runCLI(["--root", Self.x710, "list"])).stdout)
  }
}
