import Foundation
import SRIOVCore
import Testing

/// Every path under `root` with its type and content (files), target (links) or nothing (dirs):
/// equal snapshots mean nothing was written, created, removed or relinked.
private func treeSnapshot(_ root: String) throws -> [String] {
  let fm = FileManager.default
  var out: [String] = []
  guard let walker = fm.enumerator(atPath: root) else { return [] }
  while let relative = walker.nextObject() as? String {
    let full = root + "/" + relative
    let type = try fm.attributesOfItem(atPath: full)[.type] as? FileAttributeType
    if type == .typeSymbolicLink {
      out.append("L \(relative) -> \(try fm.destinationOfSymbolicLink(atPath: full))")
    } else if type == .typeDirectory {
      out.append("D \(relative)")
    } else {
      out.append("F \(relative) \(String(decoding: (fm.contents(atPath: full) ?? Data()), as: UTF8.self).debugDescription)")
    }
  }
  return out.sorted()
}

/// `text` in a temporary file next to nothing else; returns its path.
private func desiredFile(_ text: String, in dir: String, name: String = "want.yaml") throws -> String {
  let path = (dir as NSString).deletingLastPathComponent + "/" + name
  try text.write(toFile: path, atomically: true, encoding: .utf8)
  return path
}

@Suite("apply and persist CLI")
struct ApplyCLITests {
  @Test func dryRunLeavesTheTreeUnchangedAndExitsTwo() throws {
    try withTempCopy(of: "x710-demo") { root in
      let file = try desiredFile("version: 1\npfs:\n  - netdev: enp59s0f0\n    vfs: {count: 2}\n  - address: \"3b:00.1\"\n    vfs: {autoprobe: false}\n", in: root)
      let before = try treeSnapshot(root)
      let r = try runCLI(["apply", "--root", root, "-f", file, "--dry-run", "--detailed-exitcode"])
      #expect(r.status == 2, "\(r.stderr)")
      #expect(r.stdout == """
        \(file): 2 change(s) planned; would do, in order:
          0000:3b:00.0: VFs 4 -> 2 (irreversible: destroys 4 VF(s): 0000:3b:02.0 0000:3b:02.1 0000:3b:02.2 0000:3b:02.3)
          0000:3b:00.1: sriov_drivers_autoprobe 1 -> 0
        this destroys 4 VF(s), which cannot be undone: 0000:3b:02.0 0000:3b:02.1 0000:3b:02.2 0000:3b:02.3

        """)
      let json = try runCLI(["apply", "--root", root, "-f", file, "--dry-run", "--json"])
      #expect(json.status == 0)
      let result = try #require(try JSONValue(parsing: json.stdout)["result"])
      #expect(result.keys == ["file", "dry_run", "planned", "applied", "unchanged", "rolled_back", "failed", "skipped", "destroys",
                              "refusals", "changed", "message"])
      #expect(result["planned"]?.array?.map { $0["kind"] ?? .null } == ["vf_count", "autoprobe"])
      #expect(result["planned"]?.array?[0]["irreversible"] == true)
      #expect(result["planned"]?.array?[0].keys == ["pf", "kind", "vf", "address", "from", "to", "irreversible", "destroys", "description"])
      #expect(result["changed"] == true)
      #expect(try treeSnapshot(root) == before)
    }
  }

  @Test func detailedExitCodeIsTwoThenZero() throws {
    try withTempCopy(of: "x710-demo") { root in
      let file = try desiredFile("version: 1\npfs:\n  - {vendor_device: \"8086:1572\", index: 1, vfs: {autoprobe: false}}\n", in: root)
      let first = try runCLI(["apply", "--root", root, "-f", file, "--detailed-exitcode"])
      #expect(first.status == 2, "\(first.stderr)")
      #expect(first.stdout == "applied 0000:3b:00.1: sriov_drivers_autoprobe 1 -> 0\n\(file): applied 1 change(s)\n")
      let second = try runCLI(["apply", "--root", root, "-f", file, "--detailed-exitcode"])
      #expect(second.status == 0)
      #expect(second.stdout == "\(file): nothing to do: the host matches \(file)\n")
      let plain = try runCLI(["apply", "--root", root, "-f", file])
      #expect(plain.status == 0)
      // A real run's JSON: the applied action, nothing else.
      let back = try desiredFile("version: 1\npfs:\n  - {address: \"3b:00.1\", vfs: {autoprobe: true}}\n", in: root, name: "back.yaml")
      let json = try runCLI(["apply", "--root", root, "-f", back, "--json", "--detailed-exitcode"])
      #expect(json.status == 2)
      let result = try #require(try JSONValue(parsing: json.stdout)["result"])
      #expect(result["dry_run"] == false)
      #expect(result["applied"]?.array?.map { $0["description"] ?? .null } == ["0000:3b:00.1: sriov_drivers_autoprobe 0 -> 1"])
      #expect(result["applied"]?.array?.first?["from"] == "0")
      #expect(result["applied"]?.array?.first?["to"] == "1")
      for key in ["unchanged", "rolled_back", "failed", "skipped", "destroys", "refusals"] { #expect(result[key] == [], "\(key)") }
      #expect(result["message"] == "applied 1 change(s)")
    }
  }

  @Test func fileErrorsAreOneLineWithFileLineAndFieldPlusHint() throws {
    try withTempCopy(of: "x710-demo") { root in
      let file = try desiredFile("version: 1\npfs:\n  - netdev: enp59s0f0\n    vfs:\n      per_vf:\n        - vf: 0\n          vlan: 010\n", in: root)
      let before = try treeSnapshot(root)
      let r = try runCLI(["apply", "--root", root, "-f", file])
      #expect(r.status == 1)
      #expect(r.stdout.isEmpty)
      #expect(r.stderr == """
        Error: \(file):7: field 'pfs[0].vfs.per_vf[0].vlan': '010' is not a plain whole number
        hint: a leading zero is ambiguous (YAML 1.1 reads it as octal): write 10, or quote it if you mean text

        """)
      let missing = try runCLI(["apply", "--root", root, "-f", root + "/nope.yaml"])
      #expect(missing.status == 1)
      #expect(missing.stderr.hasPrefix("Error: \(root)/nope.yaml: cannot read the desired-state file: No such file or directory\nhint: "))
      let ambiguous = try desiredFile("version: 1\npfs:\n  - vendor_device: \"8086:1572\"\n", in: root, name: "two.yaml")
      let two = try runCLI(["apply", "--root", root, "-f", ambiguous, "--dry-run"])
      #expect(two.status == 1)
      #expect(two.stderr.hasPrefix("Error: \(ambiguous):3: field 'pfs[0].vendor_device': 8086:1572 matches 2 PFs (0000:3b:00.0, 0000:3b:00.1)\nhint: add 'index: N'"))
      #expect(try treeSnapshot(root) == before)
    }
  }

  /// A capture's stored VF settings: the dry run plans only what differs; a real run cannot set
  /// anything on a capture and says so.
  @Test func vfSettingsAgainstACapture() throws {
    try withTempCopy(of: "x710-vf-settings") { root in
      let file = try desiredFile("""
        version: 1
        pfs:
          - netdev: enp59s0f0
            vfs:
              per_vf:
                - {vf: 0, mac: "02:00:00:00:00:10", vlan: 100, qos: 3}
                - {vf: 1, vlan: 7}
        """, in: root)
      let before = try treeSnapshot(root)
      let dry = try runCLI(["apply", "--root", root, "-f", file, "--dry-run", "--detailed-exitcode"])
      #expect(dry.status == 2, "\(dry.stderr)")
      #expect(dry.stdout == """
        \(file): 1 change(s) planned; would do, in order:
          0000:3b:00.0 VF 1 (enp59s0f0): vlan 0 qos 0 proto 802.1Q -> vlan 7 qos 0 proto 802.1Q

        """)
      let real = try runCLI(["apply", "--root", root, "-f", file])
      #expect(real.status == 1)
      #expect(real.stdout.hasSuffix("\(file): stopped: 1 failed\n"))
      #expect(real.stderr.contains("cannot set vlan on vf 1: the host root is a capture"))
      #expect(try treeSnapshot(root).filter { $0 != "D run" && !$0.hasPrefix("F run/sriovctl.lock") } == before)
    }
  }

  /// After `make install` (PREFIX=/usr/local) the unit runs that binary, not the package's path.
  @Test func persistRunsTheBinaryThatIsInstalled() throws {
    try withTempCopy(of: "x710-demo") { root in
      let image = root + "/image"
      try FileManager.default.createDirectory(atPath: image + "/usr/local/bin", withIntermediateDirectories: true)
      try FileManager.default.copyItem(atPath: "/bin/true", toPath: image + "/usr/local/bin/sriovctl")
      let file = try desiredFile("version: 1\npfs:\n  - {netdev: enp59s0f0, vfs: {count: 4}}\n", in: root)
      let r = try runCLI(["persist", "--root", image, "-f", file])
      #expect(r.status == 0, "\(r.stderr)")
      #expect(!r.stdout.contains("warning"))
      let unit = try String(contentsOfFile: image + "/etc/systemd/system/sriovctl.service", encoding: .utf8)
      #expect(unit == Persist.unitText(binary: "/usr/local/bin/sriovctl"))
      #expect(unit.contains("\nExecStart=/usr/local/bin/sriovctl apply -f /etc/sriovctl/desired-state.yaml\n"))
      // Then the package is installed too: the unit follows it.
      try FileManager.default.createDirectory(atPath: image + "/usr/bin", withIntermediateDirectories: true)
      try FileManager.default.copyItem(atPath: "/bin/true", toPath: image + "/usr/bin/sriovctl")
      #expect(try runCLI(["persist", "--root", image, "-f", file]).stdout.contains("wrote /etc/systemd/system/sriovctl.service"))
      #expect(try String(contentsOfFile: image + "/etc/systemd/system/sriovctl.service", encoding: .utf8) == Persist.unitText)
    }
  }

  @Test func persistInstallsTheFileTheUnitAndTheEnableLink() throws {
    try withTempCopy(of: "x710-demo") { root in
      let image = root + "/image"
      try FileManager.default.createDirectory(atPath: image, withIntermediateDirectories: false)
      let text = "version: 1\npfs:\n  - {netdev: enp59s0f0, vfs: {count: 4}}\n"
      let file = try desiredFile(text, in: root)
      let dry = try runCLI(["persist", "--root", image, "-f", file, "--dry-run"])
      #expect(dry.status == 0, "\(dry.stderr)")
      #expect(dry.stdout.hasSuffix("--- /etc/systemd/system/sriovctl.service ---\n" + Persist.unitText))
      #expect(try treeSnapshot(image).isEmpty)

      let r = try runCLI(["persist", "--root", image, "-f", file])
      #expect(r.status == 0, "\(r.stderr)")
      #expect(r.stdout == """
        warning: the unit runs /usr/bin/sriovctl, which is not there: it will fail at boot until sriovctl is installed there (the Debian package does, or make install)
        wrote /etc/sriovctl/desired-state.yaml
        wrote /etc/systemd/system/sriovctl.service
        wrote /etc/systemd/system/multi-user.target.wants/sriovctl.service -> /etc/systemd/system/sriovctl.service

        """)
      #expect(FileManager.default.contents(atPath: image + "/etc/sriovctl/desired-state.yaml") == Data(text.utf8))
      let unit = try String(contentsOfFile: image + "/etc/systemd/system/sriovctl.service", encoding: .utf8)
      let shipped = try String(contentsOfFile: Repo.root + "/dist/systemd/sriovctl.service", encoding: .utf8)
      #expect(unit == shipped)
      #expect(unit == Persist.unitText)
      #expect(unit.contains("After=systemd-udev-settle.service"))
      #expect(unit.contains("Before=network-pre.target"))
      #expect(unit.contains("ExecStart=/usr/bin/sriovctl apply -f /etc/sriovctl/desired-state.yaml\n"))
      #expect(try FileManager.default.destinationOfSymbolicLink(atPath: image + "/etc/systemd/system/multi-user.target.wants/sriovctl.service")
        == "/etc/systemd/system/sriovctl.service")
      // With the binary where the unit looks for it: no warning.
      try FileManager.default.createDirectory(atPath: image + "/usr/bin", withIntermediateDirectories: true)
      try FileManager.default.copyItem(atPath: "/bin/true", toPath: image + "/usr/bin/sriovctl")
      let snapshot = try treeSnapshot(image)
      let again = try runCLI(["persist", "--root", image, "-f", file, "--json"])
      #expect(again.status == 0)
      let result = try JSONValue(parsing: again.stdout)["result"]
      #expect(result?["changed"] == false)
      #expect(result?["binary_present"] == true)
      #expect(result?.keys == ["dry_run", "files", "unit", "warnings", "binary_present", "changed", "binary"])
      #expect(result?["binary"] == "/usr/bin/sriovctl")
      let quiet = try runCLI(["persist", "--root", image, "-f", file])
      #expect(!quiet.stdout.contains("warning"))
      #expect(try treeSnapshot(image) == snapshot)

      let bad = try desiredFile("version: 1\npfs:\n  - netdev: enp59s0f0\n    vfs: {count: yes}\n", in: root, name: "bad.yaml")
      let refused = try runCLI(["persist", "--root", image, "-f", bad])
      #expect(refused.status == 1)
      #expect(refused.stderr.hasPrefix("Error: \(bad):4: field 'pfs[0].vfs.count': expected a whole number, found the text 'yes'"))
      #expect(try treeSnapshot(image) == snapshot)
    }
  }

  /// SIGKILL between two writes. No kernel acts on the plain tree, so after autoprobe and VF 0's
  /// driver_override landed the CLI waits (up to --timeout) for the rebind: a bind half done. Then the
  /// next apply, on the same tree with the fake kernel doing what the kernel would, is not blocked by
  /// the dead process's lock file (flock dies with the process) and converges; the one after that has
  /// nothing to do.
  @Test func killedMidwayTheNextApplyConverges() throws {
    let kernel = try FakeKernel(copying: "x710-demo")
    defer { kernel.remove() }
    kernel.vfDriver = "iavf"
    try kernel.loadDriver("vfio-pci")
    let root = kernel.root
    let unbind = root + "/sys/bus/pci/drivers/iavf/unbind"
    let text = """
      version: 1
      pfs:
        - {address: "3b:00.1", vfs: {autoprobe: false}}
        - address: "3b:00.0"
          vfs:
            per_vf: [{vf: 0, driver: vfio-pci}]
      """
    let file = kernel.tempDir + "/want.yaml"
    try text.write(toFile: file, atomically: true, encoding: .utf8)
    let override = root + "/sys/bus/pci/devices/0000:3b:02.0/driver_override"

    let victim = Process()
    victim.executableURL = URL(fileURLWithPath: Repo.binary)
    victim.arguments = ["apply", "--root", root, "-f", file, "--timeout", "120"]
    victim.standardOutput = FileHandle.nullDevice
    victim.standardError = FileHandle.nullDevice
    try victim.run()
    defer { if victim.isRunning { kill(victim.processIdentifier, SIGKILL); victim.waitUntilExit() } }
    let deadline = Date().addingTimeInterval(30)
    while (try? String(contentsOfFile: override, encoding: .utf8)) != "vfio-pci" && Date() < deadline { usleep(20_000) }
    try #require((try? String(contentsOfFile: override, encoding: .utf8)) == "vfio-pci", "the second write never landed")
    usleep(100_000)
    try #require(victim.isRunning, "apply should be waiting for VF 0 to change drivers")

    // While it is blocked it holds the lock: a second apply is turned away at once.
    let concurrent = try runCLI(["apply", "--root", root, "-f", file])
    #expect(concurrent.status == 1)
    #expect(concurrent.stderr.contains("another sriovctl is changing this host (it holds the lock)"))

    kill(victim.processIdentifier, SIGKILL)
    victim.waitUntilExit()
    #expect(victim.terminationReason == .uncaughtSignal)
    try FileManager.default.removeItem(atPath: unbind)
    try "".write(toFile: unbind, atomically: false, encoding: .utf8)
    #expect(FileManager.default.fileExists(atPath: root + "/run/sriovctl.lock"))
    #expect(kernel.value(SysfsLayout.attribute(.sriovDriversAutoprobe, of: PCIAddress(strict: "0000:3b:00.1")!)) == "0")
    #expect(kernel.driver(of: "0000:3b:02.0") == "iavf")  // half done: override set, still on iavf

    let apply = Apply(sysfs: kernel, settingsControl: nil, clock: FakeClock(), timeout: 5)
    let state = try DesiredState.parse(text, source: "want.yaml")
    let next = try apply.run(state)
    #expect(next.error == nil, "\(next.text())")
    #expect(next.text() == "applied 0000:3b:00.0 VF 0 (0000:3b:02.0): driver iavf -> vfio-pci\nwant.yaml: applied 1 change(s)\n")
    #expect(kernel.driver(of: "0000:3b:02.0") == "vfio-pci")
    #expect(try apply.run(state).steps.isEmpty)
    let last = try runCLI(["apply", "--root", root, "-f", file, "--detailed-exitcode"])
    #expect(last.status == 0, "\(last.stdout)\(last.stderr)")
  }
}
