import Foundation
import SRIOVCore
import SystemPackage
import Testing

private func addr(_ text: String) -> PCIAddress { PCIAddress(strict: text)! }
private func autoprobePath(_ pf: String) -> HostPath { SysfsLayout.attribute(.sriovDriversAutoprobe, of: addr(pf)) }
private func overridePath(_ device: String) -> HostPath { SysfsLayout.attribute(.driverOverride, of: addr(device)) }

/// A fake kernel over a private copy of `scenario` plus fake VF settings for the X710's first PF.
private func withHost<T>(_ scenario: String, _ body: (FakeKernel, FakeVFSettings, Apply) throws -> T) throws -> T {
  let kernel = try FakeKernel(copying: scenario)
  defer { kernel.remove() }
  let settings = FakeVFSettings(["enp59s0f0": FakeVFSettings.defaults(count: 4)])
  let apply = Apply(sysfs: kernel, settingsControl: settings, clock: FakeClock(), timeout: 5)
  return try body(kernel, settings, apply)
}

private func state(_ text: String) throws -> DesiredState { try DesiredState.parse(text, source: "want.yaml") }

/// The X710 demo: PF1 autoprobe off, VF 1 on vfio-pci, VF 0 with a MAC and a VLAN.
private let x710Text = """
  version: 1
  pfs:
    - vendor_device: "8086:1572"
      index: 1
      vfs:
        autoprobe: false
    - netdev: enp59s0f0
      vfs:
        count: 4
        per_vf:
          - vf: 1
            driver: vfio-pci
          - vf: 0
            mac: "02:00:00:00:00:10"
            vlan: 10
  """

@Suite("apply executor (fake kernel)")
struct ApplyExecutorTests {
  @Test func createsVFsBoundToVFIOThenReappliesAsNoOp() throws {
    try withHost("nvme-sriov") { kernel, _, apply in
      let want = try state("version: 1\npfs:\n  - vendor_device: \"144d:a824\"\n    vfs: {count: 4, driver: vfio-pci}\n")
      let outcome = try apply.run(want)
      #expect(outcome.error == nil, "\(outcome.text())")
      #expect(outcome.steps.map(\.status) == [.applied])
      #expect(outcome.changed)
      #expect(kernel.virtfns(of: "0000:01:00.0") == ["0000:01:00.1", "0000:01:00.2", "0000:01:00.3", "0000:01:00.4"])
      for vf in kernel.virtfns(of: "0000:01:00.0") { #expect(kernel.driver(of: vf) == "vfio-pci") }
      let writes = kernel.log.count
      let again = try apply.run(want)
      #expect(again.steps.isEmpty)
      #expect(!again.changed)
      #expect(again.text() == "want.yaml: nothing to do: the host matches want.yaml\n")
      #expect(kernel.log.count == writes)
    }
  }

  @Test func appliesAutoprobeDriversAndSettingsThenNothingTheSecondTime() throws {
    try withHost("x710-demo") { kernel, settings, apply in
      try kernel.loadDriver("vfio-pci")
      let want = try state(x710Text)
      let outcome = try apply.run(want)
      #expect(outcome.error == nil, "\(outcome.text())")
      #expect(outcome.text() == """
        applied 0000:3b:00.1: sriov_drivers_autoprobe 1 -> 0
        applied 0000:3b:00.0 VF 1 (0000:3b:02.1): driver iavf -> vfio-pci
        applied 0000:3b:00.0 VF 0 (enp59s0f0): mac 00:00:00:00:00:00 -> mac 02:00:00:00:00:10
        applied 0000:3b:00.0 VF 0 (enp59s0f0): vlan 0 qos 0 proto 802.1Q -> vlan 10 qos 0 proto 802.1Q
        want.yaml: applied 4 change(s)

        """)
      #expect(kernel.value(autoprobePath("0000:3b:00.1")) == "0")
      #expect(kernel.driver(of: "0000:3b:02.1") == "vfio-pci")
      #expect(settings.settings(pf: "enp59s0f0")?.vfs[0]?.vlan == 10)
      #expect(settings.requests.map(\.description) == ["enp59s0f0 vf 0 mac 02:00:00:00:00:10", "enp59s0f0 vf 0 vlan 10 qos 0 proto 802.1Q"])
      // Idempotent: the second plan is empty and nothing is written or sent.
      let writes = kernel.log.count
      #expect(try apply.plan(want, options: .init()).isEmpty)
      let again = try apply.run(want)
      #expect(again.steps.isEmpty && !again.changed)
      #expect(kernel.log.count == writes)
      #expect(settings.requests.count == 2)
    }
  }

  @Test func aFailureMidwayStopsAndRollsBackWhatItCan() throws {
    try withHost("x710-demo") { kernel, settings, apply in
      try kernel.loadDriver("vfio-pci")
      settings.failures["trust"] = .notSupported
      let want = try state(x710Text + "\n        - {vf: 2, trust: true}\n        - {vf: 3, spoofchk: false}\n")
      let outcome = try apply.run(want)
      let error = try #require(outcome.error)
      #expect(error.message == "0000:3b:00.0 vf 2: i40e does not support trust on VFs (Operation not supported)", "\(error.message)")
      #expect(outcome.steps.map(\.status) == [.rolledBack, .rolledBack, .rolledBack, .rolledBack, .failed, .skipped])
      #expect(outcome.summary == "stopped: 4 rolled back, 1 failed, 1 skipped")
      #expect(!outcome.changed)
      // The host is back where it was.
      #expect(kernel.value(autoprobePath("0000:3b:00.1")) == "1")
      #expect(kernel.driver(of: "0000:3b:02.1") == "iavf")
      #expect(kernel.value(overridePath("0000:3b:02.1")) == "(null)")
      #expect(settings.settings(pf: "enp59s0f0") == FakeVFSettings.defaults(count: 4))
      #expect(settings.requests.map(\.description) == [
        "enp59s0f0 vf 0 mac 02:00:00:00:00:10", "enp59s0f0 vf 0 vlan 10 qos 0 proto 802.1Q", "enp59s0f0 vf 2 trust on",
        "enp59s0f0 vf 0 vlan 0 qos 0 proto 802.1Q", "enp59s0f0 vf 0 mac 00:00:00:00:00:00",
      ])
      let json = try JSONValue(parsing: outcome.json().rendered())
      let result = try #require(json["result"])
      #expect(result["rolled_back"]?.array?.count == 4)
      #expect(result["failed"]?.array?.first?["error"]?.string?.contains("does not support trust") == true)
      #expect(result["skipped"]?.array?.first?["description"] == "0000:3b:00.0 VF 3 (enp59s0f0): spoofchk on -> spoofchk off")
      #expect(result["changed"] == false)
    }
  }

  @Test func aCountChangeIsNotRolledBackAndSaysSo() throws {
    try withHost("nvme-sriov") { kernel, _, apply in
      // VFs are created, then binding VF 1 to a driver without a directory fails at probe time.
      let want = try state("""
        version: 1
        pfs:
          - address: "0000:01:00.0"
            vfs:
              count: 3
              autoprobe: true
              per_vf:
                - {vf: 1, driver: vfio-pci}
        """)
      kernel.vfDriver = nil
      let plan = try apply.plan(want, options: .init())
      #expect(plan.actions.map(\.description) == [
        "0000:01:00.0: sriov_drivers_autoprobe 0 -> 1",
        "0000:01:00.0: VFs 2 -> 3 (irreversible: destroys 2 VF(s): 0000:01:00.1 0000:01:00.2)",
        "0000:01:00.0 VF 1 (new): driver none -> vfio-pci",
      ])
      // The probe of VF 1 fails (as when vfio-pci refuses a device).
      let failing = FailingWrites(base: kernel, attribute: "drivers_probe", errno: .invalidArgument)
      let outcome = try Apply(sysfs: failing, settingsControl: nil, clock: FakeClock(), timeout: 5).run(want, force: true)
      #expect(outcome.error?.message.hasPrefix("0000:01:00.2: writing drivers_probe=0000:01:00.2 failed: Invalid argument") == true,
        "\(outcome.error?.message ?? "")")
      #expect(outcome.steps.map(\.status) == [.rolledBack, .applied, .failed])
      #expect(outcome.steps[1].note == "irreversible: the destroyed VFs are gone")
      #expect(kernel.virtfns(of: "0000:01:00.0").count == 3)
      #expect(kernel.value(autoprobePath("0000:01:00.0")) == "0")
    }
  }

  @Test func dryRunWritesNothingAndSendsNothing() throws {
    try withHost("x710-demo") { kernel, settings, apply in
      try kernel.loadDriver("vfio-pci")
      let want = try state(x710Text.replacingOccurrences(of: "count: 4", with: "count: 2"))
      let outcome = try apply.run(want, dryRun: true)
      #expect(kernel.log.isEmpty)
      #expect(settings.requests.isEmpty)
      #expect(outcome.changed)
      #expect(outcome.text().contains("this destroys 4 VF(s), which cannot be undone: 0000:3b:02.0 0000:3b:02.1 0000:3b:02.2 0000:3b:02.3"))
      #expect(outcome.steps.allSatisfy { $0.status == .planned })
    }
  }

  @Test func selectorsResolveByEveryKind() throws {
    let apply = Apply(sysfs: RootedHostFiles(root: fixtureRoot("x710-demo")), settingsControl: nil)
    func resolved(_ selector: String) throws -> String {
      let want = try state("version: 1\npfs:\n  - \(selector)\n")
      return try apply.resolve(want).map { $0.1.description }.joined(separator: " ")
    }
    func problem(_ text: String) -> String? {
      do { _ = try apply.resolve(try state(text)); return nil } catch { return (error as? DesiredStateError)?.message }
    }
    #expect(try resolved("address: \"3b:00.1\"") == "0000:3b:00.1")
    #expect(try resolved("netdev: enp59s0f1") == "0000:3b:00.1")
    #expect(try resolved("{vendor_device: \"8086:1572\", index: 0}") == "0000:3b:00.0")
    #expect(try resolved("{vendor_device: \"8086:1572\", index: 1}") == "0000:3b:00.1")
    #expect(problem("version: 1\npfs:\n  - vendor_device: \"8086:1572\"\n")
      == "want.yaml:3: field 'pfs[0].vendor_device': 8086:1572 matches 2 PFs (0000:3b:00.0, 0000:3b:00.1)")
    #expect(problem("version: 1\npfs:\n  - {vendor_device: \"8086:1572\", index: 2}\n")
      == "want.yaml:3: field 'pfs[0].index': index 2, but only 2 PF(s) match 8086:1572 (0000:3b:00.0, 0000:3b:00.1)")
    #expect(problem("version: 1\npfs:\n  - vendor_device: \"15b3:1017\"\n")
      == "want.yaml:3: field 'pfs[0].vendor_device': no SR-IOV PF with vendor:device 15b3:1017 on this host")
    #expect(problem("version: 1\npfs:\n  - address: \"0000:99:00.0\"\n")
      == "want.yaml:3: field 'pfs[0].address': no PCI device 0000:99:00.0 on this host")
    #expect(problem("version: 1\npfs:\n  - address: \"0000:04:00.0\"\n")
      == "want.yaml:3: field 'pfs[0].address': 0000:04:00.0 is not an SR-IOV PF (no sriov_totalvfs)")
    #expect(problem("version: 1\npfs:\n  - netdev: nope0\n")?.hasPrefix("want.yaml:3: field 'pfs[0].netdev': no such network interface") == true)
    #expect(problem("version: 1\npfs:\n  - netdev: enp59s0f0\n  - address: \"3b:00.0\"\n")
      == "want.yaml:4: field 'pfs[1]': names 0000:3b:00.0, which pfs[0] (line 3) already names")
  }

  @Test func settingsWithoutNetlinkAreRefusedWithAHint() throws {
    let apply = Apply(sysfs: RootedHostFiles(root: fixtureRoot("x710-demo")), settingsControl: nil)
    let want = try state("version: 1\npfs:\n  - netdev: enp59s0f0\n    vfs:\n      per_vf: [{vf: 0, trust: true}]\n")
    let error = #expect(throws: DesiredStateError.self) { _ = try apply.run(want, dryRun: true) }
    #expect(error?.message == "want.yaml:5: field 'pfs[0].vfs.per_vf[0]': VF settings need rtnetlink, and this host root has none (a fixture, or a capture without a stored dump)")
  }
}

/// A `HostFiles` whose writes to one attribute fail with `errno` (an injected kernel refusal).
private struct FailingWrites: HostFiles {
  let base: FakeKernel
  let attribute: String
  let errno: Errno

  func read(_ path: HostPath, limit: Int) throws(SysfsError) -> String { try base.read(path, limit: limit) }
  func lockFile(_ path: HostPath) throws(SysfsError) -> Int32 { try base.lockFile(path) }
  func vouch(_ path: HostPath, as libraryPath: String, limit: Int?) throws(SysfsError) { try base.vouch(path, as: libraryPath, limit: limit) }
  func readLinkIfPresent(_ path: HostPath) throws(SysfsError) -> HostPath? { try base.readLinkIfPresent(path) }
  func list(_ path: HostPath) throws(SysfsError) -> [String] { try base.list(path) }
  func exists(_ path: HostPath) -> Bool { base.exists(path) }
  func absolute(_ path: HostPath) -> String { base.absolute(path) }
  func write(_ value: String, to path: HostPath) throws(SysfsError) {
    if path.lastComponent == attribute { throw SysfsError(.write(value), path: base.absolute(path), cause: .errno(errno)) }
    try base.write(value, to: path)
  }
}
