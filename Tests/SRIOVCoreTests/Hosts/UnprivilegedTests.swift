import Foundation
import Testing

private let setpriv = "/usr/bin/setpriv"
/// Dropping to `nobody` needs root and setpriv (util-linux).
private let canDropPrivileges = getuid() == 0 && FileManager.default.isExecutableFile(atPath: setpriv)

/// Runs the CLI as uid/gid 65534 (nobody) with no supplementary groups or capabilities.
private func runAsNobody(_ args: [String], cwd: String = "/") throws -> (stdout: String, stderr: String, status: Int32) {
  try run("/bin/bash", ["-c", "cd \"$1\" && shift && exec \"$@\"", "bash", cwd,
    setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", Repo.binary] + args, env: ["SWIFT_BACKTRACE": "enable=no"])
}

/// A private copy of a fixture that everyone can read but only root can write (as sysfs is). It lives
/// under /tmp, not $TMPDIR: scripts/test points TMPDIR at a 0700 mktemp folder nobody cannot enter.
private func withReadOnlyCopy<T>(of scenario: String, _ body: (String) throws -> T) throws -> T {
  let dir = "/tmp/sriovctl-nobody-\(UUID().uuidString)"
  try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false,
    attributes: [.posixPermissions: 0o755])
  defer { try? FileManager.default.removeItem(atPath: dir) }
  let copy = dir + "/" + scenario
  let status = try run("/bin/cp", ["-a", fixtureRoot(scenario), copy], env: [:]).status
  try #require(status == 0, "cp -a \(scenario) failed")
  return try body(copy)
}

@Suite("Unprivileged use", .enabled(if: canDropPrivileges, "needs root and setpriv to run as nobody"))
struct UnprivilegedTests {
  @Test func readOnlyCommandsAnswerAsNobodyOnAFixture() throws {
    try withReadOnlyCopy(of: "x710-demo") { root in
      var commands: [[String]] = [["list"], ["list", "--vfs"], ["list", "--all"], ["check"], ["check", "--json"]]
      for device in try deviceAddresses(root: root) { commands += [["show", device], ["show", device, "--json"]] }
      for args in commands {
        let asRoot = try runBinary(["--root", root] + args)
        let asNobody = try runAsNobody(["--root", root] + args)
        #expect(asNobody.stdout == asRoot.stdout && asNobody.status == asRoot.status && asNobody.stderr == asRoot.stderr,
          "sriovctl \(args.joined(separator: " ")) as nobody: \(asNobody.status) \(asNobody.stderr)")
      }
    }
  }

  /// The kernel serves 64 bytes of config space to nobody: capabilities, ACS and the SR-IOV
  /// capability are then unknown, never absent or passing.
  @Test func rootOnlyDataIsUnknownOnThisMachine() throws {
    let devices = try deviceAddresses(root: "/")
    let list = try runAsNobody(["list"])
    #expect(list.status == 0 && list.stderr == "", "\(list.stderr)")
    #expect(list.stdout == (try runBinary(["list"])).stdout)
    for device in devices {
      let r = try runAsNobody(["show", device, "--json"])
      try #require(r.status == 0 && r.stderr == "", "show \(device) as nobody: \(r.stderr)")
      let json = try JSONValue(parsing: r.stdout)["device"]
      #expect(json?["config_readable_bytes"] == 64, "\(device)")
      #expect(json?["port_type"] == .null, "\(device)")
      let acs = json?["acs"]?["status"]?.string
      #expect(acs == "unreadable" || acs == "absent", "\(device): acs \(acs ?? "nil")")
      let text = try runAsNobody(["show", device])
      // Here privilege is the cause, and only here is "run as root" the hint.
      #expect(json?["config_space"]?["status"] == "needs_privilege", "\(device)")
      #expect(text.stdout.contains("unknown (config space past 64 bytes needs root (CAP_SYS_ADMIN))"), "\(device): \(text.stdout)")
    }
    let check = try runAsNobody(["check", "--json"])
    #expect(check.stderr == "" && (check.status == 0 || check.status == 1), "\(check.stderr)")
    #expect(try JSONValue(parsing: check.stdout)["schema_version"] == 1)
  }

  @Test func nonrootViewFixtureShowsUnreadableACS() throws {
    let root = fixtureRoot("nonroot-view")
    let r = try runAsNobody(["--root", root, "show", "0000:01:00.0"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("acs:           unknown (this root holds only the first 64 bytes of config space"), "\(r.stdout)")
  }

  /// create/remove/bind/unbind say they need root before anything is written; --dry-run works.
  @Test(arguments: [
    ["create", "0000:3b:00.0", "2"], ["create", "0000:3b:00.0", "8", "--driver", "iavf"], ["remove", "0000:3b:00.0"],
    ["remove", "enp59s0f0", "--force"], ["bind", "0000:3b:02.0", "igb"], ["unbind", "0000:3b:02.0"],
  ])
  func mutatingCommandsNeedRootBeforeTouchingAnything(args: [String]) throws {
    try withReadOnlyCopy(of: "x710-demo") { root in
      let before = try treeFingerprint(root)
      let r = try runAsNobody(["--root", root] + args)
      #expect(r.status == 1)
      let lines = r.stderr.split(separator: "\n").map(String.init)
      #expect(lines.count == 2, "\(r.stderr)")
      #expect(lines.first?.hasPrefix("Error: 0000:3b:0") == true && lines.first?.contains("needs root (permission denied for uid 65534)") == true, "\(r.stderr)")
      #expect(lines.last == "hint: run it as root (sudo sriovctl ...), or add --dry-run to see what it would write")
      #expect(r.stdout == "")
      let dry = try runAsNobody(["--root", root] + args + ["--dry-run"])
      #expect(dry.status == 0 && dry.stdout.contains("would"), "\(args) --dry-run as nobody: \(dry.stderr)")
      #expect(try treeFingerprint(root) == before, "\(args): the tree changed")
      #expect(!FileManager.default.fileExists(atPath: root + "/run/sriovctl.lock"), "the lock was taken")
    }
  }

  @Test func captureAsNobodyKeepsWhatNobodyCanRead() throws {
    try withCaptureDir { parent, capture in
      _ = try run("/bin/chown", ["65534:65534", parent], env: [:])
      _ = try run("/bin/chmod", ["755", (parent as NSString).deletingLastPathComponent], env: [:])
      let r = try runAsNobody(["capture", capture], cwd: parent)
      try #require(r.status == 0, "\(r.stderr)")
      for device in try deviceAddresses(root: capture) {
        let config = try Data(contentsOf: URL(fileURLWithPath: capture + "/sys/bus/pci/devices/\(device)/config").resolvingSymlinksInPath())
        #expect(config.count == 64, "\(device): \(config.count) config bytes as nobody")
      }
      #expect(try runBinary(["--root", capture, "list"]).stdout == (try runBinary(["list"])).stdout)
    }
  }
}
