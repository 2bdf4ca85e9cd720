import Foundation
import SRIOVCore
import Testing

/// The host root is one value, resolved once: live by identity with `/`, never by spelling.
@Suite("Host root value")
struct HostRootTests {
  @Test(arguments: ["/", "//", "/./", "///.//"])
  func everySpellingOfSlashIsTheLiveHost(_ spelling: String) throws {
    let root = HostRoot(spelling)
    #expect(root.isLive)
    #expect(root.path == "/")
    #expect(root.files.absolute(SysfsLayout.pciDevices) == "/sys/bus/pci/devices")
  }

  @Test func aLinkToSlashIsTheLiveHost() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sriovctl-hostroot-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.createSymbolicLink(atPath: dir + "/slash", withDestinationPath: "/")
    #expect(HostRoot(dir + "/slash").isLive)
    #expect(!HostRoot(dir).isLive)
  }

  @Test func aFixtureIsNotLiveAndKeepsItsPath() {
    let fixture = fixtureRoot("x710-demo")
    for spelling in [fixture, fixture + "/", fixture + "//"] {
      let root = HostRoot(spelling)
      #expect(!root.isLive)
      #expect(root.path == fixture)
    }
  }

  @Test func optionThenEnvironmentThenSlash() {
    #expect(HostRoot(option: "/a", environment: ["SRIOVCTL_ROOT": "/b"]).path == "/a")
    #expect(HostRoot(option: nil, environment: ["SRIOVCTL_ROOT": "//"]).isLive)
    #expect(HostRoot(option: nil, environment: ["SRIOVCTL_ROOT": ""]).isLive)
    #expect(HostRoot(option: nil, environment: [:]).isLive)
  }

  /// What used to compare the spelling with "/" (devlink): `//` is the live kernel too.
  @Test(arguments: ["/", "//", "/./"])
  func theLiveHostAsksTheKernelsDevlink(_ spelling: String) throws {
    let host = try Host(root: HostRoot(spelling))
    #expect(host.isLive)
    #expect(host.root == "/")
    #expect(try host.devlinkSource()?.kind == .devlink)
    #expect(host.inventory.isLive)
  }

  @Test func aFixtureIsNotTheLiveKernel() throws {
    let host = try Host(root: HostRoot(fixtureRoot("x710-demo")))
    #expect(!host.isLive)
    #expect(!host.inventory.isLive)
    #expect(try host.devlinkSource() == nil)
  }

  /// The CLI resolves `--root` once: every spelling of `/` answers as the live host, for the full
  /// parser and for the quick `list` path.
  @Test(arguments: [["list", "--json"], ["list", "--all", "--json"], ["show", "00:00.0", "--json"], ["check", "--json"]])
  func cliAnswersTheSameForEverySpellingOfSlash(_ command: [String]) throws {
    try #require(FileManager.default.fileExists(atPath: "/sys/bus/pci/devices/0000:00:00.0") || command.first == "list",
      "this machine has no 0000:00:00.0")
    let live = try runCLI(["--root", "/"] + command)
    for spelling in ["//", "/./"] {
      let other = try runCLI(["--root", spelling] + command)
      #expect(other.status == live.status)
      #expect(other.stdout == live.stdout, "--root \(spelling) \(command.joined(separator: " "))")
      #expect(other.stderr == live.stderr)
      let fromEnvironment = try runCLI(command, env: ["SRIOVCTL_ROOT": spelling])
      #expect(fromEnvironment.stdout == live.stdout)
    }
  }
}
