import Foundation
import Testing

/// One decoded finding.
private struct F: Equatable, CustomStringConvertible {
  let check: String, subject: String, severity: String, message: String, hint: String?
  var description: String { "\(severity) \(check) \(subject): \(message) [hint: \(hint ?? "nil")]" }
}

/// Runs `check --json` on a fixture; decodes the whole document and checks its shape.
private func check(_ scenario: String, _ extra: [String] = [], root: String? = nil) throws -> (ok: Bool, findings: [F], status: Int32) {
  let r = try runCLI(["check", "--root", root ?? fixtureRoot(scenario), "--json"] + extra)
  #expect(r.stderr.isEmpty, "stderr: \(r.stderr)")
  let doc = try JSONValue(parsing: r.stdout)
  #expect(doc.keys == ["schema_version", "ok", "findings"])
  #expect(doc["schema_version"] == 1)
  guard case .bool(let ok)? = doc["ok"], let items = doc["findings"]?.array else {
    Issue.record("bad document: \(doc)")
    return (false, [], r.status)
  }
  let findings: [F] = items.map { item in
    #expect(item.keys == ["check", "subject", "severity", "message", "hint"], "keys of \(item)")
    let hint: String? = item["hint"] == .null ? nil : item["hint"]?.string
    let f = F(check: item["check"]?.string ?? "", subject: item["subject"]?.string ?? "",
      severity: item["severity"]?.string ?? "", message: item["message"]?.string ?? "", hint: hint)
    #expect(["pass", "warn", "fail", "unknown"].contains(f.severity), "\(f)")
    #expect(!f.message.isEmpty)
    if f.severity != "pass" { #expect(f.hint != nil, "a \(f.severity) finding without a hint: \(f)") }
    return f
  }
  // ok and the exit status agree with the severities.
  let strict = extra.contains("--strict")
  let bad = findings.contains { $0.severity == "fail" || (strict && ($0.severity == "warn" || $0.severity == "unknown")) }
  #expect(ok == !bad)
  #expect(r.status == (bad ? 1 : 0))
  return (ok, findings, r.status)
}

private func only(_ findings: [F], _ check: String, _ subject: String) throws -> F {
  let matching = findings.filter { $0.check == check && $0.subject == subject }
  try #require(matching.count == 1, "\(check) for \(subject): \(matching)")
  return matching[0]
}

@Suite("check CLI")
struct CheckCLITests {
  @Test func healthyHostPassesEveryDeviceCheck() throws {
    let r = try check("x710-demo")
    #expect(r.ok && r.status == 0)
    #expect(Set(r.findings.map(\.subject)) == ["host", "0000:3b:00.0", "0000:3b:00.1"])
    for f in r.findings where f.subject != "host" { #expect(f.severity == "pass", "\(f)") }
    #expect(try only(r.findings, "iommu.kernel", "host").severity == "pass")
    #expect(try only(r.findings, "iommu.firmware", "host").message.contains("DMAR"))
    #expect(try only(r.findings, "isolation.acs_path", "0000:3b:00.0").message == "ACS isolates every hop: 0000:3a:00.0")
    #expect(try only(r.findings, "iommu.group", "0000:3b:00.0").message == "alone in IOMMU group 4, as the ACS path predicts")
    // cpuinfo is not in this capture: unknown, so --strict fails
    #expect(try only(r.findings, "cpu.virtualization", "host").severity == "unknown")
    #expect(try check("x710-demo", ["--strict"]).status == 1)
  }

  @Test func textGroupsBySubjectWithHints() throws {
    let r = try runCLI(["check", "--root", fixtureRoot("no-iommu")])
    #expect(r.status == 1)
    let lines = r.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first == "host")
    #expect(lines.contains("0000:01:00.0"))
    let kernel = try #require(lines.firstIndex { $0.contains("FAIL") && $0.contains("iommu.kernel") })
    #expect(lines[kernel + 1].trimmingCharacters(in: .whitespaces)
      == "hint: remove intel_iommu=off from the kernel command line and add intel_iommu=on, then reboot")
    #expect(lines.last == "7 pass, 2 warn, 3 fail, 1 unknown")  // + owners.conflict
  }

  @Test func noIOMMUFailsWithTheKernelParameterHint() throws {
    let r = try check("no-iommu")
    #expect(!r.ok && r.status == 1)
    let kernel = try only(r.findings, "iommu.kernel", "host")
    #expect(kernel.severity == "fail")
    #expect(kernel.message == "kernel IOMMU not active: no IOMMU units in /sys/class/iommu")
    #expect(kernel.hint?.contains("intel_iommu=on") == true)
    let cmdline = try only(r.findings, "kernel.cmdline", "host")
    #expect(cmdline.severity == "fail" && cmdline.message == "intel_iommu=off disables the IOMMU")
    #expect(try only(r.findings, "iommu.group", "0000:01:00.0").severity == "fail")
    let path = try only(r.findings, "isolation.acs_path", "0000:01:00.0")
    #expect(path.severity == "warn")
    #expect(path.hint == "the kernel enables ACS only with an active IOMMU: enable the IOMMU first")
  }

  @Test func missingIOMMUDirectoriesMeanNone() throws {
    try withTempCopy(of: "no-iommu") { root in
      try? FileManager.default.removeItem(atPath: root + "/sys/class/iommu")
      try? FileManager.default.removeItem(atPath: root + "/sys/kernel/iommu_groups")
      let r = try check("no-iommu", root: root)
      #expect(try only(r.findings, "iommu.kernel", "host").severity == "fail")
      #expect(!r.findings.contains { $0.check == "iommu.mode" })
    }
  }

  @Test func switchWithoutACSNamesTheHopAndTheGroup() throws {
    let r = try check("switch-no-acs")
    let path = try only(r.findings, "isolation.acs_path", "0000:03:00.0")
    #expect(path.severity == "warn")
    #expect(path.message == "isolation breaks at 0000:02:08.0 (downstream port): no ACS capability; IOMMU group 3 holds 0000:02:08.0, 0000:03:00.0, 0000:03:10.0, 0000:03:10.2")
    #expect(path.hint?.contains("pcie_acs_override") == true)
    let group = try only(r.findings, "iommu.group", "0000:03:00.0")
    #expect(group.severity == "pass" && group.message.hasSuffix("as the ACS path predicts"))
    // the upstream port is single-function: exempt, not named
    #expect(!path.message.contains("0000:01:00.0"))
    // the VFs in the PF's group are bound to ixgbevf
    let viable = try only(r.findings, "group.viable", "0000:03:00.0")
    #expect(viable.severity == "fail")
    #expect(viable.message == "IOMMU group 3 is not viable for vfio: 0000:03:10.0 (ixgbevf), 0000:03:10.2 (ixgbevf) bound to a host driver")
    // sriov_totalvfs below the capability's TotalVFs is reported
    #expect(try only(r.findings, "sriov.capable", "0000:03:00.0").message.contains("the capability's TotalVFs is 64"))
  }

  @Test func aVFChecksItsOwnGroup() throws {
    let r = try check("switch-no-acs", ["0000:03:10.0"])
    #expect(Set(r.findings.map(\.subject)) == ["host", "0000:03:10.0"])
    let viable = try only(r.findings, "group.viable", "0000:03:10.0")
    #expect(viable.severity == "fail" && viable.message.contains("0000:03:00.0 (ixgbe)"))
    #expect(!r.findings.contains { $0.check.hasPrefix("sriov.") })
  }

  @Test func nonRootIsUnknownNeverPassOrAbsent() throws {
    let r = try check("nonroot-view")
    #expect(r.ok && r.status == 0)
    let path = try only(r.findings, "isolation.acs_path", "0000:01:00.0")
    #expect(path.severity == "unknown")
    // A fixture is another root: the hint says what the copy lacks and how to capture it, not "run
    // as root" (privilege here changes nothing about a copy; the live case is in UnprivilegedTests).
    #expect(path.hint?.contains("sriovctl capture") == true && path.hint?.contains("run as root") == false)
    #expect(path.message.contains("only the first 64 bytes of config space"))
    #expect(!path.message.contains("absent") && !path.message.contains("no ACS"))
    let cap = try only(r.findings, "sriov.capability", "0000:01:00.0")
    #expect(cap.severity == "unknown" && cap.hint?.contains("sriovctl capture") == true)
    #expect(try check("nonroot-view", ["--strict"]).status == 1)
  }

  @Test func identityGroupsWarnThatHostDMAIsNotTranslated() throws {
    let r = try check("check-iommu-pt")
    #expect(r.status == 0)
    let mode = try only(r.findings, "iommu.mode", "host")
    #expect(mode.severity == "warn")
    #expect(mode.message == "3 of 3 IOMMU groups are identity (passthrough, iommu=pt): host DMA is not translated")
    #expect(mode.hint?.contains("iommu=pt") == true)
    #expect(try only(r.findings, "cpu.virtualization", "host").severity == "pass")
  }

  @Test func acsCapableButNotEnabledOnARootPort() throws {
    let r = try check("check-acs-off")
    #expect(try only(r.findings, "iommu.kernel", "host").severity == "pass")
    let path = try only(r.findings, "isolation.acs_path", "0000:01:00.0")
    #expect(path.severity == "warn")
    #expect(path.message == "isolation breaks at 0000:00:01.0 (root port): ACS capable but not enabled: ACSCtl lacks SrcValid ReqRedir CmpltRedir UpstreamFwd; IOMMU group 1 holds 0000:00:01.0, 0000:01:00.0")
    #expect(path.hint?.contains("pci=disable_acs_redir") == true)
    // the root port is a bridge: the group stays viable
    #expect(try only(r.findings, "group.viable", "0000:01:00.0").severity == "pass")
  }

  @Test func vfBARsUnassignedPredictsENOMEM() throws {
    let r = try check("check-vf-bars-unassigned")
    #expect(r.status == 1)
    let bars = try only(r.findings, "sriov.vf_bars", "0000:01:00.0")
    #expect(bars.severity == "fail")
    #expect(bars.message.contains("ENOMEM"))
    #expect(bars.hint == "enable SR-IOV and above-4G decoding (MMIO above 4G) in the BIOS, or boot with pci=realloc")
  }

  @Test func busRangeTooSmallPredictsENOMEM() throws {
    let r = try check("check-bus-range")
    #expect(r.status == 1)
    let bus = try only(r.findings, "sriov.bus_range", "0000:01:00.0")
    #expect(bus.severity == "fail")
    #expect(bus.message == "the last VF (255) needs bus 02 but 0000:00:01.0 ends at subordinate bus 01: creating that many VFs fails with ENOMEM")
    #expect(bus.hint?.contains("pci=assign-busses") == true)
    #expect(bus.hint?.hasSuffix("at most 128 VFs fit the current range") == true)
    #expect(try only(r.findings, "sriov.vf_bars", "0000:01:00.0").severity == "pass")
  }

  @Test func groupWithAHostDriverIsNotViable() throws {
    let r = try check("check-group-not-viable", ["0000:01:00.0"])
    #expect(r.status == 1)
    let viable = try only(r.findings, "group.viable", "0000:01:00.0")
    #expect(viable.severity == "fail")
    #expect(viable.message == "IOMMU group 2 is not viable for vfio: 0000:01:00.1 (igb) bound to a host driver")
    #expect(viable.hint?.contains("sriovctl bind 0000:01:00.1 vfio-pci") == true)
    let path = try only(r.findings, "isolation.acs_path", "0000:01:00.0")
    #expect(path.message.hasPrefix("isolation breaks at 0000:01:00.0 itself (multifunction): no ACS capability"))
    #expect(try only(r.findings, "vfio.available", "host").severity == "pass")
  }

  @Test func vfsOnTheNextBusFitTheReservedRange() throws {
    let r = try check("vf-second-bus")
    let bus = try only(r.findings, "sriov.bus_range", "0000:18:00.0")
    #expect(bus.severity == "pass")
    #expect(bus.message == "the last VF (255) lands on bus 19, within 0000:17:00.0's range (subordinate 19)")
  }

  @Test func devicesByNetdevAndUnknownDevice() throws {
    let r = try check("x710-demo", ["enp59s0f1"])
    #expect(Set(r.findings.map(\.subject)) == ["host", "0000:3b:00.1"])
    let bad = try runCLI(["check", "--root", fixtureRoot("x710-demo"), "3b:00.7"])
    #expect(bad.status == 1)
    #expect(bad.stderr.hasPrefix("Error: 0000:3b:00.7: no such PCI device"))
  }
}
