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

  public func text() -> String {
    // Grouped by subject in order of first appearance, in one pass (a host check of thousands of
    // VFs has thousands of subjects). Subjects, messages and hints name host things: escaped.
    var order: [String] = []
    var bySubject: [String: [Finding]] = [:]
    for f in findings {
      if bySubject[f.subject] == nil { order.append(f.subject) }
      bySubject[f.subject, default: []].append(f)
    }
    let checkWidth: Int = findings.map(\.check.count).max() ?? 0
    var out = ""
    for subject in order {
      out += TerminalText.line(subject)
      for f in bySubject[subject] ?? [] {
        let label = f.severity.label.padding(7)
        out += TerminalText.line("  \(label)  \(f.check.padding(checkWidth))  \(f.message)")
        if f.severity != .pass, let hint = f.hint {
          out += TerminalText.line("  " + String(repeating: " ", count: 7 + 2 + checkWidth + 2) + "hint: \(hint)")
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
