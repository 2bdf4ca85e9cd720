import Foundation
import Testing

@testable import SRIOVCore

private let scenarios = ["owners-fight", "owners-modprobe", "owners-netplan", "owners-nm", "owners-systemd", "owners-udev"]

private func expected(_ name: String) throws -> String {
  try String(contentsOfFile: Repo.root + "/Fixtures/owners/expected/" + name, encoding: .utf8)
}

private func state(_ scenario: String) -> String {
  Repo.root + "/Fixtures/owners/states/" + (scenario == "owners-modprobe" ? "pf-driver-only.yaml" : "pf0-count-nm.yaml")
}

/// Whole outputs on the owners fixtures (Fixtures/owners/expected/, reviewed by hand against the
/// fixture files: each line names a file and line that really sets what it says).
@Suite("Owners CLI")
struct OwnersCLITests {
  @Test(arguments: scenarios)
  func ownersText(scenario: String) throws {
    let r = try runCLI(["owners", "--root", fixtureRoot(scenario)])
    #expect(r.status == 0 && r.stderr == "")
    #expect(r.stdout == (try expected("\(scenario).owners.txt")))
  }

  @Test(arguments: scenarios)
  func checkText(scenario: String) throws {
    let r = try runCLI(["check", "--root", fixtureRoot(scenario)])
    #expect(r.stdout == (try expected("\(scenario).check.txt")))
  }

  @Test(arguments: scenarios)
  func persistDryRun(scenario: String) throws {
    let r = try runCLI(["persist", "--root", fixtureRoot(scenario), "-f", state(scenario), "--dry-run"])
    #expect(r.stdout + r.stderr + "exit status \(r.status)\n" == (try expected("\(scenario).persist.txt")))
  }

  @Test func ownersJSONShape() throws {
    let r = try runCLI(["owners", "--root", fixtureRoot("owners-udev"), "--json", "enp59s0f1"])
    #expect(r.status == 0)
    let doc = try JSONValue(parsing: r.stdout)
    #expect(doc.keys == ["schema_version", "networkmanager_present", "pfs", "errors"])
    let pfs = try #require(doc["pfs"]?.array)
    #expect(pfs.map { $0["address"] } == ["0000:3b:00.1"])
    let first = try #require(pfs[0]["owners"]?.array?.first)
    #expect(first.keys == ["kind", "file", "line", "pf", "vf", "sets", "when", "uncertain", "error"])
    #expect(first["kind"] == "udev_rule" && first["file"] == "/etc/udev/rules.d/70-sriov.rules" && first["line"] == 6)
    #expect(first["sets"] == [.object(["key": "vf_count", "value": "3"])])
    let errors = try #require(doc["errors"]?.array)
    #expect(errors.map { $0["file"] } == ["/etc/udev/rules.d/90-broken.rules"] && errors[0]["pf"] == .null)
  }

  @Test func ownersRefusesAVF() throws {
    let r = try runCLI(["owners", "--root", fixtureRoot("owners-udev"), "0000:3b:02.0"])
    #expect(r.status == 1 && r.stdout == "")
    #expect(r.stderr == "Error: 0000:3b:02.0: is not an SR-IOV physical function\nhint: give a PF; 'sriovctl list' shows them\n")
  }

  @Test func showHasAnOwnersLine() throws {
    let r = try runCLI(["show", "--root", fixtureRoot("owners-fight"), "enp59s0f0"])
    #expect(r.stdout.contains(
      "  owners:       systemd-udevd (.link) (/etc/systemd/network/10-pf0.link:5), netplan (/etc/netplan/60-sriov.yaml:5), NetworkManager (/etc/NetworkManager/system-connections/pf0.nmconnection:8), sriovctl (/etc/sriovctl/desired-state.yaml:3)\n"))
    let json = try JSONValue(parsing: try runCLI(["show", "--root", fixtureRoot("owners-fight"), "enp59s0f0", "--json"]).stdout)
    #expect(json["device"]?["owners"]?.array?.count == 4)
    // Not a PF: no owners line, null in JSON.
    let vf = try runCLI(["show", "--root", fixtureRoot("owners-fight"), "0000:3b:02.0", "--json"])
    #expect(try JSONValue(parsing: vf.stdout)["device"]?["owners"] == .null)
  }

  @Test func persistInstallsTheNMRuleAndRemovesItWithoutATrace() throws {
    try withTempCopy(of: "owners-udev") { root in
      let rules = root + "/etc/udev/rules.d"
      let before = try FileManager.default.contentsOfDirectory(atPath: rules).sorted()
      let dir = FileManager.default.temporaryDirectory.appendingPathComponent("owners-state-\(UUID().uuidString)").path
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(atPath: dir) }
      let withKey = dir + "/with.yaml", without = dir + "/without.yaml"
      try "version: 1\npfs:\n  - address: \"0000:3b:00.1\"\n    vfs:\n      networkmanager: unmanaged\n".write(toFile: withKey, atomically: false, encoding: .utf8)
      try "version: 1\npfs:\n  - address: \"0000:3b:00.1\"\n".write(toFile: without, atomically: false, encoding: .utf8)
      let r = try runCLI(["persist", "--root", root, "-f", withKey])
      #expect(r.status == 0, "\(r.stderr)")
      #expect(r.stdout.contains("wrote /etc/udev/rules.d/80-sriovctl-nm-unmanaged.rules\n"))
      let rule = try String(contentsOfFile: rules + "/80-sriovctl-nm-unmanaged.rules", encoding: .utf8)
      #expect(rule == NMUnmanagedRule.text(for: [PCIAddress(bus: 0x3b, device: 0, function: 1)]))
      // The installed rule is read back as an owner of PF1's VFs (none exist: no claim), and again unchanged.
      #expect(try runCLI(["persist", "--root", root, "-f", withKey]).stdout.contains("unchanged /etc/udev/rules.d/80-sriovctl-nm-unmanaged.rules\n"))
      let removed = try runCLI(["persist", "--root", root, "-f", without])
      #expect(removed.status == 0 && removed.stdout.contains("removed /etc/udev/rules.d/80-sriovctl-nm-unmanaged.rules\n"))
      #expect(try FileManager.default.contentsOfDirectory(atPath: rules).sorted() == before)
      let again = try runCLI(["persist", "--root", root, "-f", without])
      #expect(!again.stdout.contains("80-sriovctl"))
    }
  }

  @Test func persistForceInstallsDespiteAFight() throws {
    try withTempCopy(of: "owners-fight") { root in
      let refused = try runCLI(["persist", "--root", root, "-f", state("owners-fight")])
      #expect(refused.status == 1 && refused.stderr.hasPrefix(
        "Error: 0000:3b:00.0: refusing to install a desired state that fights another owner: /etc/systemd/network/10-pf0.link:5"))
      #expect(!FileManager.default.fileExists(atPath: root + "/etc/udev/rules.d/80-sriovctl-nm-unmanaged.rules"))
      let forced = try runCLI(["persist", "--root", root, "-f", state("owners-fight"), "--force"])
      #expect(forced.status == 0 && forced.stdout.hasPrefix("warning: 0000:3b:00.0: systemd-udevd (.link) /etc/systemd/network/10-pf0.link:5 also sets vf_count=8"))
      // Now the VFs of PF0 are kept off NetworkManager by our rule: check no longer warns about them.
      let check = try runCLI(["check", "--root", root, "0000:3b:00.0"])
      #expect(check.stdout.contains("PASS     owners.networkmanager      NetworkManager is kept off all 4 VF interface(s)"))
    }
  }

  @Test func applyDryRunWarnsAboutOtherOwners() throws {
    let r = try runCLI(["apply", "--root", fixtureRoot("owners-fight"), "-f", state("owners-fight"), "--dry-run"])
    #expect(r.stdout.hasPrefix("warning: 0000:3b:00.0: systemd-udevd (.link) /etc/systemd/network/10-pf0.link:5 also sets vf_count=8"))
    let json = try runCLI(["apply", "--root", fixtureRoot("owners-fight"), "-f", state("owners-fight"), "--dry-run", "--json"])
    #expect((try? JSONValue(parsing: json.stdout)) != nil && json.stderr.hasPrefix("warning: 0000:3b:00.0"))
  }
}

@Suite("NetworkManager unmanaged rule")
struct NMUnmanagedRuleTests {
  static let pf0 = PCIAddress(bus: 0x3b, device: 0, function: 0)
  static let pf1 = PCIAddress(bus: 0x3b, device: 0, function: 1)

  @Test func goldenText() {
    #expect(NMUnmanagedRule.text(for: []) == nil)
    #expect(NMUnmanagedRule.text(for: [Self.pf1, Self.pf0, Self.pf1]) == """
      # Installed by 'sriovctl persist' (vfs.networkmanager: unmanaged in /etc/sriovctl/desired-state.yaml).
      # Keeps NetworkManager off the VF interfaces of these PFs. sriovctl removes this file when no PF asks for it.
      ACTION=="remove", GOTO="sriovctl_nm_unmanaged_end"
      SUBSYSTEM!="net", GOTO="sriovctl_nm_unmanaged_end"

      ATTR{device/physfn/uevent}=="*PCI_SLOT_NAME=0000:3b:00.0*", ENV{NM_UNMANAGED}="1"
      ATTR{device/physfn/uevent}=="*PCI_SLOT_NAME=0000:3b:00.1*", ENV{NM_UNMANAGED}="1"

      LABEL="sriovctl_nm_unmanaged_end"

      """)
  }

  /// The rule line, evaluated as udev would for each kind of event: only a VF's interface of that PF.
  @Test func ruleMatchesOnlyTheVFInterfacesOfThatPF() throws {
    let line = try #require(NMUnmanagedRule.text(for: [Self.pf0])?.split(separator: "\n").first { $0.hasPrefix("ATTR") })
    let tokens = try #require(UdevRules.tokenize(String(line)))
    let matchTokens = tokens.filter { $0.op == "==" }
    func device(_ a: PCIAddress, pf: PCIAddress, vf: Int?) -> OwnerDevice {
      OwnerDevice(address: a, pf: pf, vfIndex: vf, driver: "iavf", vendorID: PCIID(0x8086), deviceID: PCIID(0x154c),
        netdevs: [OwnerDevice.Netdev(name: "x", mac: nil)])
    }
    func matches(_ e: UdevRules.EventDevice) -> Bool { OwnerMatch.all(matchTokens.map { UdevRules.test($0, e) }) == .yes }
    let vfOfPF0 = device(PCIAddress(bus: 0x3b, device: 2, function: 0), pf: Self.pf0, vf: 0)
    let vfOfPF1 = device(PCIAddress(bus: 0x3b, device: 10, function: 0), pf: Self.pf1, vf: 0)
    let pf = device(Self.pf0, pf: Self.pf0, vf: nil)
    #expect(matches(.init(device: vfOfPF0, netdev: vfOfPF0.netdevs[0], physfn: Self.pf0, totalVFs: nil)))
    #expect(!matches(.init(device: vfOfPF1, netdev: vfOfPF1.netdevs[0], physfn: Self.pf1, totalVFs: nil)))
    #expect(!matches(.init(device: pf, netdev: pf.netdevs[0], physfn: nil, totalVFs: 64)))
  }

  @Test func desiredStateKey() throws {
    let ok = try DesiredState.parse("version: 1\npfs:\n  - address: \"3b:00.0\"\n    vfs:\n      networkmanager: unmanaged\n", source: "t.yaml")
    #expect(ok.pfs[0].networkManagerUnmanaged)
    #expect(try !DesiredState.parse("version: 1\npfs:\n  - address: \"3b:00.0\"\n", source: "t.yaml").pfs[0].networkManagerUnmanaged)
    #expect(throws: DesiredStateError.self) {
      try DesiredState.parse("version: 1\npfs:\n  - address: \"3b:00.0\"\n    vfs:\n      networkmanager: managed\n", source: "t.yaml")
    }
  }
}

/// The rule through udev's own rule engine: `udevadm test` (systemd 252 here; `udevadm verify`
/// needs 254) on the x710-demo fixture mounted over /sys in a private mount namespace. Runs where
/// udevadm and root are available (the `udev` package); elsewhere the golden text above stands.
@Suite("NetworkManager unmanaged rule under udevadm")
struct NMUnmanagedRuleUdevTests {
  static var available: Bool {
    FileManager.default.isExecutableFile(atPath: "/usr/bin/udevadm") && getuid() == 0
      && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare")
  }

  @Test(.enabled(if: available))
  func udevSetsNMUnmanagedOnTheVFsOfThatPFOnly() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nm-rule-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let check = { (pfs: [PCIAddress]) throws -> String in
      try #require(NMUnmanagedRule.text(for: pfs)).write(toFile: dir + "/r.rules", atomically: false, encoding: .utf8)
      let r = try run(Repo.root + "/Tests/udev/verify-nm-rule.sh",
        [fixtureRoot("x710-demo"), dir + "/r.rules", "enp59s0f0v0", "enp59s0f0v3", "enp59s0f0", "enp59s0f1"], env: [:])
      #expect(r.status == 0, "\(r.stderr)")
      return r.stdout
    }
    #expect(try check([NMUnmanagedRuleTests.pf0]) == "enp59s0f0v0 NM_UNMANAGED=1\nenp59s0f0v3 NM_UNMANAGED=1\nenp59s0f0 -\nenp59s0f1 -\n")
    // A rule for the other PF leaves these VFs alone.
    #expect(try check([NMUnmanagedRuleTests.pf1]) == "enp59s0f0v0 -\nenp59s0f0v3 -\nenp59s0f0 -\nenp59s0f1 -\n")
  }
}
