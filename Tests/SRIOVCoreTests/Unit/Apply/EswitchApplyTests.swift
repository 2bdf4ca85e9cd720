import Foundation
import SRIOVCore
import SystemPackage
import Testing

private func addr(_ text: String) -> PCIAddress { PCIAddress(strict: text)! }
private let pfAddress = addr("0000:5e:00.0")

private func vf(_ i: Int, _ driver: String?, up: [String] = []) -> ObservedVF {
  ObservedVF(index: i, address: PCIAddress(bus: 0x5e, device: 0, function: UInt8(2 + i)), driver: driver, driverOverride: nil, upNetdevs: up)
}

private func observed(driver: String, count: Int, vfDriver: String? = nil, mode: EswitchMode, vfs: [ObservedVF]? = nil) -> ObservedApplyPF {
  let pf = ObservedPF(address: pfAddress, totalVFs: 8, numVFs: count, driver: driver, driversAutoprobe: true,
    vfs: vfs ?? (0..<count).map { vf($0, vfDriver) })
  var seen = ObservedApplyPF(pf: pf, netdev: nil, settings: nil, loadedDrivers: [driver])
  seen.eswitch = EswitchSettings(mode: mode)
  return seen
}

private func plan(_ body: String, _ seen: ObservedApplyPF, force: Bool = false, dryRun: Bool = false) throws -> ApplyPlan {
  let text = "version: 1\npfs:\n  - address: \"0000:5e:00.0\"\n" + body
  let desired = try DesiredState.parse(text, source: "want.yaml").pfs[0]
  return try ApplyPlan.make([(desired, seen)], source: "want.yaml", options: .init(force: force, dryRun: dryRun))
}

private func kinds(_ p: ApplyPlan) -> [String] {
  p.actions.map { action in
    switch action {
    case .count(let c): "count \(c.from)->\(c.to)"
    case .eswitch(_, _, let from, let to): "eswitch \(from.mode?.rawValue ?? "?")->\(to.mode.rawValue)"
    default: action.kind
    }
  }
}

@Suite("apply: eswitch in desired state")
struct EswitchApplyPlanTests {
  @Test func parsesAndValidates() throws {
    let text = "version: 1\npfs:\n  - address: \"0000:5e:00.0\"\n    eswitch: {mode: switchdev, inline_mode: transport, encap_mode: basic}\n"
    #expect(try DesiredState.parse(text, source: "w.yaml").pfs[0].eswitch == EswitchTarget(mode: .switchdev, inlineMode: .transport, encapMode: .basic))
    let cases: [(String, String)] = [
      ("eswitch: {mode: offloads}", "w.yaml:4: field 'pfs[0].eswitch.mode': 'offloads' is not an eSwitch mode (expected legacy, switchdev or switchdev_inactive)"),
      ("eswitch: {inline_mode: none}", "w.yaml:4: field 'pfs[0].eswitch.mode': missing"),
      ("eswitch: {mode: legacy, speed: 1}", "w.yaml:4: field 'pfs[0].eswitch.speed': "),
    ]
    for (line, message) in cases {
      #expect {
        try DesiredState.parse("version: 1\npfs:\n  - address: \"0000:5e:00.0\"\n    \(line)\n", source: "w.yaml")
      } throws: { error in
        (error as? DesiredStateError)?.message.hasPrefix(message) == true
      }
    }
  }

  @Test func mlx5ChangesTheCountInLegacyThenTheMode() throws {
    let up = try plan("    eswitch: {mode: switchdev}\n    vfs: {count: 4}\n", observed(driver: "mlx5_core", count: 0, mode: .legacy))
    #expect(kinds(up) == ["count 0->4", "eswitch legacy->switchdev"])
    #expect(up.actions[1].description == "0000:5e:00.0: eSwitch legacy -> switchdev (mlx5_core order unbind-rebind: VFs unbound from their driver around the mode change, then rebound)")
    // Already in switchdev with a count change: back to legacy for the count, as the operator does.
    let resize = try plan("    eswitch: {mode: switchdev}\n    vfs: {count: 4}\n", observed(driver: "mlx5_core", count: 2, vfDriver: "mlx5_core", mode: .switchdev))
    #expect(kinds(resize) == ["eswitch switchdev->legacy", "count 2->4", "eswitch legacy->switchdev"])
    let down = try plan("    eswitch: {mode: legacy}\n    vfs: {count: 0}\n", observed(driver: "mlx5_core", count: 2, vfDriver: "mlx5_core", mode: .switchdev))
    #expect(kinds(down) == ["eswitch switchdev->legacy", "count 2->0"])
  }

  @Test func iceChangesTheModeWithoutVFs() throws {
    let resize = try plan("    eswitch: {mode: switchdev}\n    vfs: {count: 4}\n", observed(driver: "ice", count: 2, vfDriver: "iavf", mode: .legacy))
    #expect(kinds(resize) == ["count 2->0", "eswitch legacy->switchdev", "count 0->4"])
    let create = try plan("    eswitch: {mode: switchdev}\n    vfs: {count: 4}\n", observed(driver: "ice", count: 0, mode: .legacy))
    #expect(kinds(create) == ["eswitch legacy->switchdev", "count 0->4"])
    let remove = try plan("    eswitch: {mode: legacy}\n    vfs: {count: 0}\n", observed(driver: "ice", count: 2, vfDriver: "iavf", mode: .switchdev))
    #expect(kinds(remove) == ["count 2->0", "eswitch switchdev->legacy"])
  }

  @Test func equalStateIsANoOpAndAModeAloneIsOneAction() throws {
    #expect(try plan("    eswitch: {mode: switchdev}\n    vfs: {count: 2}\n", observed(driver: "mlx5_core", count: 2, vfDriver: "mlx5_core", mode: .switchdev)).isEmpty)
    let alone = try plan("    eswitch: {mode: switchdev}\n", observed(driver: "ice", count: 2, vfDriver: "iavf", mode: .legacy))
    #expect(kinds(alone) == ["eswitch legacy->switchdev"])
  }

  @Test func vfsInUseAreRefusedAndTheDryRunShowsIt() throws {
    let busy = observed(driver: "mlx5_core", count: 2, mode: .legacy, vfs: [vf(0, "mlx5_core"), vf(1, "vfio-pci")])
    #expect(throws: DesiredStateError.self) { try plan("    eswitch: {mode: switchdev}\n", busy) }
    let shown = try plan("    eswitch: {mode: switchdev}\n", busy, dryRun: true)
    #expect(kinds(shown) == ["eswitch legacy->switchdev"] && shown.refusals.count == 1)
    #expect(try plan("    eswitch: {mode: switchdev}\n", busy, force: true).refusals.isEmpty)
  }
}

@Suite("apply: eswitch over the fake kernel")
struct EswitchApplyExecutorTests {
  @Test func applyThenApplyAgain() throws {
    let kernel = try FakeKernel(copying: "connectx5")
    defer { kernel.remove() }
    kernel.vfDriver = "mlx5_core"
    let pf0 = DevlinkHandle(pci: pfAddress)
    let pf1 = DevlinkHandle(pci: addr("0000:5e:00.1"))
    let devlink = FakeDevlink(sysfs: kernel, [pf0: .supported(EswitchSettings(mode: .legacy)), pf1: .unsupported("no devlink instance")])
    devlink.rules[pf0] = .busyWhileVFsBound
    var apply = Apply(sysfs: kernel, settingsControl: nil, clock: FakeClock(), timeout: 5)
    apply.devlink = devlink
    let state = try DesiredState.parse("version: 1\npfs:\n  - netdev: enp94s0f0np0\n    eswitch: {mode: switchdev}\n    vfs: {count: 3}\n", source: "want.yaml")

    let dry = try apply.run(state, dryRun: true)
    #expect(dry.steps.map(\.action.kind) == ["vf_count", "eswitch"])
    #expect(kernel.log.isEmpty && devlink.requests.isEmpty)

    let outcome = try apply.run(state)
    #expect(outcome.error == nil, "\(String(describing: outcome.error))")
    #expect(devlink.mode(pf0) == .switchdev && kernel.virtfns(of: "0000:5e:00.0").count == 3)
    #expect(try devlink.ports().representors(of: pf0).count == 3)
    #expect(kernel.virtfns(of: "0000:5e:00.0").allSatisfy { kernel.driver(of: $0) == "mlx5_core" })

    let writes = kernel.log.count
    let again = try apply.run(state)
    #expect(again.steps.isEmpty && kernel.log.count == writes && devlink.requests.count == 1)

    // PF1 has no devlink eSwitch: the entry is refused, naming the field.
    let pf1State = try DesiredState.parse("version: 1\npfs:\n  - address: \"0000:5e:00.1\"\n    eswitch: {mode: switchdev}\n", source: "want.yaml")
    #expect {
      try apply.run(pf1State, dryRun: true)
    } throws: { error in
      (error as? DesiredStateError)?.message == "want.yaml:3: field 'pfs[0].eswitch': 0000:5e:00.1: cannot set the eSwitch to switchdev: mlx5_core has no switchdev mode (no devlink instance)"
    }
  }

  @Test func withoutDevlinkTheFileIsRefused() throws {
    let apply = Apply(sysfs: RootedHostFiles(root: fixtureRoot("connectx5")), settingsControl: nil)
    let state = try DesiredState.parse("version: 1\npfs:\n  - address: \"0000:5e:00.0\"\n    eswitch: {mode: switchdev}\n", source: "want.yaml")
    #expect {
      try apply.run(state, dryRun: true)
    } throws: { error in
      (error as? DesiredStateError)?.message.contains("the eSwitch needs devlink, and this host root has none") == true
    }
  }
}

@Suite("apply: eswitch through the CLI")
struct EswitchApplyCLITests {
  @Test func dryRunOnACaptureWithDevlinkAnswers() throws {
    try withTempCopy(of: "connectx5") { root in
      let pf1 = DevlinkHandle(pci: addr("0000:5e:00.1"))
      try FileManager.default.createDirectory(atPath: root + "/sriovctl", withIntermediateDirectories: true)
      try DevlinkDump(eswitches: [pf1: .supported(EswitchSettings(mode: .legacy))], ports: [])
        .encode().write(toFile: root + "/sriovctl/devlink.json", atomically: false, encoding: .utf8)
      let file = root + "/cx5.yaml"
      try "version: 1\npfs:\n  - address: \"0000:5e:00.1\"\n    eswitch: {mode: switchdev}\n    vfs: {count: 4}\n"
        .write(toFile: file, atomically: false, encoding: .utf8)
      let r = try runCLI(["--root", root, "apply", "-f", file, "--dry-run"])
      #expect(r.status == 0, "\(r.stderr)")
      #expect(r.stdout == """
        \(file): 2 change(s) planned; would do, in order:
          0000:5e:00.1: VFs 0 -> 4
          0000:5e:00.1: eSwitch legacy -> switchdev (mlx5_core order unbind-rebind: VFs unbound from their driver around the mode change, then rebound)

        """)
      let json = try JSONValue(parsing: try runCLI(["--root", root, "apply", "-f", file, "--dry-run", "--json"]).stdout)
      let last = json["result"]?["planned"]?.array?.last
      #expect(last?["kind"] == "eswitch" && last?["from"] == "legacy" && last?["to"] == "switchdev")
    }
  }
}
