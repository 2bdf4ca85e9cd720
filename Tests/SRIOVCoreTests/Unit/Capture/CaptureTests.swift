import Foundation
import SRIOVCore
import Testing

/// A fresh, not yet existing directory path under a private temp dir, removed after `body`.
func withCaptureDir<T>(_ body: (_ parent: String, _ capture: String) throws -> T) throws -> T {
  let parent = FileManager.default.temporaryDirectory.appendingPathComponent("sriovctl-capture-\(UUID().uuidString)").path
  try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(atPath: parent) }
  return try body(parent, parent + "/capture")
}

/// Every entry below `root` (relative path -> "file:<sha>", "link:<target>" or "dir"), for
/// byte-for-byte comparisons of whole trees.
func treeFingerprint(_ root: String) throws -> [String: String] {
  var result: [String: String] = [:]
  let fm = FileManager.default
  guard let walker = fm.enumerator(atPath: root) else { return [:] }
  while let relative = walker.nextObject() as? String {
    let full = root + "/" + relative
    let attributes = try fm.attributesOfItem(atPath: full)
    let type = attributes[.type] as? FileAttributeType
    let mode = (attributes[.posixPermissions] as? Int).map { String($0, radix: 8) } ?? "?"
    switch type {
    case .typeSymbolicLink?: result[relative] = "link:" + (try fm.destinationOfSymbolicLink(atPath: full))
    case .typeDirectory?: result[relative] = "dir:" + mode
    default:
      let data = fm.contents(atPath: full) ?? Data()
      result[relative] = "file:\(mode):\(data.count):\(data.hashValue)"
    }
  }
  return result
}

/// The commands whose answers must not change between a root and its capture.
private func readOnlyInvocations(root: String) throws -> [[String]] {
  var commands: [[String]] = [["list"], ["list", "--vfs"], ["check"]]
  for device in try deviceAddresses(root: root) { commands.append(["show", device]) }
  return commands.flatMap { [$0, $0 + ["--json"]] }
}

@Suite("Capture")
struct CaptureTests {
  /// The acceptance property: list, list --vfs, show of every captured function and check give the
  /// same output (text and JSON) and exit status on the capture as on the root it was taken from.
  // owners-* scenarios: a capture copies sysfs/proc only, not other tools' config under etc/ and
  // run/, so `show`'s owners line and check's owners.* findings differ there (see docs/owners.md).
  @Test(arguments: (Repo.scenarios + Repo.captureScenarios).filter { !$0.hasPrefix("owners-") })
  func captureAnswersLikeTheHostItWasTakenFrom(scenario: String) throws {
    try withCaptureDir { _, capture in
      let root = fixtureRoot(scenario)
      let before = try treeFingerprint(root)
      let r = try runCLI(["--root", root, "capture", capture])
      try #require(r.status == 0, "capture \(scenario): \(r.stderr)")
      #expect(r.stdout.hasPrefix("Captured "))
      #expect(try treeFingerprint(root) == before, "capture changed the source")
      for args in try readOnlyInvocations(root: capture) {
        let live = try runCLI(["--root", root] + args)
        let captured = try runCLI(["--root", capture] + args)
        #expect(captured.stdout == live.stdout, "\(scenario): sriovctl \(args.joined(separator: " ")) differs on the capture")
        #expect(captured.stderr == live.stderr && captured.status == live.status, "\(scenario): \(args) status/stderr differ")
      }
      // Every PF, VF and bridge of the source is in the capture.
      let source = try runCLI(["--root", root, "list", "--vfs", "--json"])
      let pfs = try JSONValue(parsing: source.stdout)["pfs"]?.array ?? []
      let captured = Set(try deviceAddresses(root: capture))
      for pf in pfs {
        #expect(captured.contains(pf["address"]?.string ?? "?"))
        for vf in pf["vfs"]?.array ?? [] { #expect(captured.contains(vf["address"]?.string ?? "?")) }
      }
    }
  }

  @Test func captureHoldsOnlyTheSRIOVSubset() throws {
    try withCaptureDir { _, capture in
      let r = try runCLI(["--root", fixtureRoot("x710-demo"), "capture", capture, "--json"])
      try #require(r.status == 0, "\(r.stderr)")
      let json = try JSONValue(parsing: r.stdout)
      #expect(json["schema_version"] == 1)
      let roles = (json["capture"]?["devices"]?.array ?? []).map { "\($0["address"]?.string ?? "") \($0["role"]?.string ?? "")" }
      #expect(roles == [
        "0000:3a:00.0 bridge", "0000:3b:00.0 pf", "0000:3b:00.1 pf", "0000:3b:02.0 vf", "0000:3b:02.1 vf",
        "0000:3b:02.2 vf", "0000:3b:02.3 vf",
      ])
      // The igb NIC, the host bridge and the root port of another slot are not copied.
      #expect(try deviceAddresses(root: capture) == roles.map { String($0.prefix(12)) })
      let netdevs = try FileManager.default.contentsOfDirectory(atPath: capture + "/sys/class/net").sorted()
      #expect(netdevs == ["enp59s0f0", "enp59s0f0v0", "enp59s0f0v1", "enp59s0f0v2", "enp59s0f0v3", "enp59s0f1"])
      let snapshot = try treeFingerprint(capture)
      for (path, kind) in snapshot {
        #expect(!path.hasSuffix("/resource0") && !path.hasSuffix("/rom") && !path.hasSuffix("/vpd"), "\(path) copied")
        if kind.hasPrefix("link:") {
          let target = String(kind.dropFirst(5))
          #expect(!target.hasPrefix("/"), "\(path) is an absolute link")
          let resolved = URL(fileURLWithPath: capture + "/" + path).resolvingSymlinksInPath().path
          #expect(FileManager.default.fileExists(atPath: resolved), "\(path) -> \(target) dangles")
        }
      }
      // ACPI tables are markers, never contents; the CPU line is only the flags.
      #expect(FileManager.default.contents(atPath: capture + "/sys/firmware/acpi/tables/DMAR") == Data())
      #expect(!FileManager.default.fileExists(atPath: capture + "/proc/cpuinfo"), "the source has none")
    }
  }

  @Test func cpuinfoKeepsOnlyTheFlagsLine() throws {
    try withCaptureDir { _, capture in
      let root = fixtureRoot("check-acs-off")
      #expect(try runCLI(["--root", root, "capture", capture]).status == 0)
      let source = try String(contentsOfFile: root + "/proc/cpuinfo", encoding: .utf8)
      let cpuinfo = try String(contentsOfFile: capture + "/proc/cpuinfo", encoding: .utf8)
      let flags = source.split(separator: "\n").first { $0.hasPrefix("flags") }.map { String($0) + "\n" }
      #expect(cpuinfo == flags && source.split(separator: "\n").count > 1)
    }
  }

  @Test func refusesANonEmptyDirectoryAndLeavesItAlone() throws {
    try withCaptureDir { parent, capture in
      try FileManager.default.createDirectory(atPath: capture, withIntermediateDirectories: false)
      try Data("mine\n".utf8).write(to: URL(fileURLWithPath: capture + "/notes.txt"))
      let before = try treeFingerprint(parent)
      let r = try runCLI(["--root", fixtureRoot("x710-demo"), "capture", capture])
      #expect(r.status == 1)
      #expect(r.stderr == "Error: \(capture): cannot capture into it: the directory is not empty\nhint: name a new or empty directory (capture never overwrites or merges)\n")
      #expect(try treeFingerprint(parent) == before)
    }
  }

  @Test func capturesIntoAnExistingEmptyDirectory() throws {
    try withCaptureDir { parent, capture in
      try FileManager.default.createDirectory(atPath: capture, withIntermediateDirectories: false)
      let r = try runCLI(["--root", fixtureRoot("connectx5"), "capture", capture + "/"])
      #expect(r.status == 0, "\(r.stderr)")
      #expect(try runCLI(["--root", capture, "list"]).stdout == (try runCLI(["--root", fixtureRoot("connectx5"), "list"])).stdout)
      // Only the capture itself is left in the parent: the staging directory was renamed into place.
      #expect(try FileManager.default.contentsOfDirectory(atPath: parent) == ["capture"])
    }
  }

  @Test func refusesAFileAndAMissingParent() throws {
    try withCaptureDir { parent, capture in
      try Data().write(to: URL(fileURLWithPath: capture))
      let file = try runCLI(["--root", fixtureRoot("x710-demo"), "capture", capture])
      #expect(file.status == 1 && file.stderr.hasPrefix("Error: \(capture): cannot capture into it: it exists and is not a directory\n"))
      let missing = try runCLI(["--root", fixtureRoot("x710-demo"), "capture", parent + "/no/such/dir"])
      #expect(missing.status == 1)
      #expect(missing.stderr.hasPrefix("Error: \(parent)/no/such/dir: cannot capture into it: the parent directory \(parent)/no/such does not exist\nhint: "))
      #expect(try FileManager.default.contentsOfDirectory(atPath: parent) == ["capture"])
    }
  }

  @Test func anonymizeReplacesMACsSerialsAndIdentifyingParameters() throws {
    try withTempCopy(of: "x710-demo") { root in
      // Give the PF a Device Serial Number capability (ext cap 0x0003) at 0x200, chained after the last one.
      let configPath = root + "/sys/bus/pci/devices/0000:3b:00.0/config"
      var config = [UInt8](try Data(contentsOf: URL(fileURLWithPath: configPath).resolvingSymlinksInPath()))
      try #require(config.count == 4096)
      var offset = 0x100
      while true {
        let header = UInt32(config[offset]) | UInt32(config[offset + 1]) << 8 | UInt32(config[offset + 2]) << 16 | UInt32(config[offset + 3]) << 24
        let next = Int(header >> 20) & ~3
        if next == 0 { config[offset + 3] = UInt8((0x200 >> 4) & 0xff); config[offset + 2] = (config[offset + 2] & 0x0f) | UInt8((0x200 & 0xf) << 4); break }
        offset = next
      }
      let serial: [UInt8] = [0xde, 0xad, 0xbe, 0xef, 0x12, 0x34, 0x56, 0x78]
      config.replaceSubrange(0x200..<0x20c, with: [0x03, 0x00, 0x01, 0x00] + serial)
      try Data(config).write(to: URL(fileURLWithPath: configPath).resolvingSymlinksInPath())
      try Data("BOOT_IMAGE=/vmlinuz root=UUID=1234-abcd ro intel_iommu=on iommu=pt\n".utf8)
        .write(to: URL(fileURLWithPath: root + "/proc/cmdline"))

      try withCaptureDir { _, capture in
        let r = try runCLI(["--root", root, "capture", "--anonymize", capture])
        try #require(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("(anonymized)"))
        var seen: Set<String> = []
        for name in try FileManager.default.contentsOfDirectory(atPath: capture + "/sys/class/net") {
          let original = try String(contentsOfFile: root + "/sys/class/net/\(name)/address", encoding: .utf8)
          let anonymized = try String(contentsOfFile: capture + "/sys/class/net/\(name)/address", encoding: .utf8)
          #expect(anonymized != original, "\(name) kept its MAC")
          #expect(anonymized.hasPrefix("02:00:00:00:") && anonymized.hasSuffix("\n"), "\(name): \(anonymized)")
          seen.insert(anonymized)
        }
        #expect(seen.count == 6, "distinct MACs stay distinct")
        let captured = [UInt8](try Data(contentsOf: URL(fileURLWithPath: capture + "/sys/bus/pci/devices/0000:3b:00.0/config").resolvingSymlinksInPath()))
        #expect(Array(captured[0x204..<0x20c]) == [UInt8](repeating: 0, count: 8))
        #expect(Array(captured[0..<0x204]) == Array(config[0..<0x204]), "only the serial changes")
        let cmdline = try String(contentsOfFile: capture + "/proc/cmdline", encoding: .utf8)
        #expect(cmdline == "BOOT_IMAGE=anonymized root=anonymized ro intel_iommu=on iommu=pt\n")
        // The anonymized capture still answers check the same (MACs and serials are not inputs).
        #expect(try runCLI(["--root", capture, "check"]).stdout == (try runCLI(["--root", root, "check"])).stdout)
      }
    }
  }

  @Test func nonrootViewKeepsOnlyTheReadableConfigBytes() throws {
    try withCaptureDir { _, capture in
      let root = fixtureRoot("nonroot-view")
      #expect(try runCLI(["--root", root, "capture", capture]).status == 0)
      for device in try deviceAddresses(root: capture) {
        let source = try Data(contentsOf: URL(fileURLWithPath: root + "/sys/bus/pci/devices/\(device)/config").resolvingSymlinksInPath())
        let copy = try Data(contentsOf: URL(fileURLWithPath: capture + "/sys/bus/pci/devices/\(device)/config").resolvingSymlinksInPath())
        #expect(copy == source, "\(device) config")
      }
    }
  }

  /// The netlink step is injected: its dump lands at sriovctl/vf-settings.json, anonymized with the
  /// same MAC mapping as the netdev files.
  @Test func vfSettingsStepWritesTheDumpAndAnonymizesIt() throws {
    try withCaptureDir { _, capture in
      var vf = FakeVFSettings.defaults(count: 4)
      vf.vfs[1]?.mac = try MACAddress(parsing: "3c:fd:fe:00:00:01")
      let fake = FakeVFSettings(["enp59s0f0": vf, "enp59s0f1": FakeVFSettings.defaults(count: 0)])
      let encode: ([String: PFVFSettings]) throws -> String = { dump in
        dump.keys.sorted().map { pf in
          "\(pf) " + (dump[pf]!.vfs.keys.sorted().map { "\($0)=\(dump[pf]!.vfs[$0]!.mac?.description ?? "null")" }.joined(separator: ","))
        }.joined(separator: "\n") + "\n"
      }
      let host = try Host(root: fixtureRoot("x710-demo"))
      let report = try HostCapture.capture(
        host: host, into: capture, options: CaptureOptions(anonymize: true, vfSettings: VFSettingsCapture(control: fake, encode: encode)))
      #expect(report.vfSettingsPFs == ["enp59s0f0", "enp59s0f1"])
      let dump = try String(contentsOfFile: capture + "/sriovctl/vf-settings.json", encoding: .utf8)
      #expect(!dump.contains("3c:fd:fe"))
      #expect(dump.hasPrefix("enp59s0f0 0=00:00:00:00:00:00,1=02:00:00:00:"))
      #expect(fake.requests.isEmpty, "capture only reads")
    }
  }

  @Test func captureWithoutNetlinkSaysSo() throws {
    try withCaptureDir { _, capture in
      let r = try runCLI(["--root", fixtureRoot("x710-demo"), "capture", capture])
      #expect(r.stdout.contains("VF settings: not captured (no netlink under this root and no stored dump)"))
      let manifest = try JSONValue(parsing: String(contentsOfFile: capture + "/sriovctl/capture.json", encoding: .utf8))
      #expect(manifest["capture"]?["vf_settings"] == .null)
      #expect(manifest["capture"]?["anonymized"] == false)
    }
  }
}

private let machineHasPCI = FileManager.default.fileExists(atPath: "/sys/bus/pci/devices")

@Suite("Capture of this machine", .enabled(if: machineHasPCI, "no /sys/bus/pci/devices here"))
struct CaptureRealMachineTests {
  @Test func captureOfThisMachineAnswersLikeIt() throws {
    try withCaptureDir { _, capture in
      let r = try runCLI(["capture", capture])
      try #require(r.status == 0, "\(r.stderr)")
      for args in [["list"], ["list", "--json"], ["list", "--vfs"], ["check"], ["check", "--json"]] {
        let live = try runCLI(args), captured = try runCLI(["--root", capture] + args)
        #expect(captured.stdout == live.stdout && captured.status == live.status, "sriovctl \(args) differs on the capture")
      }
      for device in try deviceAddresses(root: capture) {
        #expect(try runCLI(["--root", capture, "show", device, "--json"]).stdout == (try runCLI(["show", device, "--json"])).stdout)
      }
      // Minimal: no interface that does not belong to a captured function (never lo).
      let netdevs = (try? FileManager.default.contentsOfDirectory(atPath: capture + "/sys/class/net")) ?? []
      #expect(!netdevs.contains("lo"))
      let hasSRIOV = (try deviceAddresses(root: "/")).contains {
        FileManager.default.fileExists(atPath: "/sys/bus/pci/devices/\($0)/sriov_totalvfs")
      }
      if !hasSRIOV { #expect(try deviceAddresses(root: capture).isEmpty && netdevs.isEmpty) }
    }
  }
}
