import SRIOVCore
import Testing

private func addr(_ text: String) -> PCIAddress { PCIAddress(strict: text)! }
private let pfAddress = addr("0000:3b:00.0")
private let netdev = try! NetdevName(parsing: "enp59s0f0")

private func vf(_ i: Int, _ driver: String?, override: String? = nil, up: [String] = []) -> ObservedVF {
  ObservedVF(index: i, address: PCIAddress(bus: 0x3b, device: 2, function: UInt8(i)), driver: driver, driverOverride: override, upNetdevs: up)
}

/// An X710 PF with `count` VFs on `vfDriver`, default VF settings, autoprobe on.
private func observed(count: Int = 4, vfDriver: String? = "iavf", autoprobe: Bool? = true, settings: PFVFSettings? = nil,
                      drivers: Set<String> = ["i40e", "iavf", "vfio-pci"], vfs: [ObservedVF]? = nil) -> ObservedApplyPF {
  let pf = ObservedPF(address: pfAddress, totalVFs: 64, numVFs: count, driver: "i40e", driversAutoprobe: autoprobe,
    vfs: vfs ?? (0..<count).map { vf($0, vfDriver) })
  return ObservedApplyPF(pf: pf, netdev: netdev, settings: settings ?? defaults(count), loadedDrivers: drivers)
}

private func defaults(_ count: Int) -> PFVFSettings {
  let vf = VFSettings(mac: .zero, vlan: 0, qos: 0, vlanProtocol: .dot1Q, spoofCheck: true, trust: false, linkState: .auto,
    minTxRate: 0, maxTxRate: 0)
  return PFVFSettings(numVFs: count, vfs: Dictionary(uniqueKeysWithValues: (0..<count).map { ($0, vf) }))
}

/// The desired state of the one PF in `yaml` (a `pfs:` entry body after `- address: ...`).
private func desired(_ body: String) throws -> DesiredPF {
  let text = "version: 1\npfs:\n  - address: \"0000:3b:00.0\"\n" + body
  return try DesiredState.parse(text, source: "want.yaml").pfs[0]
}

private func plan(_ body: String, _ seen: ObservedApplyPF = observed(), force: Bool = false, dryRun: Bool = false) throws -> ApplyPlan {
  try ApplyPlan.make([(try desired(body), seen)], source: "want.yaml", options: .init(force: force, dryRun: dryRun))
}

private func lines(_ p: ApplyPlan) -> [String] { p.actions.map(\.description) }

@Suite("apply planner (pure)")
struct ApplyPlanTests {
  @Test func equalStateHasNoActions() throws {
    let body = """
          vfs:
            count: 4
            autoprobe: true
            driver: iavf
            per_vf:
              - {vf: "0-3", vlan: 0, qos: 0, vlan_proto: 802.1Q, spoofchk: true, trust: false, link_state: auto}
              - {vf: "0-3", min_tx_rate: 0, max_tx_rate: 0}
              - {vf: 1, mac: "00:00:00:00:00:00"}
      """
    #expect(try plan(body).isEmpty)
    #expect(try plan("").isEmpty)
  }

  /// Every VF setting field gives one action, from the observed value to the desired one.
  @Test(arguments: [
    ("mac: \"02:00:00:00:00:01\"", "0000:3b:00.0 VF 1 (enp59s0f0): mac 00:00:00:00:00:00 -> mac 02:00:00:00:00:01"),
    ("vlan: 10", "0000:3b:00.0 VF 1 (enp59s0f0): vlan 0 qos 0 proto 802.1Q -> vlan 10 qos 0 proto 802.1Q"),
    ("vlan: 5, qos: 3", "0000:3b:00.0 VF 1 (enp59s0f0): vlan 0 qos 0 proto 802.1Q -> vlan 5 qos 3 proto 802.1Q"),
    ("vlan: 5, vlan_proto: 802.1ad", "0000:3b:00.0 VF 1 (enp59s0f0): vlan 0 qos 0 proto 802.1Q -> vlan 5 qos 0 proto 802.1ad"),
    ("spoofchk: false", "0000:3b:00.0 VF 1 (enp59s0f0): spoofchk on -> spoofchk off"),
    ("trust: true", "0000:3b:00.0 VF 1 (enp59s0f0): trust off -> trust on"),
    ("link_state: disable", "0000:3b:00.0 VF 1 (enp59s0f0): link-state auto -> link-state disable"),
    ("min_tx_rate: 100", "0000:3b:00.0 VF 1 (enp59s0f0): min-rate 0 max-rate 0 -> min-rate 100 max-rate 0"),
    ("max_tx_rate: 1000", "0000:3b:00.0 VF 1 (enp59s0f0): min-rate 0 max-rate 0 -> min-rate 0 max-rate 1000"),
  ])
  func everySettingField(field: String, expected: String) throws {
    let p = try plan("    vfs:\n      per_vf:\n        - {vf: 1, \(field)}\n")
    #expect(lines(p) == [expected])
    #expect(p.actions.first?.kind == "vf_setting")
    #expect(p.actions.first?.isIrreversible == false)
  }

  @Test func settingsRangeAndMerge() throws {
    let p = try plan("""
          vfs:
            per_vf:
              - {vf: "1-2", vlan: 20}
              - {vf: 2, trust: true}
      """)
    #expect(lines(p) == [
      "0000:3b:00.0 VF 1 (enp59s0f0): vlan 0 qos 0 proto 802.1Q -> vlan 20 qos 0 proto 802.1Q",
      "0000:3b:00.0 VF 2 (enp59s0f0): vlan 0 qos 0 proto 802.1Q -> vlan 20 qos 0 proto 802.1Q",
      "0000:3b:00.0 VF 2 (enp59s0f0): trust off -> trust on",
    ])
  }

  @Test func countChangeIsIrreversibleAndListsEveryDestroyedVF() throws {
    let p = try plan("    vfs: {count: 2}\n")
    #expect(lines(p) == [
      "0000:3b:00.0: VFs 4 -> 2 (irreversible: destroys 4 VF(s): 0000:3b:02.0 0000:3b:02.1 0000:3b:02.2 0000:3b:02.3)"
    ])
    #expect(p.actions[0].isIrreversible)
    #expect(p.destroys.map(\.description) == ["0000:3b:02.0", "0000:3b:02.1", "0000:3b:02.2", "0000:3b:02.3"])
    // From none, nothing is destroyed: not irreversible.
    let create = try plan("    vfs: {count: 3}\n", observed(count: 0))
    #expect(lines(create) == ["0000:3b:00.0: VFs 0 -> 3"])
    #expect(!create.actions[0].isIrreversible)
  }

  @Test func oneDriverForAllVFsIsBoundByTheCountChange() throws {
    let p = try plan("    vfs: {count: 2, driver: vfio-pci}\n", observed(count: 0))
    #expect(lines(p) == ["0000:3b:00.0: VFs 0 -> 2, new VFs bound to vfio-pci race-free"])
    guard case .count(let change) = p.actions[0] else { Issue.record("not a count"); return }
    #expect(change.writes.first?.description == "/sys/bus/pci/devices/0000:3b:00.0/sriov_drivers_autoprobe <- '0'")
    #expect(change.writes.last?.description == "/sys/bus/pci/devices/0000:3b:00.0/sriov_drivers_autoprobe <- '1'")
  }

  @Test func perVFDriversOnNewVFsAreBoundAfterTheCount() throws {
    let p = try plan("""
          vfs:
            count: 2
            per_vf:
              - {vf: 1, driver: vfio-pci}
      """, observed(count: 0))
    #expect(lines(p) == ["0000:3b:00.0: VFs 0 -> 2", "0000:3b:00.0 VF 1 (new): driver none -> vfio-pci"])
  }

  @Test func driverOfExistingVFs() throws {
    let p = try plan("    vfs:\n      driver: vfio-pci\n      per_vf:\n        - {vf: 3, driver: iavf}\n")
    #expect(lines(p) == [
      "0000:3b:00.0 VF 0 (0000:3b:02.0): driver iavf -> vfio-pci",
      "0000:3b:00.0 VF 1 (0000:3b:02.1): driver iavf -> vfio-pci",
      "0000:3b:00.0 VF 2 (0000:3b:02.2): driver iavf -> vfio-pci",
    ])
    #expect(p.actions.map(\.vf) == [0, 1, 2])
  }

  @Test func autoprobeBothWays() throws {
    #expect(lines(try plan("    vfs: {autoprobe: false}\n")) == ["0000:3b:00.0: sriov_drivers_autoprobe 1 -> 0"])
    #expect(lines(try plan("    vfs: {autoprobe: true}\n", observed(autoprobe: false))) == ["0000:3b:00.0: sriov_drivers_autoprobe 0 -> 1"])
    // Autoprobe already off: the race-free count change does not toggle it.
    let p = try plan("    vfs: {count: 1, autoprobe: false, driver: vfio-pci}\n", observed(count: 0))
    guard case .count(let change) = p.actions[1] else { Issue.record("not a count"); return }
    #expect(!change.writes.contains { $0.path.lastComponent == "sriov_drivers_autoprobe" })
  }

  @Test func orderIsCountsThenBindingsThenSettingsAcrossPFs() throws {
    let second = addr("0000:3b:00.1")
    let other = ObservedApplyPF(
      pf: ObservedPF(address: second, totalVFs: 64, numVFs: 0, driver: "i40e", driversAutoprobe: true, vfs: []),
      netdev: try NetdevName(parsing: "enp59s0f1"), settings: nil, loadedDrivers: ["i40e", "iavf", "vfio-pci"])
    let text = """
      version: 1
      pfs:
        - address: "0000:3b:00.0"
          vfs:
            driver: vfio-pci
            per_vf: [{vf: 0, trust: true}]
        - address: "0000:3b:00.1"
          vfs: {count: 1, autoprobe: false}
      """
    let state = try DesiredState.parse(text, source: "want.yaml")
    let p = try ApplyPlan.make([(state.pfs[0], observed(count: 1)), (state.pfs[1], other)], source: "want.yaml")
    #expect(p.actions.map(\.kind) == ["autoprobe", "vf_count", "driver", "vf_setting"])
  }

  @Test func vfsInUseAreRefusedWithTheFileLineUnlessForced() throws {
    let inUse = observed(count: 2, vfs: [vf(0, "vfio-pci"), vf(1, "iavf")])
    do {
      _ = try plan("    vfs: {count: 3}\n", inUse)
      Issue.record("expected a refusal")
    } catch let error as DesiredStateError {
      #expect(error.line == 3)
      #expect(error.field == "pfs[0].vfs.count")
      #expect(error.problem.contains("refusing to change from 2 to 3 VFs"))
      #expect(error.hint?.contains("--force") == true)
    }
    #expect(try plan("    vfs: {count: 3}\n", inUse, force: true).actions.count == 1)
    let shown = try plan("    vfs: {count: 3}\n", inUse, dryRun: true)
    #expect(shown.actions.count == 1)
    #expect(shown.refusals.count == 1)
  }

  @Test func hostFactsTheFileCannotUse() throws {
    func problem(_ body: String, _ seen: ObservedApplyPF = observed()) -> String? {
      do { _ = try plan(body, seen); return nil } catch { return (error as? DesiredStateError)?.message }
    }
    #expect(problem("    vfs: {driver: vfio-pci}\n", observed(drivers: ["i40e", "iavf"]))
      == "want.yaml:3: field 'pfs[0].vfs.driver': 0000:3b:00.0: cannot bind VFs to vfio-pci: the driver is not loaded (no /sys/bus/pci/drivers/vfio-pci)")
    #expect(problem("    vfs:\n      per_vf: [{vf: 5, trust: true}]\n")
      == "want.yaml:3: field 'pfs[0].vfs.per_vf': 0000:3b:00.0: VF 5 does not exist: the PF has 4 VFs")
    #expect(problem("    vfs: {count: 65}\n")?.contains("the device supports at most 64 (sriov_totalvfs)") == true)
    #expect(problem("    vfs: {autoprobe: false}\n", observed(autoprobe: nil))?.contains("no sriov_drivers_autoprobe") == true)
    // Checks against the VF's current settings: QoS needs a VLAN, a rate alone must fit the other.
    #expect(problem("    vfs:\n      per_vf:\n        - {vf: 0, trust: true}\n        - {vf: 1, qos: 3}\n")
      == "want.yaml:7: field 'pfs[0].vfs.per_vf[1]': 0000:3b:00.0 VF 1: QoS 3 needs a VLAN, and the VF has none")
    var limited = defaults(4)
    limited.vfs[2]?.maxTxRate = 100
    #expect(problem("    vfs:\n      per_vf: [{vf: 2, min_tx_rate: 500}]\n", observed(settings: limited))
      == "want.yaml:5: field 'pfs[0].vfs.per_vf[0]': 0000:3b:00.0 VF 2: min rate 500 Mbps is above max rate 100 Mbps")
  }
}

@Suite("desired-state file errors")
struct DesiredStateErrorTests {
  private func message(_ text: String, source: String = "f.yaml") -> String? {
    do { _ = try DesiredState.parse(text, source: source); return nil } catch let e as DesiredStateError {
      return e.message + (e.hint.map { " | hint: \($0)" } ?? "")
    } catch { return "unexpected \(error)" }
  }

  private static let head = "version: 1\npfs:\n  - address: \"0000:3b:00.0\"\n    vfs:\n"

  @Test(arguments: [
    ("", "f.yaml:1: the file is empty"),
    ("pfs: []\n", "f.yaml:1: field 'version': missing"),
    ("version: 2\npfs: []\n", "f.yaml:1: field 'version': version 2 is not supported"),
    ("version: 1\npfs: {}\n", "f.yaml:2: field 'pfs': expected a list of PF entries, found a mapping"),
    ("version: 1\npfs: []\nextra: 1\n", "f.yaml:3: field 'extra': unknown key 'extra' | hint: expected one of: version, pfs"),
    ("version: 1\npfs:\n  - vfs: {count: 1}\n", "f.yaml:3: field 'pfs[0]': names no PF"),
    ("version: 1\npfs:\n  - {address: \"3b:00.0\", netdev: eth0}\n", "f.yaml:3: field 'pfs[0]': names its PF in 2 ways"),
    ("version: 1\npfs:\n  - {netdev: eth0, index: 1}\n", "f.yaml:3: field 'pfs[0].index': 'index' only goes with 'vendor_device'"),
    ("version: 1\npfs:\n  - address: 3b:00.9\n", "f.yaml:3: field 'pfs[0].address': '3b:00.9' is not a PCI address"),
    ("version: 1\npfs:\n  - vendor_device: 8086\n", "f.yaml:3: field 'pfs[0].vendor_device': expected text, found the number 8086"),
    ("version: 1\npfs:\n  - vendor_device: \"8086-1572\"\n", "f.yaml:3: field 'pfs[0].vendor_device': '8086-1572' is not a vendor:device pair"),
    ("version: 1\npfs:\n  - netdev: \"a/b\"\n", "f.yaml:3: field 'pfs[0].netdev': 'a/b' is not a network interface name"),
    (head + "      count: 010\n", "f.yaml:5: field 'pfs[0].vfs.count': '010' is not a plain whole number | hint: a leading zero is ambiguous (YAML 1.1 reads it as octal): write 10, or quote it if you mean text"),
    (head + "      count: 0x10\n", "f.yaml:5: field 'pfs[0].vfs.count': '0x10' is not a plain whole number | hint: hexadecimal is not accepted here; write the decimal value"),
    (head + "      count: \"4\"\n", "f.yaml:5: field 'pfs[0].vfs.count': expected a whole number, found the text '4' | hint: write the number without quotes"),
    (head + "      count: 1:30\n", "f.yaml:5: field 'pfs[0].vfs.count': expected a whole number, found the text '1:30' | hint: YAML 1.1 reads '1:30' as a base-60 number"),
    (head + "      count: 1.5\n", "f.yaml:5: field 'pfs[0].vfs.count': '1.5' is not a plain whole number"),
    (head + "      count: -1\n", "f.yaml:5: field 'pfs[0].vfs.count': -1 is out of range (from 0 to 65535)"),
    (head + "      autoprobe: yes\n", "f.yaml:5: field 'pfs[0].vfs.autoprobe': 'yes' is not a boolean here (YAML 1.1 would have read it as one) | hint: write true or false"),
    (head + "      autoprobe: on\n", "f.yaml:5: field 'pfs[0].vfs.autoprobe': 'on' is not a boolean here"),
    (head + "      autoprobe: 1\n", "f.yaml:5: field 'pfs[0].vfs.autoprobe': expected true or false, found the number 1"),
    (head + "      driver: vfio/pci\n", "f.yaml:5: field 'pfs[0].vfs.driver': 'vfio/pci' is not a driver name"),
    (head + "      per_vf: {vf: 0}\n", "f.yaml:5: field 'pfs[0].vfs.per_vf': expected a list of entries"),
    (head + "      per_vf:\n        - trust: true\n", "f.yaml:6: field 'pfs[0].vfs.per_vf[0].vf': missing"),
    (head + "      per_vf:\n        - vf: 0\n", "f.yaml:6: field 'pfs[0].vfs.per_vf[0]': sets nothing for VF 0"),
    (head + "      per_vf:\n        - {vf: \"3-1\", trust: true}\n", "f.yaml:6: field 'pfs[0].vfs.per_vf[0].vf': '3-1' is not a VF index or range"),
    (head + "      per_vf:\n        - {vf: 0, vlan_id: 5}\n", "f.yaml:6: field 'pfs[0].vfs.per_vf[0].vlan_id': unknown key 'vlan_id'"),
    (head + "      per_vf:\n        - vf: 0\n          vlan: 4096\n", "f.yaml:7: field 'pfs[0].vfs.per_vf[0].vlan': 4096 is out of range (from 0 to 4095)"),
    (head + "      per_vf:\n        - vf: 0\n          vlan: 010\n", "f.yaml:7: field 'pfs[0].vfs.per_vf[0].vlan': '010' is not a plain whole number | hint: a leading zero is ambiguous"),
    (head + "      per_vf:\n        - {vf: 0, qos: 8}\n", "f.yaml:6: field 'pfs[0].vfs.per_vf[0].qos': 8 is out of range (from 0 to 7)"),
    (head + "      per_vf:\n        - {vf: 0, vlan_proto: 802.1x}\n", "f.yaml:6: field 'pfs[0].vfs.per_vf[0].vlan_proto': '802.1x' is not a VLAN protocol"),
    (head + "      per_vf:\n        - {vf: 0, mac: \"01:00:00:00:00:01\"}\n", "f.yaml:6: field 'pfs[0].vfs.per_vf[0].mac': '01:00:00:00:00:01' is not a unicast MAC address"),
    (head + "      per_vf:\n        - {vf: \"0-1\", mac: \"02:00:00:00:00:01\"}\n", "f.yaml:6: field 'pfs[0].vfs.per_vf[0].mac': one MAC address for 2 VFs (0-1)"),
    (head + "      per_vf:\n        - {vf: 0, link_state: up}\n", "f.yaml:6: field 'pfs[0].vfs.per_vf[0].link_state': 'up' is not a link state | hint: write auto, enable or disable"),
    (head + "      per_vf:\n        - {vf: 0, min_tx_rate: 500, max_tx_rate: 100}\n", "f.yaml:6: field 'pfs[0].vfs.per_vf[0].min_tx_rate': 500 Mbps is above max_tx_rate 100 Mbps"),
    (head + "      per_vf:\n        - {vf: 0, trust: no}\n", "f.yaml:6: field 'pfs[0].vfs.per_vf[0].trust': 'no' is not a boolean here"),
    (head + "      per_vf:\n        - {vf: 0, spoofchk: \"true\"}\n", "f.yaml:6: field 'pfs[0].vfs.per_vf[0].spoofchk': expected true or false, found a string"),
    (head + "      count: 2\n      per_vf:\n        - {vf: 2, trust: true}\n", "f.yaml:7: field 'pfs[0].vfs.per_vf[0].vf': VF 2 does not exist with count 2"),
    (head + "      per_vf:\n        - {vf: \"0-3\", vlan: 5}\n        - {vf: 2, vlan: 6}\n", "f.yaml:7: field 'pfs[0].vfs.per_vf[1].vlan': VF 2 gets 'vlan' here and from the entry at line 6"),
    ("version: 1\npfs:\n  - address: x\n    address: y\n", "f.yaml:4: duplicate key 'address' (first at line 3) (column 5)"),
    ("version: 1\npfs: [\n", "f.yaml:3: the collection opened at line 2, column 6 is not closed before the end of the file"),
  ])
  func errorsNameTheLineAndTheField(text: String, expected: String) {
    let got = message(text)
    #expect(got?.hasPrefix(expected) == true, "got: \(got ?? "no error")")
  }

  @Test func jsonFilesAreAccepted() throws {
    let text = """
      {"version": 1, "pfs": [{"vendor_device": "8086:1572", "index": 1,
        "vfs": {"count": 2, "driver": "vfio-pci", "per_vf": [{"vf": "0-1", "trust": true, "vlan": 7}]}}]}
      """
    let state = try DesiredState.parse(text, source: "f.json")
    let pf = try #require(state.pfs.first)
    #expect(pf.selector == .vendorDevice(vendor: PCIID(0x8086), device: PCIID(0x1572), index: 1))
    #expect(pf.count == 2)
    #expect(pf.driver(forVF: 1)?.name == "vfio-pci")
    #expect(pf.settings(forVF: 1) == VFSettingsRequest(vlan: 7, trust: true))
    // The same text as YAML, and JSON-only strictness for .json files.
    #expect(try DesiredState.parse(text, source: "f.yaml").pfs == state.pfs)
    #expect(message("{\"version\": 1, \"pfs\": [],}", source: "f.json")?.hasPrefix("f.json:1: ") == true)
    #expect(message("{\"version\": 1, \"pfs\": []}", source: "f.json") == nil)
  }
}
