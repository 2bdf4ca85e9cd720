/// What `sriovctl check` prints: every finding, grouped by subject, and the overall verdict.
public struct CheckReport: Sendable {
  public let findings: [Finding]

  public init(findings: [Finding]) { self.findings = findings }

  /// Runs every check over facts gathered once.
  public static func run(_ facts: CheckFacts) -> CheckReport {
    var findings = HostChecks.all(facts.host)
    for d in facts.devices { findings += DeviceChecks.all(d, host: facts.host) }
    return CheckReport(findings: findings)
  }

  public static func build(host: Host, devices: [DeviceRef]) throws -> CheckReport {
    let facts = try CheckFacts.gather(host: host, devices: devices)
    let report = run(facts)
    // devlink eSwitch (legacy-only / representors), when this root has devlink answers.
    let eswitch = EswitchChecks.findings(facts.devices.map(\.device), source: try host.devlinkSource())
    // Who else configures SR-IOV on the PFs checked (owners.*, docs/owners.md).
    let pfs: [PCIAddress] = facts.devices.filter { $0.device.sriov != nil }.map(\.device.address)
    let reading = host.readingSysfs
    let owners = OwnersReport.build(sysfs: reading, pfs: try OwnersReport.gatherPFs(pfs, sysfs: reading), modes: host.fileModes)
    return CheckReport(findings: report.findings + eswitch + OwnersChecks.all(owners))
  }

  /// No FAIL (and with `strict`, no WARN or UNKNOWN either).
  public func ok(strict: Bool) -> Bool {
    findings.allSatisfy { f in
      switch f.severity {
      case .pass: true
      case .fail: false
      case .warn, .unknown: !strict
      }
    }
  }

  public func count(_ severity: Severity) -> Int { findings.filter { $0.severity == severity }.count }
}

extension String {
  func padding(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
