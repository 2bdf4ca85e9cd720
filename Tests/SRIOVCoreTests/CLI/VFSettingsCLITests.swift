import Foundation
import Testing

/// `set`, `list --vfs` and `show` with VF settings through the built binary, on fixtures: a fake root
/// never reaches the live kernel, so these cover parsing, refusals, dry runs from a stored dump and
/// rendering. The kernel path is in the VM scenario 40-netlink-set.
@Suite("CLI: set and VF settings in list/show")
struct VFSettingsCLITests {
  let root = fixtureRoot("x710-vf-settings")

  @Test func badValuesAreUsageErrors() throws {
    let cases: [([String], String)] = [
      (["--vlan", "5000"], "Error: enp59s0f0 vf 0: VLAN 5000 is out of range\nhint: a VLAN ID is 0-4095 (0 removes the VLAN)\n"),
      (["--qos", "3", "--vlan", "0"], "Error: enp59s0f0 vf 0: QoS 3 needs a VLAN, but the VLAN given is 0\nhint: give a VLAN ID from 1 to 4095 with the QoS\n"),
      (["--min-rate", "500", "--max-rate", "100"], "Error: enp59s0f0 vf 0: min rate 500 Mbps is above max rate 100 Mbps\nhint: give a max rate of at least the min rate, or 0 for no limit\n"),
      ([], "Error: enp59s0f0 vf 0: nothing to set\nhint: give at least one of --mac --vlan --qos --vlan-proto --spoofchk --trust --link-state --min-rate --max-rate\n"),
    ]
    for (options, stderr) in cases {
      let r = try runCLI(["--root", root, "set", "enp59s0f0", "0"] + options)
      #expect(r.status == 64, "\(options)")
      #expect(r.stdout.isEmpty)
      #expect(r.stderr == stderr)
    }
  }

  /// Malformed words are refused by the parser (typed options), with its usage lines after the error.
  @Test func malformedWordsAreParserErrors() throws {
    let cases: [([String], String)] = [
      (["--mac", "01:00:5e:00:00:01"], "Error: The value '01:00:5e:00:00:01' is invalid for '--mac <mac>': '01:00:5e:00:00:01' is not a unicast MAC address (expected a first byte with the multicast bit clear, e.g. 02:00:00:00:00:01)"),
      (["--mac", "02:00:00:00:00"], "Error: The value '02:00:00:00:00' is invalid for '--mac <mac>': '02:00:00:00:00' is not a MAC address (expected six hex pairs like 02:00:00:00:00:01)"),
      (["--spoofchk", "maybe"], "Error: The value 'maybe' is invalid for '--spoofchk <on|off>'. Please provide one of 'on' and 'off'."),
      (["--link-state", "up"], "Error: The value 'up' is invalid for '--link-state <state>'. Please provide one of 'auto', 'enable' or 'disable'."),
      (["--vlan-proto", "802.1x", "--vlan", "5"], "Error: The value '802.1x' is invalid for '--vlan-proto <proto>'. Please provide one of '802.1Q' and '802.1ad'."),
    ]
    for (options, firstLine) in cases {
      let r = try runCLI(["--root", root, "set", "enp59s0f0", "0"] + options)
      #expect(r.status == 64, "\(options)")
      #expect(r.stdout.isEmpty)
      #expect(r.stderr.split(separator: "\n").first.map(String.init) == firstLine)
      #expect(r.stderr.contains("Usage: sriovctl set"))
    }
  }

  /// The words are case-insensitive, as before they were typed values.
  @Test func wordsIgnoreCase() throws {
    let upper = try runCLI(["--root", root, "set", "enp59s0f0", "0", "--trust", "ON", "--link-state", "Enable", "--dry-run", "--json"])
    let lower = try runCLI(["--root", root, "set", "enp59s0f0", "0", "--trust", "on", "--link-state", "enable", "--dry-run", "--json"])
    #expect(upper.status == 0 && upper.stdout == lower.stdout && upper.stdout.contains("trust"))
  }

  @Test func refusedUnderAFakeRoot() throws {
    try withTempCopy(of: "x710-vf-settings") { copy in
      let r = try runCLI(["--root", copy, "set", "enp59s0f0", "0", "--trust", "on"])
      #expect(r.status == 1 && r.stdout.isEmpty)
      #expect(r.stderr == """
        Error: 0000:3b:00.0 vf 0: will not change VF settings under --root \(copy): it is a capture or fixture, not the live kernel
        hint: run without --root (and without SRIOVCTL_ROOT) on the host itself; --dry-run shows the plan from the capture's stored settings

        """)
      #expect(!FileManager.default.fileExists(atPath: copy + "/run"))
      let env = try runCLI(["set", "enp59s0f0", "0", "--trust", "on"], env: ["SRIOVCTL_ROOT": copy])
      #expect(env.status == 1 && env.stderr.contains("will not change VF settings under --root"))
    }
  }

  @Test func stateChecksNameTheVF() throws {
    let cases: [([String], String)] = [
      (["enp59s0f0", "4", "--trust", "on"], "Error: 0000:3b:00.0: has no VF 4: VFs are 0 to 3 (sriov_numvfs is 4)\nhint: give a VF index below 4\n"),
      (["3b:02.1", "0", "--trust", "on"], "Error: 0000:3b:02.1: is a VF; VF settings are set through its PF\nhint: name the PF and the VF index: sriovctl set 0000:3b:00.0 1 ...\n"),
      (["enp59s0f0", "1", "--qos", "2", "--dry-run"], "Error: 0000:3b:00.0 vf 1: QoS 2 needs a VLAN, and the VF has none\nhint: give a VLAN ID from 1 to 4095 with the QoS\n"),
      (["enp59s0f0", "3", "--trust", "on", "--dry-run"], "Error: 0000:3b:00.0 vf 3: cannot read its settings: the kernel's VF list is truncated (3 of 4 VFs reported)\nhint: 'ip link show enp59s0f0' shows what the kernel reports\n"),
    ]
    for (args, stderr) in cases {
      let r = try runCLI(["--root", root, "set"] + args)
      #expect(r.status == 1, "\(args)")
      #expect(r.stderr == stderr)
    }
    let noDump = try runCLI(["--root", fixtureRoot("x710-demo"), "set", "enp59s0f0", "0", "--trust", "on", "--dry-run"])
    #expect(noDump.status == 1)
    #expect(noDump.stderr.hasPrefix("Error: 0000:3b:00.0 vf 0: cannot plan: \(fixtureRoot("x710-demo")) has no stored VF settings"))
  }

  @Test func dryRunPlansFromTheStoredSettings() throws {
    let r = try runCLI(["--root", root, "set", "3b:00.0", "0", "--vlan", "100", "--qos", "3", "--trust", "on",
                        "--max-rate", "500", "--mac", "02:00:00:00:00:10", "--dry-run"])
    #expect(r.status == 0 && r.stderr.isEmpty)
    #expect(r.stdout == """
      0000:3b:00.0 vf 0 (enp59s0f0): would set, in order:
        min-rate 0 max-rate 500
        trust on

      """)
    let same = try runCLI(["--root", root, "set", "enp59s0f0", "2", "--vlan", "200", "--vlan-proto", "802.1AD", "--spoofchk", "off", "--dry-run", "--json"])
    #expect(same.status == 0)
    let json = try JSONValue(parsing: same.stdout)
    #expect(json["result"]?["planned"] == [])
    #expect(json["result"]?["changed"] == false)
    #expect(json["result"]?["dry_run"] == true)
    #expect(json["result"]?["message"] == "already set; nothing to change")
  }

  @Test func listShowsSettingsAndTheTruncation() throws {
    let r = try runCLI(["--root", root, "list", "--vfs"])
    #expect(r.status == 0 && r.stderr.isEmpty)
    let lines = r.stdout.split(separator: "\n").map(String.init)
    #expect(lines.contains { $0.hasPrefix("  0000:3b:02.0") && $0.hasSuffix("mac 02:00:00:00:00:10 vlan 100 qos 3 spoofchk on trust off link auto") })
    #expect(lines.contains { $0.hasPrefix("  0000:3b:02.2") && $0.hasSuffix("mac 02:00:00:00:00:12 vlan 200 802.1ad spoofchk off trust on link enable rate 100-1000 Mbps") })
    #expect(lines.contains { $0.hasPrefix("  0000:3b:02.3") && $0.hasSuffix("vf 3  0     9") })
    #expect(lines.last == "note: enp59s0f0: the kernel reported settings for 3 of 4 VFs (its netlink VF list is truncated); the rest show sysfs facts only")

    let json = try JSONValue(parsing: try runCLI(["--root", root, "list", "--json"]).stdout)
    let pf = try #require(json["pfs"]?.array?.first)
    #expect(pf["vf_settings"] == .object(["source": "capture", "netdev": "enp59s0f0", "num_vfs": 4, "reported_vfs": 3,
                                          "truncated": true, "error": .null]))
    let vfs = try #require(pf["vfs"]?.array)
    #expect(vfs[1]["settings"] == .object([
      "mac": "00:00:00:00:00:00", "vlan": 0, "qos": 0, "vlan_proto": "802.1Q", "spoofchk": true, "trust": .null,
      "link_state": "auto", "min_tx_rate": 0, "max_tx_rate": 0, "query_rss": false,
    ]))
    #expect(vfs[2]["settings"]?["vlan_proto"] == "802.1ad" && vfs[2]["settings"]?["max_tx_rate"] == 1000)
    #expect(vfs[3]["settings"] == .null)
    #expect(vfs[3]["address"] == "0000:3b:02.3")
    // The second PF has no VFs: no read, no object.
    #expect(json["pfs"]?.array?[1]["vf_settings"] == .null)
  }

  @Test func withoutAStoredDumpSettingsAreNull() throws {
    let json = try JSONValue(parsing: try runCLI(["--root", fixtureRoot("x710-demo"), "list", "--json"]).stdout)
    let pf = try #require(json["pfs"]?.array?.first)
    #expect(pf["vf_settings"] == .null)
    #expect(pf["vfs"]?.array?.allSatisfy { $0["settings"] == .null } == true)
    let text = try runCLI(["--root", fixtureRoot("x710-demo"), "list", "--vfs"]).stdout
    #expect(!text.contains("note:") && !text.contains("mac "))
  }

  @Test func showPFAndVF() throws {
    let pf = try runCLI(["--root", root, "show", "enp59s0f0"])
    #expect(pf.status == 0)
    #expect(pf.stdout.contains("    vf 0  0000:3b:02.0  iavf  enp59s0f0v0  group 6  mac 02:00:00:00:00:10 vlan 100 qos 3 spoofchk on trust off link auto\n"))
    #expect(pf.stdout.hasSuffix("  note: enp59s0f0: the kernel reported settings for 3 of 4 VFs (its netlink VF list is truncated); the rest show sysfs facts only\n"))
    let vf = try runCLI(["--root", root, "show", "enp59s0f0v2"])
    #expect(vf.stdout.contains("  settings:     mac 02:00:00:00:00:12 vlan 200 802.1ad spoofchk off trust on link enable rate 100-1000 Mbps\n"))
    #expect(!vf.stdout.contains("note:"))
    let json = try JSONValue(parsing: try runCLI(["--root", root, "show", "3b:02.2", "--json"]).stdout)
    #expect(json["device"]?["settings"]?["trust"] == true)
    #expect(json["device"]?["vf_settings"]?["truncated"] == true)
    let pfJSON = try JSONValue(parsing: try runCLI(["--root", root, "show", "3b:00.0", "--json"]).stdout)
    #expect(pfJSON["device"]?["settings"] == .null)
    #expect(pfJSON["device"]?["sriov"]?["vfs"]?.array?[0]["settings"]?["qos"] == 3)
  }

  @Test func damagedDumpIsAnError() throws {
    try withTempCopy(of: "x710-vf-settings") { copy in
      try "{\"schema_version\": 1, \"pfs\": [{\"netdev\": \"enp59s0f0\", \"num_vfs\": \"4\", \"vfs\": []}]}\n"
        .write(toFile: copy + "/sriovctl/vf-settings.json", atomically: false, encoding: .utf8)
      let r = try runCLI(["--root", copy, "list"])
      #expect(r.status == 1)
      #expect(r.stderr == """
        Error: \(copy)/sriovctl/vf-settings.json:1:66: expected "num_vfs": a count
        hint: the stored VF settings are damaged; capture the host again or remove the file

        """)
    }
  }
}
