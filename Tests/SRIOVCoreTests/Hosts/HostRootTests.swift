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

/// The door's own-file operations through the protocol (no downcast): mkdir, atomic replace, symlink.
@Suite("Host files protocol")
struct HostFilesProtocolTests {
  @Test func makesDirectoriesStagesAndLinksInsideTheRoot() throws {
    try withTempCopy(of: "x710-demo") { root in
      let files: any HostFiles = HostRoot(root).files
      try files.makeDirectory(HostPath("etc/sriovctl/a"))
      var isDirectory: ObjCBool = false
      #expect(FileManager.default.fileExists(atPath: root + "/etc/sriovctl/a", isDirectory: &isDirectory) && isDirectory.boolValue)
      try files.stage(Array("x\n".utf8), at: HostPath("etc/sriovctl/a/f")).commit()
      #expect(try files.read(HostPath("etc/sriovctl/a/f")) == "x\n")
      try files.stageSymlink("f", at: HostPath("etc/sriovctl/a/l")).commit()
      #expect(try files.linkText(HostPath("etc/sriovctl/a/l")) == "f")
      #expect(files.writeRefusal(HostPath("etc/sriovctl/a/f")) == nil)
      #expect(files.entryMode(HostPath("etc/sriovctl/a/l")).map { $0 & 0o170000 } == 0o120000)
      #expect(try files.remove(HostPath("etc/sriovctl/a/l")))
      // A directory that is a link out of the root is refused, not created through.
      try FileManager.default.createSymbolicLink(atPath: root + "/out", withDestinationPath: "/tmp")
      #expect(throws: SysfsError.self) { try files.makeDirectory(HostPath("out/sriovctl-should-not-exist")) }
      #expect(!FileManager.default.fileExists(atPath: "/tmp/sriovctl-should-not-exist"))
    }
  }
}
