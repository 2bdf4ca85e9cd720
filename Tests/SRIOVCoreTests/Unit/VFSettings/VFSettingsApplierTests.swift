import SRIOVCore
import SystemPackage
import Testing

/// The `set`/`apply` executor against the stateful fake: what lands in the fake's state and request
/// log, and the messages a user sees.
@Suite("VF settings: validate, apply, read back, roll back")
struct VFSettingsApplierTests {
  let target = VFSettingsTarget(pf: PCIAddress(strict: "0000:03:00.0")!, netdev: try! NetdevName(parsing: "eth0"),
                                driver: "igb", vf: 0, numVFs: 2)

  func fake(_ adjust: (inout VFSettings) -> Void = { _ in }) -> FakeVFSettings {
    var pf = FakeVFSettings.defaults(count: 2)
    adjust(&pf.vfs[0]!)
    return FakeVFSettings(["eth0": pf])
  }

  func mac(_ text: String) -> MACAddress { try! MACAddress(parsing: text) }

  @Test func appliesInKernelOrderAndReadsBack() throws {
    let kernel = fake()
    let request = VFSettingsRequest(mac: mac("02:00:00:00:00:10"), vlan: 100, qos: 3, spoofCheck: false, trust: true)
    let outcome = try VFSettingsApplier(control: kernel).run(request, on: target, dryRun: false)
    #expect(kernel.requests.map(\.description) == [
      "eth0 vf 0 mac 02:00:00:00:00:10", "eth0 vf 0 vlan 100 qos 3 proto 802.1Q", "eth0 vf 0 spoofchk off",
      "eth0 vf 0 trust on",
    ])
    let vf = try #require(kernel.settings(pf: "eth0")?.vfs[0])
    #expect(vf.mac == mac("02:00:00:00:00:10") && vf.vlan == 100 && vf.qos == 3 && vf.spoofCheck == false && vf.trust == true)
    #expect(outcome.error == nil && outcome.changed && outcome.after == vf)
    #expect(outcome.text() == """
      0000:03:00.0 vf 0 (eth0): set
        mac 02:00:00:00:00:10
        vlan 100 qos 3 proto 802.1Q
        spoofchk off
        trust on

      """)
    #expect(kernel.settings(pf: "eth0")?.vfs[1] == FakeVFSettings.defaults(count: 2).vfs[1])
  }

  @Test func equalSendsNothing() throws {
    let kernel = fake { $0.vlan = 100; $0.trust = true }
    let outcome = try VFSettingsApplier(control: kernel).run(VFSettingsRequest(vlan: 100, trust: true), on: target, dryRun: false)
    #expect(kernel.requests.isEmpty)
    #expect(!outcome.changed && outcome.planned.isEmpty)
    #expect(outcome.text() == "0000:03:00.0 vf 0 (eth0): already set; nothing to change\n")
  }

  @Test func dryRunSendsNothing() throws {
    let kernel = fake()
    let outcome = try VFSettingsApplier(control: kernel).run(VFSettingsRequest(trust: true, maxTxRate: 500), on: target, dryRun: true)
    #expect(kernel.requests.isEmpty)
    #expect(outcome.planned == [.rate(minMbps: 0, maxMbps: 500), .trust(true)])
    #expect(outcome.text() == "0000:03:00.0 vf 0 (eth0): would set, in order:\n  min-rate 0 max-rate 500\n  trust on\n")
  }

  @Test func oneRateKeepsTheOther() throws {
    let kernel = fake { $0.maxTxRate = 1000 }
    _ = try VFSettingsApplier(control: kernel).run(VFSettingsRequest(minTxRate: 100), on: target, dryRun: false)
    #expect(kernel.requests.map(\.setting) == [.rate(minMbps: 100, maxMbps: 1000)])
  }

  @Test func laterFailureRestoresEarlierSettings() throws {
    let kernel = fake()
    kernel.failures["rate"] = .invalidArgument
    let before = try #require(kernel.settings(pf: "eth0"))
    let request = VFSettingsRequest(mac: mac("02:00:00:00:00:10"), vlan: 200, trust: true, maxTxRate: 100)
    let outcome = try VFSettingsApplier(control: kernel).run(request, on: target, dryRun: false)
    #expect(kernel.requests.map(\.description) == [
      "eth0 vf 0 mac 02:00:00:00:00:10", "eth0 vf 0 vlan 200 qos 0 proto 802.1Q", "eth0 vf 0 min-rate 0 max-rate 100",
      "eth0 vf 0 vlan 0 qos 0 proto 802.1Q", "eth0 vf 0 mac 00:00:00:00:00:00",
    ])
    #expect(kernel.settings(pf: "eth0") == before)
    #expect(outcome.applied.isEmpty && !outcome.changed)
    #expect(outcome.rolledBack.map(\.name) == ["vlan", "mac"])
    let error = try #require(outcome.error)
    #expect(error.message == "0000:03:00.0 vf 0: igb rejected min-rate 0 max-rate 100 (Invalid argument)")
    #expect(error.hint?.hasPrefix("drivers reject rates while the PF link is down") == true)
    #expect(error.hint?.hasSuffix("; nothing was changed: restored vlan, mac") == true)
  }

  @Test func rateRefusedWhileTheLinkIsDown() throws {
    let kernel = fake()
    kernel.failures["rate"] = .invalidArgument
    let down = VFSettingsTarget(pf: target.pf, netdev: target.netdev, driver: "igb", vf: 0, numVFs: 2, pfOperstate: "down")
    let outcome = try VFSettingsApplier(control: kernel).run(VFSettingsRequest(minTxRate: 10), on: down, dryRun: false)
    #expect(outcome.error?.message == "0000:03:00.0 vf 0: igb rejected min-rate 10 max-rate 0 (Invalid argument)")
    #expect(outcome.error?.hint == "the PF link is down (eth0 operstate down): drivers reject rates until it is up; some drivers (igb, i40e) also reject any nonzero min rate; nothing was changed")
  }

  @Test func unsupportedLinkState() throws {
    let kernel = fake()
    kernel.failures["link-state"] = .notSupportedOnSocket
    let outcome = try VFSettingsApplier(control: kernel).run(VFSettingsRequest(linkState: .enable), on: target, dryRun: false)
    #expect(outcome.error?.message == "0000:03:00.0 vf 0: igb does not support link-state on VFs (Operation not supported)")
    #expect(outcome.error?.hint == "leave link-state out; the driver has no handler for it; nothing was changed")
    #expect(outcome.failed.map(\.error) == ["igb does not support link-state on VFs (Operation not supported)"])
  }

  @Test func theKernelsOwnWordsAreKept() {
    let error = VFSettingsErrors.explain(NetlinkKernelError(errno: .invalidArgument, message: "VF rate out of range"),
                                         setting: .rate(minMbps: 0, maxMbps: 99999), target: target)
    #expect(error.message == "0000:03:00.0 vf 0: igb rejected min-rate 0 max-rate 99999 (Invalid argument; kernel: VF rate out of range)")
    let busy = VFSettingsErrors.explain(Errno.resourceBusy, setting: .trust(true), target: target)
    #expect(busy.message == "0000:03:00.0 vf 0: setting trust on failed (Device or resource busy)")
  }

  @Test func permissionAndProtocolErrors() throws {
    let kernel = fake()
    kernel.failOnce["trust"] = .notPermitted
    let denied = try VFSettingsApplier(control: kernel).run(VFSettingsRequest(trust: true), on: target, dryRun: false)
    #expect(denied.error?.message == "0000:03:00.0 vf 0: setting trust on needs CAP_NET_ADMIN (Operation not permitted)")
    #expect(denied.error?.hint?.hasPrefix("run as root (sudo)") == true)

    kernel.failures["vlan"] = .protocolNotSupported
    let qinq = try VFSettingsApplier(control: kernel).run(VFSettingsRequest(vlan: 300, vlanProtocol: .dot1ad), on: target, dryRun: false)
    #expect(qinq.error?.message == "0000:03:00.0 vf 0: igb does not support 802.1ad VLANs on VFs (Protocol not supported)")
  }

  @Test func unknownEarlierValueCannotBeRestored() throws {
    let kernel = fake { $0.spoofCheck = nil }
    kernel.failures["link-state"] = .notSupportedOnSocket
    let outcome = try VFSettingsApplier(control: kernel).run(
      VFSettingsRequest(spoofCheck: false, linkState: .disable), on: target, dryRun: false)
    #expect(outcome.applied == [.spoofCheck(false)] && outcome.changed)
    #expect(outcome.failed.map(\.error).last == "cannot restore spoofchk: its earlier value was not reported")
    #expect(outcome.error?.hint?.hasSuffix("left changed: spoofchk off (could not restore)") == true)
  }

  /// A driver that acknowledges one setting without doing it.
  final class IgnoringControl: VFSettingsControl {
    let kernel: FakeVFSettings
    let ignored: String
    init(_ kernel: FakeVFSettings, ignoring ignored: String) {
      self.kernel = kernel
      self.ignored = ignored
    }
    func read(pf: NetdevName) throws -> PFVFSettings { try kernel.read(pf: pf) }
    func apply(_ setting: VFSetting, vf: Int, pf: NetdevName) throws {
      if setting.name != ignored { try kernel.apply(setting, vf: vf, pf: pf) }
    }
  }

  @Test func readBackThatDisagreesIsAFailureAndRollsBack() throws {
    let kernel = fake()
    let outcome = try VFSettingsApplier(control: IgnoringControl(kernel, ignoring: "trust")).run(
      VFSettingsRequest(vlan: 7, trust: true), on: target, dryRun: false)
    #expect(outcome.error?.message.hasPrefix("0000:03:00.0 vf 0: the kernel accepted trust on but reports mac 00:00:00:00:00:00 vlan 7") == true)
    #expect(kernel.requests.map(\.description) == ["eth0 vf 0 vlan 7 qos 0 proto 802.1Q", "eth0 vf 0 vlan 0 qos 0 proto 802.1Q"])
    #expect(outcome.rolledBack == [.trust(true), .vlan(id: 7, qos: 0, proto: .dot1Q)])  // newest first
    #expect(kernel.settings(pf: "eth0") == FakeVFSettings.defaults(count: 2))
  }

  @Test func restoreThatDoesNotShowIsReported() throws {
    let kernel = fake()
    kernel.failures["trust"] = .invalidArgument
    // The VLAN sticks: its restore is acknowledged and ignored.
    final class StickyVLAN: VFSettingsControl {
      let kernel: FakeVFSettings
      var vlanSet = false
      init(_ kernel: FakeVFSettings) { self.kernel = kernel }
      func read(pf: NetdevName) throws -> PFVFSettings { try kernel.read(pf: pf) }
      func apply(_ setting: VFSetting, vf: Int, pf: NetdevName) throws {
        if case .vlan = setting, vlanSet { return }
        if case .vlan = setting { vlanSet = true }
        try kernel.apply(setting, vf: vf, pf: pf)
      }
    }
    let outcome = try VFSettingsApplier(control: StickyVLAN(kernel)).run(VFSettingsRequest(vlan: 9, trust: true), on: target, dryRun: false)
    #expect(outcome.applied == [.vlan(id: 9, qos: 0, proto: .dot1Q)] && outcome.changed)
    #expect(outcome.rolledBack.isEmpty)
    #expect(outcome.failed.last?.error.hasPrefix("restoring: the kernel accepted vlan 0 qos 0 proto 802.1Q but reports") == true)
  }

  @Test func validationQuotesTheValue() throws {
    let kernel = fake()
    let applier = VFSettingsApplier(control: kernel)
    let cases: [(VFSettingsRequest, String)] = [
      (VFSettingsRequest(vlan: 4096), "0000:03:00.0 vf 0: VLAN 4096 is out of range"),
      (VFSettingsRequest(vlan: 10, qos: 8), "0000:03:00.0 vf 0: QoS 8 is out of range"),
      (VFSettingsRequest(qos: 3), "0000:03:00.0 vf 0: QoS 3 needs a VLAN, and the VF has none"),
      (VFSettingsRequest(vlanProtocol: .dot1ad), "0000:03:00.0 vf 0: VLAN protocol 802.1ad needs a nonzero VLAN, and the VF has none"),
      (VFSettingsRequest(vlan: 0, vlanProtocol: .dot1ad), "0000:03:00.0 vf 0: VLAN protocol 802.1ad needs a nonzero VLAN, but the VLAN given is 0"),
      (VFSettingsRequest(minTxRate: 500, maxTxRate: 100), "0000:03:00.0 vf 0: min rate 500 Mbps is above max rate 100 Mbps"),
      (VFSettingsRequest(maxTxRate: -1), "0000:03:00.0 vf 0: max rate -1 Mbps is out of range"),
      (VFSettingsRequest(mac: MACAddress(bytes: [1, 0, 0x5e, 0, 0, 1])), "0000:03:00.0 vf 0: MAC 01:00:5e:00:00:01 is a multicast address"),
    ]
    for (request, message) in cases {
      #expect(throws: SRIOVError.self) { try applier.run(request, on: target, dryRun: false) }
      do {
        _ = try applier.run(request, on: target, dryRun: false)
      } catch let error as SRIOVError {
        #expect(error.message == message)
        #expect(error.hint != nil)
      }
    }
    #expect(kernel.requests.isEmpty)
    // QoS alone is fine once the VF has a VLAN; a min rate alone must fit the current max.
    let tagged = fake { $0.vlan = 100; $0.maxTxRate = 50 }
    _ = try VFSettingsApplier(control: tagged).run(VFSettingsRequest(qos: 5), on: target, dryRun: false)
    #expect(tagged.requests.map(\.setting) == [.vlan(id: 100, qos: 5, proto: .dot1Q)])
    #expect(throws: SRIOVError.self) { try VFSettingsApplier(control: tagged).run(VFSettingsRequest(minTxRate: 60), on: target, dryRun: false) }
  }

  @Test func missingVFInATruncatedList() throws {
    var pf = FakeVFSettings.defaults(count: 2)
    pf.vfs[1] = nil
    let kernel = FakeVFSettings(["eth0": pf])
    let second = VFSettingsTarget(pf: target.pf, netdev: target.netdev, driver: "igb", vf: 1, numVFs: 2)
    do {
      _ = try VFSettingsApplier(control: kernel).run(VFSettingsRequest(trust: true), on: second, dryRun: false)
      Issue.record("expected an error")
    } catch let error as SRIOVError {
      #expect(error.message == "0000:03:00.0 vf 1: cannot read its settings: the kernel's VF list is truncated (1 of 2 VFs reported)")
    }
  }

  @Test func resultJSON() throws {
    let kernel = fake()
    kernel.failures["trust"] = .invalidArgument
    let outcome = try VFSettingsApplier(control: kernel).run(VFSettingsRequest(vlan: 5, trust: true), on: target, dryRun: false)
    let json = try JSONValue(parsing: outcome.json().rendered())
    #expect(json["schema_version"] == 1)
    let result = try #require(json["result"])
    #expect(result.keys == ["device", "netdev", "vf", "driver", "dry_run", "planned", "applied", "rolled_back", "failed",
                            "changed", "message", "before", "after"])
    #expect(result["planned"] == [.object(["setting": "vlan", "vlan": 5, "qos": 0, "vlan_proto": "802.1Q"]),
                                  .object(["setting": "trust", "trust": true])])
    #expect(result["applied"] == [])
    #expect(result["rolled_back"]?.array?.count == 1)
    #expect(result["failed"] == [.object(["setting": "trust", "trust": true, "error": "igb rejected trust on (Invalid argument)"])])
    #expect(result["changed"] == false)
    #expect(result["after"]?["vlan"] == 0)
    #expect(result["before"]?.keys == ["mac", "vlan", "qos", "vlan_proto", "spoofchk", "trust", "link_state", "min_tx_rate",
                                       "max_tx_rate", "query_rss"])
  }

  @Test func targetResolution() throws {
    let inventory = Inventory(sysfs: RootedHostFiles(root: fixtureRoot("x710-demo")))
    let pf = try VFSettingsTarget.resolve(try DeviceRef(parsing: "enp59s0f0"), vf: 3, inventory: inventory)
    #expect(pf == VFSettingsTarget(pf: PCIAddress(strict: "0000:3b:00.0")!, netdev: try NetdevName(parsing: "enp59s0f0"),
                                   driver: "i40e", vf: 3, numVFs: 4, pfOperstate: "up"))
    let messages: [(String, Int, String)] = [
      ("3b:00.0", 4, "0000:3b:00.0: has no VF 4: VFs are 0 to 3 (sriov_numvfs is 4)"),
      ("3b:00.1", 0, "0000:3b:00.1: has no VF 0: it has no VFs (sriov_numvfs is 0)"),
      ("3b:02.0", 0, "0000:3b:02.0: is a VF; VF settings are set through its PF"),
      ("04:00.0", 0, "0000:04:00.0: is not an SR-IOV physical function (no sriov_totalvfs)"),
    ]
    for (ref, vf, message) in messages {
      do {
        _ = try VFSettingsTarget.resolve(try DeviceRef(parsing: ref), vf: vf, inventory: inventory)
        Issue.record("\(ref) vf \(vf) resolved")
      } catch let error as SRIOVError {
        #expect(error.message == message)
      }
    }
  }
}

@Suite("VF settings: stored dump")
struct VFSettingsDumpTests {
  @Test func roundTrip() throws {
    let dump: [String: PFVFSettings] = [
      "eth0": PFVFSettings(numVFs: 3, vfs: [
        0: VFSettings(mac: try MACAddress(parsing: "02:00:00:00:00:01"), vlan: 100, qos: 3, vlanProtocol: .dot1ad,
                      spoofCheck: false, trust: nil, linkState: .disable, minTxRate: 10, maxTxRate: 100, queryRSS: nil),
        2: VFSettings(),
      ]),
      "eth1": PFVFSettings(numVFs: 0, vfs: [:]),
    ]
    let text = VFSettingsDump.encode(dump)
    #expect(try VFSettingsDump.decode(text, source: "test.json") == dump)
    #expect(text.contains("\"trust\": null"))
  }

  @Test func errorsNameTheLine() throws {
    let text = """
      {"schema_version": 1, "pfs": [{"netdev": "eth0", "num_vfs": 1, "vfs": [
        {"vf": 0, "settings": {"mac": "zz", "vlan": 1}}]}]}
      """
    do {
      _ = try VFSettingsDump.decode(text, source: "dump.json")
      Issue.record("decoded")
    } catch {
      #expect(error.message.hasPrefix("dump.json:2:")
        && error.message.hasSuffix("\"mac\" must be a MAC address, not a string"))
    }
    #expect(throws: SRIOVError.self) { try VFSettingsDump.decode("{\"schema_version\": 2, \"pfs\": []}", source: "x") }
    #expect(throws: SRIOVError.self) { try VFSettingsDump.decode("{\"pfs\": [", source: "x") }
    #expect(throws: SRIOVError.self) {
      try VFSettingsDump.decode("{\"schema_version\": 1, \"pfs\": [{\"netdev\": \"../x\", \"num_vfs\": 0, \"vfs\": []}]}", source: "x")
    }
  }

  @Test func fixtureDumpIsTheGeneratorsOutput() throws {
    let host = try Host(root: fixtureRoot("x710-vf-settings"))
    let source = try #require(try host.vfSettingsSource())
    #expect(source.kind == .capture)
    let pf = try source.control.read(pf: try NetdevName(parsing: "enp59s0f0"))
    #expect(pf.numVFs == 4 && pf.isTruncated && pf.vfs.keys.sorted() == [0, 1, 2])
    #expect(pf.vfs[1]?.trust == nil && pf.vfs[2]?.vlanProtocol == .dot1ad)
    #expect(throws: SRIOVError.self) { try source.control.apply(.trust(true), vf: 0, pf: try NetdevName(parsing: "enp59s0f0")) }
    #expect(try Host(root: fixtureRoot("x710-demo")).vfSettingsSource() == nil)
  }
}

@Suite("VF settings in list/show reports")
struct VFSettingsReportTests {
  struct Unreachable: VFSettingsControl {
    func read(pf: NetdevName) throws -> PFVFSettings { throw Errno.resourceTemporarilyUnavailable }
    func apply(_ setting: VFSetting, vf: Int, pf: NetdevName) throws { throw Errno.resourceTemporarilyUnavailable }
  }

  @Test func aFailedReadKeepsTheSysfsFactsAndSaysWhy() throws {
    let host = try Host(root: fixtureRoot("x710-demo"))
    let report = try ListReport.build(host: host, showVFs: true, allNICs: false,
                                      vfSettings: VFSettingsSource(kind: .netlink, control: Unreachable()))
    let pf = try #require(report.entries.first)
    #expect(pf.vfs.count == 4 && pf.vfs.allSatisfy { $0.settings == nil })
    #expect(pf.vfSettings?.error == "Resource temporarily unavailable")
    #expect(report.text().hasSuffix("note: enp59s0f0: VF settings unavailable: Resource temporarily unavailable\n"))
    let json = try JSONValue(parsing: report.json().rendered())
    #expect(json["pfs"]?.array?.first?["vf_settings"] == .object([
      "source": "netlink", "netdev": "enp59s0f0", "num_vfs": .null, "reported_vfs": .null, "truncated": .null,
      "error": "Resource temporarily unavailable",
    ]))
  }

  @Test func liveShapedSourceFillsEveryVF() throws {
    let host = try Host(root: fixtureRoot("x710-demo"))
    let kernel = FakeVFSettings(["enp59s0f0": FakeVFSettings.defaults(count: 4)])
    let source = VFSettingsSource(kind: .netlink, control: kernel)
    let report = try DeviceReport.build(host: host, device: try DeviceRef(parsing: "enp59s0f0"), vfSettings: source)
    #expect(report.vfs.allSatisfy { $0.settings == FakeVFSettings.defaults(count: 4).vfs[0] })
    #expect(report.vfSettings?.note == nil)
    #expect(report.text().contains("    vf 3  0000:3b:02.3  iavf  enp59s0f0v3  group 9  mac 00:00:00:00:00:00 vlan 0 spoofchk on trust off link auto\n"))
    let vf = try DeviceReport.build(host: host, device: try DeviceRef(parsing: "enp59s0f0v1"), vfSettings: source)
    #expect(vf.settings?.trust == false)
    #expect(kernel.requests.isEmpty)
  }
}
