import Foundation
import SRIOVCore
import Testing

private let pf0 = DevlinkHandle(pci: PCIAddress(strict: "0000:5e:00.0")!)
private let pf1 = DevlinkHandle(pci: PCIAddress(strict: "0000:5e:00.1")!)

/// connectx5 as a capture whose devlink answers say PF0 is in switchdev with representors for its two
/// VFs (and a SmartNIC-style external port that is not one), PF1 legacy.
private let storedDump = DevlinkDump(
  eswitches: [
    pf0: .supported(EswitchSettings(mode: .switchdev, inlineMode: EswitchInlineMode.none, encapMode: .basic)),
    pf1: .supported(EswitchSettings(mode: .legacy)),
  ],
  ports: [
    DevlinkPort(handle: pf0, index: 65535, flavour: .physical, pfNumber: 0, netdev: "enp94s0f0np0", ifindex: 4),
    DevlinkPort(handle: pf0, index: 1, flavour: .pcivf, pfNumber: 0, vfNumber: 0, controller: 0, external: false, netdev: "enp94s0f0_0", ifindex: 9),
    DevlinkPort(handle: pf0, index: 2, flavour: .pcivf, pfNumber: 0, vfNumber: 1, controller: 0, external: false, netdev: "enp94s0f0_1", ifindex: 10),
    DevlinkPort(handle: pf0, index: 3, flavour: .pcivf, pfNumber: 0, vfNumber: 0, controller: 1, external: true, netdev: "ext0", ifindex: 11),
  ])

private func withDump<T>(_ text: String, _ body: (String) throws -> T) throws -> T {
  try withTempCopy(of: "connectx5") { root in
    try FileManager.default.createDirectory(atPath: root + "/sriovctl", withIntermediateDirectories: true)
    try text.write(toFile: root + "/sriovctl/devlink.json", atomically: false, encoding: .utf8)
    return try body(root)
  }
}

@Suite("eSwitch in show, list and captures")
struct EswitchReportTests {
  @Test func dumpRoundTrips() throws {
    let decoded = try DevlinkDump.decode(storedDump.encode(), source: "d.json")
    #expect(decoded.eswitches == storedDump.eswitches)
    #expect(decoded.ports == storedDump.ports.sorted { ($0.handle, $0.index) < ($1.handle, $1.index) })
    let unsupported = DevlinkDump(eswitches: [pf1: .unsupported("no devlink instance")], ports: [])
    #expect(try DevlinkDump.decode(unsupported.encode(), source: "d.json") == unsupported)
  }

  @Test func damagedDumpNamesTheSpot() {
    let bad = #"{"schema_version": 1, "devices": [{"handle": "pci/0000:5e:00.0", "supported": true, "mode": "offloads"}], "ports": []}"#
    #expect {
      try DevlinkDump.decode(bad, source: "d.json")
    } throws: { error in
      (error as? SRIOVError)?.message == "d.json:1:93: \"mode\" must be an eSwitch mode, not a string"
    }
  }

  @Test func showAndListReadTheCapture() throws {
    try withDump(storedDump.encode()) { root in
      let show = try runCLI(["--root", root, "show", "0000:5e:00.0", "--json"])
      #expect(show.status == 0, "\(show.stderr)")
      let json = try JSONValue(parsing: show.stdout)
      let eswitch = json["device"]?["eswitch"]
      #expect(eswitch?["source"] == "capture" && eswitch?["mode"] == "switchdev" && eswitch?["supported"] == true)
      #expect(eswitch?["inline_mode"] == "none" && eswitch?["encap_mode"] == "basic" && eswitch?["error"] == .null)
      #expect(json["device"]?["sriov"]?["vfs"]?.array?[0]["representor"] == "enp94s0f0_0")
      #expect(json["device"]?["sriov"]?["vfs"]?.array?[1]["representor"] == "enp94s0f0_1")

      let text = try runCLI(["--root", root, "show", "0000:5e:00.0"]).stdout
      #expect(text.contains("  eswitch:      switchdev (inline-mode none, encap-mode basic), 2 VF representor(s)\n"))
      #expect(text.contains("vf 0  0000:5e:00.2  mlx5_core  enp94s0f0v0  group ") && text.contains("rep enp94s0f0_0"))

      let vf = try JSONValue(parsing: try runCLI(["--root", root, "show", "0000:5e:00.3", "--json"]).stdout)
      #expect(vf["device"]?["representor"] == "enp94s0f0_1")

      let list = try JSONValue(parsing: try runCLI(["--root", root, "list", "--json"]).stdout)
      #expect(list["pfs"]?.array?[0]["eswitch"]?["mode"] == "switchdev")
      #expect(list["pfs"]?.array?[1]["eswitch"]?["mode"] == "legacy")
      #expect(list["pfs"]?.array?[0]["vfs"]?.array?[1]["representor"] == "enp94s0f0_1")
      let vfs = try runCLI(["--root", root, "list", "--vfs"]).stdout
      #expect(vfs.split(separator: "\n").contains { $0.hasPrefix("  0000:5e:00.2") && $0.hasSuffix("rep enp94s0f0_0") })

      // The plan works from the capture; the change itself needs the live kernel.
      let dry = try runCLI(["--root", root, "eswitch", "pci/0000:5e:00.1", "switchdev", "--dry-run"])
      #expect(dry.status == 0 && dry.stdout == "pci/0000:5e:00.1: would change the eSwitch from legacy to switchdev; mlx5_core order mode-only (the mode change alone); would do, in order:\n  devlink dev eswitch set pci/0000:5e:00.1 mode switchdev\n")
      let real = try runCLI(["--root", root, "eswitch", "enp94s0f1np1", "switchdev"])
      #expect(real.status == 1 && real.stderr.hasPrefix("Error: pci/0000:5e:00.1: cannot set the eSwitch to switchdev: setting the eSwitch mode switchdev failed") == false)
      #expect(real.stderr.contains("the host root is a capture"))
    }
  }

  @Test func unsupportedIsALineNotAFailure() throws {
    let dump = DevlinkDump(eswitches: [pf0: .unsupported("no devlink instance")], ports: [])
    try withDump(dump.encode()) { root in
      let show = try runCLI(["--root", root, "show", "0000:5e:00.0"])
      #expect(show.status == 0)
      #expect(show.stdout.contains("  eswitch:      not supported: mlx5_core has no devlink eSwitch (no devlink instance); legacy SR-IOV only\n"))
      let json = try JSONValue(parsing: try runCLI(["--root", root, "show", "0000:5e:00.0", "--json"]).stdout)
      #expect(json["device"]?["eswitch"]?["supported"] == false && json["device"]?["eswitch"]?["mode"] == .null)
      #expect(json["device"]?["eswitch"]?["unsupported_reason"] == "no devlink instance")
      // PF1 is not in the dump: an unknown, not a crash.
      let pf1 = try JSONValue(parsing: try runCLI(["--root", root, "show", "0000:5e:00.1", "--json"]).stdout)
      #expect(pf1["device"]?["eswitch"]?["supported"] == .null)
      #expect(pf1["device"]?["eswitch"]?["error"] != .null)
    }
  }

  @Test func withoutAStoredDumpTheEswitchIsNull() throws {
    let json = try JSONValue(parsing: try runCLI(["--root", fixtureRoot("connectx5"), "show", "0000:5e:00.0", "--json"]).stdout)
    #expect(json["device"]?["eswitch"] == .null)
    let r = try runCLI(["--root", fixtureRoot("connectx5"), "eswitch", "0000:5e:00.0", "switchdev", "--dry-run"])
    #expect(r.status == 1)
    #expect(r.stderr.hasPrefix("Error: \(fixtureRoot("connectx5")): cannot change the eSwitch: no devlink under this root\n"))
  }

  @Test func badArguments() throws {
    let r = try runCLI(["--root", fixtureRoot("connectx5"), "eswitch", "0000:5e:00.0", "offloads"])
    #expect(r.status == 64)
    let inline = try runCLI(["--root", fixtureRoot("connectx5"), "eswitch", "0000:5e:00.0", "switchdev", "--inline-mode", "l2"])
    #expect(inline.status == 64 && inline.stderr.contains("'l2' is not an eSwitch inline mode (expected none, link, network or transport)"))
  }

  @Test func checkWarnsAboutVFsWithoutRepresentorsAndPassesLegacyOnly() throws {
    var partial = storedDump
    partial.ports.removeAll { $0.vfNumber == 1 }
    try withDump(partial.encode()) { root in
      let r = try runCLI(["--root", root, "check", "0000:5e:00.0", "--json"])
      let findings = try JSONValue(parsing: r.stdout)["findings"]?.array ?? []
      let eswitch = findings.filter { $0["check"] == "eswitch" }
      #expect(eswitch.count == 1)
      #expect(eswitch.first?["severity"] == "warn")
      #expect(eswitch.first?["message"] == "eSwitch switchdev (inline-mode none, encap-mode basic), but 1 of 2 VF(s) have no representor: VF 1")
      let text = try runCLI(["--root", root, "check", "0000:5e:00.0"]).stdout
      #expect(text.contains("hint: the driver did not create their switch ports"))
    }
    try withDump(storedDump.encode()) { root in
      let findings = try JSONValue(parsing: try runCLI(["--root", root, "check", "0000:5e:00.0", "--json"]).stdout)["findings"]?.array ?? []
      #expect(findings.first { $0["check"] == "eswitch" }?["severity"] == "pass")
    }
    let legacyOnly = DevlinkDump(eswitches: [pf0: .unsupported("no devlink instance")], ports: [])
    try withDump(legacyOnly.encode()) { root in
      let r = try runCLI(["--root", root, "check", "0000:5e:00.0", "--json"])
      let finding = (try JSONValue(parsing: r.stdout)["findings"]?.array ?? []).first { $0["check"] == "eswitch" }
      #expect(finding?["severity"] == "pass")
      #expect(finding?["message"] == "legacy-only: mlx5_core has no devlink eSwitch (no devlink instance)")
    }
    // No devlink answers under a plain fixture: no eswitch finding at all.
    let plain = try JSONValue(parsing: try runCLI(["--root", fixtureRoot("connectx5"), "check", "--json"]).stdout)
    #expect(!(plain["findings"]?.array ?? []).contains { $0["check"] == "eswitch" })
  }

  @Test func showOfANonPCIHandle() throws {
    let nsim = try DevlinkHandle(parsing: "netdevsim/netdevsim1")
    let dump = DevlinkDump(eswitches: [nsim: .supported(EswitchSettings(mode: .switchdev))], ports: [
      DevlinkPort(handle: nsim, index: 0, flavour: .physical, pfNumber: 0, netdev: "eth0"),
      DevlinkPort(handle: nsim, index: 128, flavour: .pcivf, pfNumber: 0, vfNumber: 0, netdev: "eth1"),
    ])
    try withDump(dump.encode()) { root in
      let dir = root + "/sys/bus/netdevsim/devices/netdevsim1"
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      try "1\n".write(toFile: dir + "/sriov_numvfs", atomically: false, encoding: .utf8)
      let r = try runCLI(["--root", root, "show", "netdevsim/netdevsim1"])
      #expect(r.status == 0, "\(r.stderr)")
      #expect(r.stdout == """
        netdevsim/netdevsim1
          driver:   -
          vfs:      1 (sriov_numvfs)
          eswitch:  switchdev, 1 VF representor(s)
          ports:
            netdevsim/netdevsim1/0  physical  pf 0  eth0
            netdevsim/netdevsim1/128  pcivf  pf 0  vf 0  eth1

        """)
      let json = try JSONValue(parsing: try runCLI(["--root", root, "show", "netdevsim/netdevsim1", "--json"]).stdout)
      let rep = json["devlink_device"]?["representors"]?.array?.first
      #expect(rep?["vf"] == 0 && rep?["netdev"] == "eth1" && rep?["port"] == "netdevsim/netdevsim1/128")
      #expect(json["devlink_device"]?["eswitch"]?["mode"] == "switchdev")
      // A bus that does not exist here is a bad name, as before; a device that does not exist is one line.
      #expect(try runCLI(["--root", root, "show", "nobus/x"]).status == 64)
      let missing = try runCLI(["--root", root, "show", "netdevsim/netdevsim7"])
      #expect(missing.status == 1 && missing.stderr.hasPrefix("Error: netdevsim/netdevsim7: no such device"))
    }
  }
}
