import Foundation
import Testing

private let x710 = fixtureRoot("x710-demo")

/// JSON conventions from DESIGN.md §2 that hold for every document: full addresses, 4-hex IDs, no
/// sentinel values for unknown.
private func expectConventions(_ value: JSONValue, key: String = "", path: String = "$") {
  switch value {
  case .object(let fields):
    for (k, v) in fields { expectConventions(v, key: k, path: path + "." + k) }
  case .array(let items):
    for (i, v) in items.enumerated() { expectConventions(v, key: key, path: "\(path)[\(i)]") }
  case .string(let s):
    #expect(!s.isEmpty, "\(path) is an empty string (unknown must be null)")
    if key.hasSuffix("_id") {
      #expect(s.wholeMatch(of: #/[0-9a-f]{4}/#) != nil, "\(path) = \(s) is not 4 lowercase hex digits")
    }
    if ["address", "physfn", "members"].contains(key) {
      #expect(s.wholeMatch(of: #/[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]/#) != nil, "\(path) = \(s) is not a full PCI address")
    }
  case .int(let i):
    #expect(i >= 0, "\(path) = \(i) (unknown must be null)")
  case .null, .bool, .double: break
  }
}

private let deviceKeys: Set<String> = [
  "address", "kind", "vendor_id", "device_id", "subsystem_vendor_id", "subsystem_device_id", "class", "vendor_name",
  "device_name", "class_name", "driver", "netdevs", "numa_node", "physfn", "vf_index", "port_type",
  "config_readable_bytes", "iommu_group", "sriov", "acs", "upstream", "settings", "vf_settings", "eswitch", "representor",
  "owners", "config_space", "unknown_reasons",
]
private let listKeys: Set<String> = [
  "address", "vendor_id", "device_id", "vendor_name", "device_name", "driver", "netdevs", "numa_node", "sriov_capable",
  "total_vfs", "num_vfs", "drivers_autoprobe", "iommu_group", "vfs", "vf_settings", "extra_virtfn_links", "eswitch", "unknown_reasons",
]

/// Runs a command that must succeed and returns its decoded JSON.
private func json(_ args: [String], env: [String: String] = [:]) throws -> JSONValue {
  let r = try runCLI(args, env: env)
  try #require(r.status == 0 && r.stderr.isEmpty, "sriovctl \(args.joined(separator: " ")) exited \(r.status): \(r.stderr)")
  let value = try JSONValue(parsing: r.stdout)
  #expect(value["schema_version"] == 1)
  expectConventions(value)
  return value
}

@Suite("CLI")
struct CLITests {
  @Test func fixturesDirectoryHoldsExactlyTheKnownScenarios() throws {
    let names = try FileManager.default.contentsOfDirectory(atPath: Repo.root + "/Fixtures/sysfs")
      .filter { var d: ObjCBool = false; return FileManager.default.fileExists(atPath: fixtureRoot($0), isDirectory: &d) && d.boolValue }
    #expect(names.sorted() == (Repo.scenarios + Repo.captureScenarios).sorted())
  }

  @Test func listVFsTable() throws {
    let r = try runCLI(["--root", x710, "list", "--vfs"])
    #expect(r.stdout == """
      DEVICE          NETDEV       DRIVER  ID         VFS   NUMA  GROUP  NAME
      0000:3b:00.0    enp59s0f0    i40e    8086:1572  4/64  0     4      Intel Corporation Ethernet Controller X710 for 10GbE SFP+
        0000:3b:02.0  enp59s0f0v0  iavf    8086:154c  vf 0  0     6
        0000:3b:02.1  enp59s0f0v1  iavf    8086:154c  vf 1  0     7
        0000:3b:02.2  enp59s0f0v2  iavf    8086:154c  vf 2  0     8
        0000:3b:02.3  enp59s0f0v3  iavf    8086:154c  vf 3  0     9
      0000:3b:00.1    enp59s0f1    i40e    8086:1572  0/64  0     5      Intel Corporation Ethernet Controller X710 for 10GbE SFP+

      """)
    #expect(r.stderr == "" && r.status == 0)
  }

  @Test func listAllTable() throws {
    let r = try runCLI(["--root", x710, "list", "--all"])
    #expect(r.stdout == """
      DEVICE        NETDEV     DRIVER  ID         VFS   NUMA  GROUP  NAME
      0000:04:00.0  eno1       igb     8086:1533  -     0     2      Intel Corporation I210 Gigabit Network Connection
      0000:3b:00.0  enp59s0f0  i40e    8086:1572  4/64  0     4      Intel Corporation Ethernet Controller X710 for 10GbE SFP+
      0000:3b:00.1  enp59s0f1  i40e    8086:1572  0/64  0     5      Intel Corporation Ethernet Controller X710 for 10GbE SFP+

      """)
    #expect(r.stderr == "" && r.status == 0)
  }

  @Test func listWithoutVFsAndNoIOMMU() throws {
    let r = try runCLI(["--root", fixtureRoot("no-iommu"), "list"])
    #expect(r.stdout == """
      DEVICE        NETDEV    DRIVER  ID         VFS  NUMA  GROUP  NAME
      0000:01:00.0  enp1s0f0  igb     8086:1521  0/7  -     -      Intel Corporation I350 Gigabit Network Connection

      """)
    #expect(r.status == 0)
  }

  @Test func showByNetdev() throws {
    let r = try runCLI(["--root", x710, "show", "enp59s0f0"])
    #expect(r.status == 0 && r.stderr == "")
    let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(lines.first == "0000:3b:00.0 Intel Corporation Ethernet Controller X710 for 10GbE SFP+")
    for expected in [
      "  kind:         SR-IOV physical function",
      "  ids:          8086:1572 (subsystem 8086:0000)",
      "  class:        020000 Ethernet controller",
      "  driver:       i40e",
      "  netdevs:      enp59s0f0",
      "  numa node:    0",
      "  port type:    endpoint",
      "  iommu group:  4 (DMA-FQ): 0000:3b:00.0",
      "  acs:          cap SrcValid TransBlk ReqRedir CmpltRedir UpstreamFwd DirectTrans; ctl SrcValid ReqRedir CmpltRedir UpstreamFwd",
      "  sr-iov:       4 of 64 VFs enabled (sriov_totalvfs), autoprobe on",
      "  capability:   initial 64, total 64, num 4, offset 16, stride 1, VF device 154c",
      "                VF enable on, ARI on, page sizes 0x00000553 (system 0x00000001)",
      "  upstream:     0000:3a:00.0 root_port: acs cap SrcValid TransBlk ReqRedir CmpltRedir UpstreamFwd DirectTrans; ctl SrcValid ReqRedir CmpltRedir UpstreamFwd",
      "  vfs:",
      "    vf 0  0000:3b:02.0  iavf  enp59s0f0v0  group 6",
      "    vf 3  0000:3b:02.3  iavf  enp59s0f0v3  group 9",
    ] {
      #expect(lines.contains(expected), "missing line: \(expected)")
    }
    // The same device by short and full address prints the same.
    #expect(try runCLI(["--root", x710, "show", "3b:00.0"]).stdout == r.stdout)
    #expect(try runCLI(["--root", x710, "show", "0000:3b:00.0"]).stdout == r.stdout)
  }

  @Test func showNonrootViewSaysUnreadable() throws {
    let r = try runCLI(["--root", fixtureRoot("nonroot-view"), "show", "enp1s0"])
    #expect(r.status == 0)
    let lines = r.stdout.split(separator: "\n").map(String.init)
    // A fixture is not this machine: the reason is what the copy lacks, never "needs root".
    let why = "(this root holds only the first 64 bytes of config space, all a copy made without root gets)"
    for expected in [
      "  config space:  64 bytes, the rest unknown " + why,
      "  port type:     unknown " + why,
      "  acs:           unknown " + why,
      "  sr-iov:        2 of 7 VFs enabled (sriov_totalvfs), autoprobe on",
      "  capability:    unknown " + why,
    ] {
      #expect(lines.contains(expected), "missing line: \(expected)\n\(r.stdout)")
    }
  }

  @Test("list --json and show --json on every fixture", arguments: Repo.scenarios)
  func jsonEveryFixture(scenario: String) throws {
    let root = fixtureRoot(scenario)
    let list = try json(["--root", root, "list", "--json"])
    #expect(list.keys == ["schema_version", "pfs"])
    let all = try json(["--root", root, "list", "--all", "--json"])
    for pf in (list["pfs"]?.array ?? []) + (all["pfs"]?.array ?? []) {
      #expect(pf.keys == listKeys, "list keys of \(pf["address"] ?? .null)")
    }
    let pfs = try #require(list["pfs"]?.array)
    #expect(!pfs.isEmpty, "\(scenario) has SR-IOV PFs")

    // Every device except the VFs in the middle of a long list (the oracle covers those in-process).
    let addresses = try deviceAddresses(root: root)
    let vfs = Set(pfs.flatMap { $0["vfs"]?.array ?? [] }.compactMap { $0["address"]?.string })
    let keptVFs = Set(pfs.flatMap { pf in
      let list = pf["vfs"]?.array ?? []
      return (list.prefix(2) + list.suffix(2)).compactMap { $0["address"]?.string }
    })
    for address in addresses where !vfs.contains(address) || keptVFs.contains(address) {
      let show = try json(["--root", root, "show", address, "--json"])
      #expect(show.keys == ["schema_version", "device"])
      let device = try #require(show["device"])
      #expect(device.keys == deviceKeys, "\(address) keys")
      #expect(device["address"] == .string(address))
      for hop in device["upstream"]?.array ?? [] {
        #expect(hop.keys == ["address", "port_type", "acs", "config_space"])
      }
    }
  }

  @Test func noIOMMUJSON() throws {
    let root = fixtureRoot("no-iommu")
    let device = try #require(try json(["--root", root, "show", "0000:01:00.0", "--json"])["device"])
    #expect(device["iommu_group"] == .null)
    #expect(device["numa_node"] == .null)
    #expect(device["sriov"]?["total_vfs"] == 8)  // config space TotalVFs
    #expect(device["sriov"]?["initial_vfs"] == 8)
    #expect(device["sriov"]?["max_vfs"] == 7)  // igb's sriov_totalvfs
    #expect(device["sriov"]?["enabled_vfs"] == 0)
    #expect(device["sriov"]?["vfs"] == [])
    // ACS capability present, but the kernel enabled nothing without an IOMMU.
    let hop = try #require(device["upstream"]?.array?.first)
    #expect(hop["address"] == "0000:00:01.0")
    #expect(hop["acs"]?["status"] == "present")
    #expect(hop["acs"]?["ctl_flags"] == [])
    #expect(hop["acs"]?["ctl"] == "0x0000")
    let pf = try #require(try json(["--root", root, "list", "--json"])["pfs"]?.array?.first)
    #expect(pf["iommu_group"] == .null && pf["total_vfs"] == 7 && pf["num_vfs"] == 0)
  }

  @Test func nonrootViewJSON() throws {
    let root = fixtureRoot("nonroot-view")
    let device = try #require(try json(["--root", root, "show", "0000:01:00.0", "--json"])["device"])
    #expect(device["config_readable_bytes"] == 64)
    #expect(device["port_type"] == .null)
    let why: JSONValue = "this root holds only the first 64 bytes of config space, all a copy made without root gets"
    #expect(device["acs"] == .object(["status": "unreadable", "cap": .null, "ctl": .null, "cap_flags": .null, "ctl_flags": .null, "reason": why]))
    #expect(device["config_space"] == .object(["status": "truncated", "reason": why, "bytes": 64]))
    let sriov = try #require(device["sriov"])
    #expect(sriov["status"] == "unreadable")
    #expect(sriov["total_vfs"] == .null && sriov["initial_vfs"] == .null && sriov["vf_enable"] == .null)
    #expect(sriov["max_vfs"] == 7 && sriov["enabled_vfs"] == 2)
    #expect(sriov["vfs"]?.array?.compactMap { $0["address"]?.string } == ["0000:01:10.0", "0000:01:10.2"])
    #expect(device["upstream"]?.array?.map { $0["acs"]?["status"] } == ["unreadable"])
  }

  @Test func switchWithoutACSGroupMembers() throws {
    let root = fixtureRoot("switch-no-acs")
    let device = try #require(try json(["--root", root, "show", "0000:03:10.2", "--json"])["device"])
    #expect(device["kind"] == "vf" && device["physfn"] == "0000:03:00.0" && device["vf_index"] == 1)
    #expect(device["iommu_group"]?["members"] == ["0000:02:08.0", "0000:03:00.0", "0000:03:10.0", "0000:03:10.2"])
    #expect(device["iommu_group"]?["id"] == 3)
    let hops = try #require(device["upstream"]?.array)
    #expect(hops.map { $0["address"] } == ["0000:02:08.0", "0000:01:00.0", "0000:00:01.0"])
    #expect(hops.map { $0["port_type"] } == ["downstream_port", "upstream_port", "root_port"])
    #expect(hops.map { $0["acs"]?["status"] } == ["absent", "absent", "present"])
    let pf = try #require(try json(["--root", root, "show", "enp3s0f0", "--json"])["device"])
    #expect(pf["sriov"]?["total_vfs"] == 64 && pf["sriov"]?["max_vfs"] == 63)
  }

  @Test func vfOnTheNextBus() throws {
    let root = fixtureRoot("vf-second-bus")
    let device = try #require(try json(["--root", root, "show", "0000:19:00.3", "--json"])["device"])
    #expect(device["kind"] == "vf")
    #expect(device["vf_index"] == 131)
    #expect(device["physfn"] == "0000:18:00.0")
    #expect(device["netdevs"] == ["ens785f0v131"])
    let pf = try #require(try json(["--root", root, "list", "--json"])["pfs"]?.array?.first)
    let vfs = try #require(pf["vfs"]?.array)
    #expect(vfs.count == 132)
    #expect(vfs.map { $0["index"] } == (0..<132).map { JSONValue.int($0) })
    #expect(vfs.last?["address"] == "0000:19:00.3")
    #expect(vfs[127]["address"] == "0000:18:1f.7" && vfs[128]["address"] == "0000:19:00.0")
    #expect(pf["num_vfs"] == 132 && pf["total_vfs"] == 256)
    let byName = try runCLI(["--root", root, "show", "ens785f0v131"])
    #expect(byName.stdout.contains("  kind:         virtual function 131 of 0000:18:00.0\n"))
  }

  @Test func unboundNVMeVFs() throws {
    let root = fixtureRoot("nvme-sriov")
    let device = try #require(try json(["--root", root, "show", "0000:01:00.0", "--json"])["device"])
    #expect(device["netdevs"] == [] && device["driver"] == "nvme")
    #expect(device["sriov"]?["drivers_autoprobe"] == false)
    #expect(device["sriov"]?["vfs"]?.array?.map { $0["driver"] } == [.null, .null])
    // NVMe is not a NIC: `list --all` adds nothing beyond the PF.
    let all = try json(["--root", root, "list", "--all", "--json"])
    #expect(all["pfs"]?.array?.map { $0["address"] } == ["0000:01:00.0"])
  }

  @Test func environmentRootWorksLikeTheFlag() throws {
    let byFlag = try runCLI(["--root", x710, "list", "--vfs"])
    let byEnv = try runCLI(["list", "--vfs"], env: ["SRIOVCTL_ROOT": x710])
    #expect(byFlag.status == 0 && byEnv.status == 0)
    #expect(byEnv.stdout == byFlag.stdout)
    #expect(byEnv.stdout.contains("0000:3b:02.3  enp59s0f0v3"))
    // The flag wins over the environment.
    let both = try runCLI(["--root", x710, "list", "--vfs"], env: ["SRIOVCTL_ROOT": "/nonexistent"])
    #expect(both.status == 0 && both.stdout == byFlag.stdout)
  }

  @Test func rootBeforeAndAfterTheSubcommand() throws {
    let before = try runCLI(["--root", x710, "show", "enp59s0f0", "--json"])
    let after = try runCLI(["show", "enp59s0f0", "--json", "--root", x710])
    let between = try runCLI(["show", "--root", x710, "enp59s0f0", "--json"])
    #expect(before.status == 0 && after.status == 0 && between.status == 0)
    #expect(before.stdout == after.stdout && after.stdout == between.stdout)
    #expect(try JSONValue(parsing: before.stdout)["device"]?["address"] == "0000:3b:00.0")
  }
}
