import Foundation
import Testing

/// Stands for an argument of raw non-UTF-8 bytes (`\xff\xfe/..`), which Foundation's `Process`
/// cannot pass: the bash wrapper substitutes it. (argv cannot carry NUL at all.)
private let nonUTF8 = "@NON-UTF8@"

/// Runs the CLI from `cwd` through bash, so that a signal shows as 128+N (a crash) and raw bytes
/// can be passed.
private func runHostile(_ args: [String], cwd: String) throws -> (stdout: String, stderr: String, status: Int32) {
  let script = """
    cd "$1" || exit 99; shift
    args=(); for a in "$@"; do if [ "$a" = '\(nonUTF8)' ]; then args+=($'\\xff\\xfe/..'); else args+=("$a"); fi; done
    "${args[@]}"; exit $?
    """
  return try run("/bin/bash", ["-c", script, "bash", cwd, Repo.binary] + args, env: ["SWIFT_BACKTRACE": "enable=no"])
}

/// What every run must be: no crash, and either success (when allowed) or one `Error:` line (plus
/// at most one `hint:` line for our own errors; swift-argument-parser's usage errors, exit 64, may
/// add usage text after their `Error:` line).
private func expectClean(
  _ r: (stdout: String, stderr: String, status: Int32), allowSuccess: Bool, _ context: String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(r.status < 128 && r.status != 99, "\(context): crashed or did not start (status \(r.status)): \(r.stderr)", sourceLocation: sourceLocation)
  for marker in ["Fatal error", "Backtrace", "Program crashed", "pcilib:", "Stack dump"] {
    #expect(!r.stderr.contains(marker), "\(context): \(marker) in stderr: \(r.stderr)", sourceLocation: sourceLocation)
  }
  if !allowSuccess { #expect(r.status != 0, "\(context): succeeded", sourceLocation: sourceLocation) }
  guard r.status != 0 else { return }
  // `check` exits 1 when a check fails, with its findings on stdout and nothing on stderr.
  if r.status == 1 && r.stderr.isEmpty && context.contains(" check") && !r.stdout.isEmpty { return }
  let lines = r.stderr.split(separator: "\n").map(String.init)
  #expect(lines.first?.hasPrefix("Error: ") == true, "\(context): first stderr line is not 'Error: ...': \(r.stderr)", sourceLocation: sourceLocation)
  if r.status == 1 {
    #expect(lines.count == 1 || (lines.count == 2 && lines[1].hasPrefix("hint: ")),
      "\(context): not one Error line + optional hint: \(r.stderr)", sourceLocation: sourceLocation)
  } else {
    #expect(r.status == 64, "\(context): unexpected status \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
  }
}

/// Malformed, out-of-range and hostile argument values.
private let hostileValues: [String] = [
  "", "../", "../../../../etc/passwd", "/etc/passwd", "/", ".", "..", "a/b", String(repeating: "a", count: 4096),
  "0000:3b:00.0/../../..", "3b:00.0\n", "line\nbreak", "\u{1b}[31mred", "-1", "99999999999999999999", "0x10",
  "%s%n%n", "ü", "zz:zz.z", "0000:3b:00.8", "ffff:ff:1f.7", nonUTF8,
]

/// Each command with `V` where the hostile value goes. Mutating commands run for real (no --dry-run)
/// where the value must be refused before anything is written; where a value could be valid (a
/// driver name, a timeout) they run with --dry-run, since a real VF change on a plain file tree
/// would wait for VFs that never appear.
private let commandShapes: [[String]] = [
  ["show", "V"], ["check", "V"], ["check", "0000:3b:00.0", "V"], ["list", "V"],
  ["create", "V", "2"], ["create", "0000:3b:00.0", "V"], ["create", "0000:3b:00.0", "2", "--driver", "V", "--dry-run"],
  ["create", "0000:3b:00.0", "2", "--timeout", "V", "--dry-run"], ["remove", "V"], ["bind", "V", "vfio-pci"],
  ["bind", "0000:3b:02.0", "V"], ["unbind", "V"], ["capture", "V"],
  ["set", "V", "0", "--mac", "02:00:00:00:00:01"], ["set", "0000:3b:00.0", "V", "--trust", "on"],
  ["set", "0000:3b:00.0", "0", "--mac", "V"], ["set", "0000:3b:00.0", "0", "--vlan", "V"],
  ["set", "0000:3b:00.0", "0", "--max-rate", "V", "--dry-run"], ["apply", "-f", "V"], ["apply", "-f", "V", "--dry-run"],
  ["persist", "-f", "V", "--dry-run"],
]

/// Values a command may accept: `capture` into a fresh relative name succeeds (in the scratch cwd).
private func mayAccept(_ shape: [String], _ value: String) -> Bool {
  if shape.contains("--timeout"), let seconds = Double(value), seconds > 0 { return true }  // e.g. 0x10: a valid timeout
  return shape == ["capture", "V"] && ["ü", "-1", "0x10", "%s%n%n", "zz:zz.z", "0000:3b:00.8", "ffff:ff:1f.7", "3b:00.0\n", "line\nbreak", "\u{1b}[31mred", "99999999999999999999", "a/b", nonUTF8].contains(value)
}

/// Damage done to a private copy of x710-demo: (name, shell commands run inside the copy).
private let damages: [(String, String)] = [
  ("PF vendor missing", "rm sys/bus/pci/devices/0000:3b:00.0/vendor"),
  ("dangling virtfn link", "ln -sfn ../0000:3b:09.0 sys/bus/pci/devices/0000:3b:00.0/virtfn0"),
  ("virtfn link loop", "ln -sfn virtfn0 sys/bus/pci/devices/0000:3b:00.0/virtfn0"),
  ("iommu_group link out of the root", "ln -sfn ../../../../../../../../../../../etc sys/bus/pci/devices/0000:3b:00.0/iommu_group"),
  ("absolute physfn link", "ln -sfn /etc sys/bus/pci/devices/0000:3b:02.0/physfn"),
  ("device link out of the root", "ln -sfn ../../../../../../../../../tmp sys/bus/pci/devices/0000:3b:00.1"),
  ("dangling device link", "ln -s ../../../devices/pci0000:3a/0000:3a:00.0/0000:3b:00.5 sys/bus/pci/devices/0000:3b:00.5"),
  ("truncated config", "truncate -s 10 sys/bus/pci/devices/0000:3b:00.0/config; truncate -s 0 sys/bus/pci/devices/0000:3a:00.0/config"),
  ("config is a directory", "rm sys/bus/pci/devices/0000:3b:00.0/config; mkdir sys/bus/pci/devices/0000:3b:00.0/config"),
  ("garbage values", "echo lots > sys/bus/pci/devices/0000:3b:00.0/sriov_totalvfs; printf '\\xff\\xfe\\n' > sys/bus/pci/devices/0000:3b:00.0/numa_node; echo 0xZZ > sys/bus/pci/devices/0000:3b:02.0/class"),
  ("negative and huge numbers", "echo -5 > sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs; echo 99999999999999999999999 > sys/bus/pci/devices/0000:3b:00.1/sriov_totalvfs"),
  ("newline inside a value", "printf '0x15\\n72\\n' > sys/bus/pci/devices/0000:3b:00.0/device"),
  ("huge attribute", "head -c 1048576 /dev/zero | tr '\\0' a > sys/bus/pci/devices/0000:3b:00.0/vendor"),
  ("garbage device entry", "mkdir sys/bus/pci/devices/garbage"),
  ("no class/net", "rm -rf sys/class/net"),
  ("netdev link loop", "ln -sfn enp59s0f0 sys/class/net/enp59s0f0"),
  ("IOMMU group directory missing", "rm -rf sys/kernel/iommu_groups/4"),
  ("no proc, binary cpuinfo", "rm -rf proc; mkdir proc; head -c 300 /dev/urandom > proc/cpuinfo"),
]

private let damagedCommands: [[String]] = [
  ["list"], ["list", "--vfs"], ["list", "--all"], ["list", "--json"], ["show", "0000:3b:00.0"], ["show", "0000:3b:00.0", "--json"],
  ["show", "0000:3b:02.0"], ["show", "enp59s0f0"], ["show", "0000:3a:00.0"], ["check"], ["check", "--json"],
  ["check", "0000:3b:00.0", "0000:3b:02.0"], ["create", "0000:3b:00.0", "2", "--dry-run"], ["remove", "0000:3b:00.0", "--dry-run"],
  ["bind", "0000:3b:02.0", "vfio-pci", "--dry-run"], ["unbind", "0000:3b:02.0", "--dry-run"],
  ["set", "0000:3b:00.0", "0", "--trust", "on", "--dry-run"], ["set", "enp59s0f0", "1", "--vlan", "10", "--dry-run"],
]

@Suite("Bad-input corpus")
struct BadInputCorpusTests {
  /// Every command with each hostile value in each argument position: refused cleanly, and the
  /// fixture copy is byte-for-byte unchanged afterwards.
  @Test(arguments: commandShapes)
  func hostileArguments(shape: [String]) throws {
    try withTempCopy(of: "x710-demo") { root in
      let scratch = root + "-cwd"
      try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: false)
      try FileManager.default.createDirectory(atPath: scratch + "/a", withIntermediateDirectories: false)
      try Data().write(to: URL(fileURLWithPath: scratch + "/a/keep"))
      defer { try? FileManager.default.removeItem(atPath: scratch) }
      let before = try treeFingerprint(root)
      for value in hostileValues {
        let args = ["--root", root] + shape.map { $0 == "V" ? value : $0 }
        let r = try runHostile(args, cwd: scratch)
        let context = "sriovctl \(shape.joined(separator: " ")) with V=\(value.prefix(40).debugDescription)"
        expectClean(r, allowSuccess: mayAccept(shape, value), context)
        // Whatever capture accepted landed in the scratch directory, never elsewhere.
        if r.status == 0 && shape.first == "capture" {
          #expect(r.stdout.hasPrefix("Captured "), "\(context): \(r.stdout)")
        }
      }
      #expect(try treeFingerprint(root) == before, "\(shape): the tree changed")
      #expect(FileManager.default.fileExists(atPath: scratch + "/a/keep"))
    }
  }

  @Test func hostileRoots() throws {
    try withTempCopy(of: "x710-demo") { root in
      // Relative roots resolve from an empty scratch directory, never from a valid root.
      let scratch = root + "-cwd"
      try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: false)
      defer { try? FileManager.default.removeItem(atPath: scratch) }
      let before = try treeFingerprint(root)
      let file = root + "/proc/cmdline"
      for value in hostileValues + [file, root + "/sys", "/proc/self"] {
        for command in [["list"], ["show", "0000:3b:00.0"], ["check"], ["remove", "0000:3b:00.0"]] {
          // "/" is a legitimate root (this machine): skip it here, it is covered by the machine tests.
          guard value != "/" && value != "" else { continue }
          let r = try runHostile(["--root", value] + command, cwd: scratch)
          expectClean(r, allowSuccess: false, "--root \(value.prefix(40).debugDescription) \(command)")
        }
      }
      #expect(try treeFingerprint(root) == before)
    }
  }

  @Test func outOfRangeCounts() throws {
    try withTempCopy(of: "x710-demo") { root in
      let before = try treeFingerprint(root)
      for count in ["65", "-1", "99999999999999999999", "1.5", "0x4", "four"] {
        let r = try runHostile(["--root", root, "create", "0000:3b:00.0", count], cwd: root)
        expectClean(r, allowSuccess: false, "create with count \(count)")
      }
      let r = try runHostile(["--root", root, "create", "0000:3b:00.0", "65"], cwd: root)
      #expect(r.stderr.hasPrefix("Error: 0000:3b:00.0: cannot create 65 VFs"), "\(r.stderr)")
      #expect(try treeFingerprint(root) == before)
    }
  }

  /// Damaged trees: every read-only command (and every mutating one in --dry-run, and capture)
  /// either answers (unknown where it cannot tell) or fails with one clear line; nothing is written.
  @Test(arguments: damages.map(\.0))
  func damagedFixture(damage: String) throws {
    let script = try #require(damages.first { $0.0 == damage }?.1)
    try withTempCopy(of: "x710-demo") { root in
      let made = try run("/bin/bash", ["-c", "cd \"$1\" && \(script)", "bash", root], env: [:])
      try #require(made.status == 0, "damage '\(damage)' failed: \(made.stderr)")
      let before = try treeFingerprint(root)
      for command in damagedCommands {
        let r = try runHostile(["--root", root] + command, cwd: root)
        expectClean(r, allowSuccess: true, "\(damage): sriovctl \(command.joined(separator: " "))")
      }
      try withCaptureDir { parent, capture in
        let r = try runHostile(["--root", root, "capture", capture], cwd: root)
        expectClean(r, allowSuccess: true, "\(damage): capture")
        // Whole or absent: no staging directory is left beside it, nothing else is written there.
        let left = try FileManager.default.contentsOfDirectory(atPath: parent)
        #expect(left == (r.status == 0 ? ["capture"] : []), "\(damage): capture left \(left)")
        if r.status != 0 {
          #expect(!FileManager.default.fileExists(atPath: capture), "\(damage): a failed capture left \(capture)")
        } else {
          // A capture of a tree that `list` cannot read either reads the same, or says what it left out.
          let live = try runHostile(["--root", root, "list", "--vfs"], cwd: root)
          let copy = try runHostile(["--root", capture, "list", "--vfs"], cwd: root)
          if copy.status != live.status || copy.stdout != live.stdout {
            let manifest = try JSONValue(parsing: String(contentsOfFile: capture + "/sriovctl/capture.json", encoding: .utf8))
            #expect(manifest["capture"]?["unreadable"]?.array?.isEmpty == false,
              "\(damage): capture reads differently (\(copy.status) vs \(live.status), \(copy.stdout) vs \(live.stdout)) and does not say why")
          }
        }
      }
      #expect(try treeFingerprint(root) == before, "\(damage): the tree changed")
    }
  }
}
