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
    // Who else configures SR-IOV on the PFs checked (owners.*, docs/owners.md).
    let pfs: [PCIAddress] = facts.devices.filter { $0.device.sriov != nil }.map(\.device.address)
    let owners = OwnersReport.build(sysfs: host.sysfs, pfs: try OwnersReport.gatherPFs(pfs, sysfs: host.sysfs))
    return CheckReport(findings: run(facts).findings + OwnersChecks.all(owners))
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

  public func text() -> String {
    var subjects: [String] = []
    for f in findings where !subjects.contains(f.subject) { subjects.append(f.subject) }
    let checkWidth: Int = findings.map(\.check.count).max() ?? 0
    var out = ""
    for subject in subjects {
      out += subject + "\n"
      for f in findings where f.subject == subject {
        let label = f.severity.label.padding(7)
        out += "  \(label)  \(f.check.padding(checkWidth))  \(f.message)\n"
        if f.severity != .pass, let hint = f.hint {
          out += "  " + String(repeating: " ", count: 7 + 2 + checkWidth + 2) + "hint: \(hint)\n"
        }
      }
    }
    let counts: [String] = Severity.allCases.map { "\(count($0)) \($0.rawValue)" }
    out += counts.joined(separator: ", ") + "\n"
    return out
  }

  public func json(strict: Bool) -> JSON {
    .document([
      ("ok", .bool(ok(strict: strict))),
      ("findings", .array(findings.map { f in
        .object([
          ("check", .string(f.check)), ("subject", .string(f.subject)), ("severity", .string(f.severity.rawValue)),
          ("message", .string(f.message)), ("hint", .optional(f.hint)),
        ])
      })),
    ])
  }
}

extension String {
  func padding(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
