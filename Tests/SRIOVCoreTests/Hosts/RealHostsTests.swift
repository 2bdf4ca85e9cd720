import Foundation
@testable import SRIOVCore
import Testing

/// Issue 17: trees as other tools copy hosts, old kernels and inconsistent states never break
/// `list`, `show` or `check`; a fact that cannot be read is unknown with its reason.
@Suite("Real hosts as they are")
struct RealHostsTests {
  // MARK: sweep

  /// Every read command on every fixture directory (found, not listed): no crash, JSON that parses,
  /// `list`/`show` exit 0, `check` 0 or 1 with findings, and never a missing file as the whole answer.
  @Test("every read command on every fixture", arguments: Repo.discoveredScenarios)
  func sweep(scenario: String) throws {
    let root = fixtureRoot(scenario)
    var reads: [[String]] = [["list"], ["list", "--vfs"], ["list", "--all"]]
    for function in try Self.functions(root: root) { reads.append(["show", function]) }
    for args in reads {
      for variant in [args, args + ["--json"]] {
        let r = try runCLI(["--root", root] + variant)
        #expect(r.status == 0 && r.stderr.isEmpty, "\(scenario): sriovctl \(variant.joined(separator: " ")) exited \(r.status): \(r.stderr)")
        if variant.last == "--json" { #expect((try? JSONValue(parsing: r.stdout))?["schema_version"] == 1, "\(scenario): \(variant)") }
      }
    }
    let pfs = try JSONValue(parsing: try runCLI(["--root", root, "list", "--all", "--json"]).stdout)["pfs"]?.array ?? []
    let subjects = pfs.compactMap { $0["address"]?.string } + pfs.compactMap { $0["vfs"]?.array?.first?["address"]?.string }
    for args in [["check"]] + subjects.map { ["check", $0] } {
      for variant in [args, args + ["--json"]] {
        let r = try runCLI(["--root", root] + variant)
        #expect(r.status == 0 || r.status == 1, "\(scenario): sriovctl \(variant.joined(separator: " ")) exited \(r.status): \(r.stderr)")
        #expect(r.stderr.isEmpty, "\(scenario): \(variant): \(r.stderr)")
        for missing in ["No such file or directory", "is missing", "Cannot open"] {
          #expect(!r.stderr.contains(missing) && !r.stdout.contains(missing), "\(scenario): \(variant) answers with a missing file")
        }
        if variant.last == "--json" {
          let findings = try JSONValue(parsing: r.stdout)["findings"]?.array ?? []
          #expect(!findings.isEmpty, "\(scenario): \(variant) has no findings")
        }
      }
    }
  }

  /// Every PCI function a root holds: its `sys/bus/pci/devices` links and the function directories
  /// under `sys/devices` (a partial copy may have one without the other).
  static func functions(root: String) throws -> [String] {
    var found = Set(try deviceAddresses(root: root))
    let devices = root + "/sys/devices"
    let walker = FileManager.default.enumerator(atPath: devices)
    while let relative = walker?.nextObject() as? String {
      let name = (relative as NSString).lastPathComponent
      var isDirectory: ObjCBool = false
      // Real directories only (links such as physfn or virtfnN are other functions' names).
      guard PCIAddress(strict: name) != nil,
        (try? FileManager.default.destinationOfSymbolicLink(atPath: devices + "/" + relative)) == nil,
        FileManager.default.fileExists(atPath: devices + "/" + relative, isDirectory: &isDirectory), isDirectory.boolValue
      else {
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: devices + "/" + relative)) != nil { walker?.skipDescendants() }
        continue
      }
      found.insert(name)
    }
    return found.sorted()
  }

  // MARK: whole outputs

  struct Invocation: CustomTestStringConvertible, Sendable {
    let scenario: String
    let statuses: [Int32]
    let name: String
    let args: [String]
    var testDescription: String { "\(scenario) \(name)" }
  }

  static let expected = Repo.root + "/Tests/SRIOVCoreTests/Expected"

  /// `Expected/invocations`: what each capture-shaped fixture is held to (see its header).
  static var invocations: [Invocation] {
    let text = (try? String(contentsOfFile: expected + "/invocations", encoding: .utf8)) ?? ""
    return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
      let parts = line.split(separator: " ").map(String.init)
      return Invocation(scenario: parts[0], statuses: parts[1].split(separator: "/").compactMap { Int32($0) }, name: parts[2],
        args: Array(parts[3...]))
    }
  }

  @Test func everyCaptureScenarioHasWholeOutputExpectations() {
    let covered = Dictionary(grouping: Self.invocations, by: \.scenario).mapValues { Set($0.map(\.name)) }
    for scenario in Repo.captureScenarios {
      let names = covered[scenario] ?? []
      #expect(names.isSuperset(of: ["list-vfs", "show-pf", "show-vf", "show-bridge", "check"]), "\(scenario): \(names)")
    }
  }

  /// Text compared exactly, JSON compared decoded (key order and spacing aside).
  @Test("whole output", arguments: invocations)
  func wholeOutput(_ invocation: Invocation) throws {
    let root = fixtureRoot(invocation.scenario)
    let base = Self.expected + "/" + invocation.scenario + "/" + invocation.name
    let text = try runCLI(["--root", root] + invocation.args)
    #expect(invocation.statuses.contains(text.status) && text.stderr.isEmpty, "\(text.status): \(text.stderr)")
    #expect(text.stdout == (try String(contentsOfFile: base + ".txt", encoding: .utf8)))
    let json = try runCLI(["--root", root] + invocation.args + ["--json"])
    #expect(invocation.statuses.contains(json.status) && json.stderr.isEmpty, "\(json.status): \(json.stderr)")
    #expect(try JSONValue(parsing: json.stdout) == (try JSONValue(parsing: String(contentsOfFile: base + ".json", encoding: .utf8))))
  }

  // MARK: netdevs without sys/class/net

  /// `sys/class/net` absent: netdevs still come from each function's `net/`, and a netdev name
  /// still resolves, through the function whose `net/` holds it.
  @Test func netdevsAndNamesWithoutClassNet() throws {
    try withTempCopy(of: "x710-demo") { root in
      let before = try runCLI(["--root", root, "list", "--vfs", "--json"])
      try FileManager.default.removeItem(atPath: root + "/sys/class/net")
      let after = try runCLI(["--root", root, "list", "--vfs", "--json"])
      #expect(after.status == 0 && after.stdout == before.stdout, "\(after.stderr)")
      let show = try runCLI(["--root", root, "show", "enp59s0f0v2", "--json"])
      #expect(show.status == 0, "\(show.stderr)")
      #expect(try JSONValue(parsing: show.stdout)["device"]?["address"] == "0000:3b:02.2")
      let missing = try runCLI(["--root", root, "show", "eth9"])
      #expect(missing.status == 1 && missing.stderr.hasPrefix("Error: eth9: no such network interface"), "\(missing.stderr)")
    }
  }

  // MARK: why config space is partial

  static let x710 = (vendor: UInt16(0x8086), device: UInt16(0x1572), isVF: false)

  static func header(vendor: UInt16 = 0x8086, device: UInt16 = 0x1572, size: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: size)
    if size >= 4 { bytes[0...3] = [UInt8(vendor & 0xff), UInt8(vendor >> 8), UInt8(device & 0xff), UInt8(device >> 8)] }
    if size >= 0x35 {
      bytes[0x06] = 0x10  // Status: capability list present
      bytes[0x34] = 0x40  // first capability at 0x40: past a 64-byte copy
    }
    return bytes
  }

  @Test func sixtyFourBytesNeedPrivilegeOnlyOnTheLiveHost() {
    let space = ConfigSpace(bytes: Self.header(size: 64))
    let live = ConfigReader.classify(space: space, file: nil, libpciFailure: nil, identity: Self.x710, isLive: true)
    #expect(live.unknown?.cause == .needsPrivilege && live.unknown?.hint == Hints.runAsRoot && live.bytes == 64)
    let copy = ConfigReader.classify(space: space, file: .bytes(Self.header(size: 64)), libpciFailure: nil, identity: Self.x710, isLive: false)
    #expect(copy.unknown?.cause == .truncated && copy.unknown?.hint?.contains("sriovctl capture") == true)
    #expect(copy.unknown?.hint?.contains("run as root") == false)
    #expect(copy.acs == .unreadable && copy.sriov == .unreadable)
  }

  @Test func missingEmptyAndShortConfigSayWhich() {
    let classify = { (file: BinaryAttribute, live: Bool) in
      ConfigReader.classify(space: nil, file: file, libpciFailure: "Cannot open", identity: Self.x710, isLive: live)
    }
    #expect(classify(.missing, false).unknown == Unknown(.notInRoot, "this root has no config file for it", hint: Hints.capture("config space")))
    #expect(classify(.missing, true).unknown?.cause == .unreadable)
    #expect(classify(.bytes([]), false).unknown?.reason == "config is empty")
    #expect(classify(.bytes(Self.header(size: 40)), false).unknown?.reason == "config holds 40 bytes, less than the 64-byte header")
    #expect(classify(.failed("config is a symlink, not a file"), false).unknown == Unknown(.unreadable, "config is a symlink, not a file"))
    #expect(classify(.missing, false).bytes == nil && classify(.bytes(Self.header(size: 40)), false).bytes == 40)
  }

  @Test func garbledIDsAreInvalidButAVFsAllOnesAreNot() {
    let garbled = ConfigReader.classify(
      space: ConfigSpace(bytes: Self.header(vendor: 0x1234, device: 0x5678, size: 4096)), file: nil, libpciFailure: nil,
      identity: Self.x710, isLive: true)
    #expect(garbled.unknown?.cause == .invalid && garbled.portType == nil && garbled.acs == .unreadable)
    let vf = ConfigReader.classify(
      space: ConfigSpace(bytes: Self.header(vendor: 0xffff, device: 0xffff, size: 4096)), file: nil, libpciFailure: nil,
      identity: (0x8086, 0x154c, true), isLive: true)
    #expect(vf.unknown == nil && vf.status == "complete")
  }
}
