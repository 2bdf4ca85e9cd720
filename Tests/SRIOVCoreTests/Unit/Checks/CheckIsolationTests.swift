import SRIOVCore
import Testing

/// A 4096-byte config space with a PCIe capability of `type` and, when given, an ACS capability.
private func config(
  type: PCIePortType, multifunction: Bool = false, acs: (cap: UInt16, ctl: UInt16)? = nil, size: Int = 4096
) -> FunctionConfig {
  var b = [UInt8](repeating: 0, count: 4096)
  b[0x06] = 0x10  // capability list
  b[0x0e] = (type == .rootPort || type == .downstreamPort || type == .upstreamPort ? 0x01 : 0x00) | (multifunction ? 0x80 : 0)
  b[0x34] = 0x40
  b[0x40] = 0x10  // PCIe
  b[0x41] = 0x00
  b[0x42] = 0x02 | (type.rawValue << 4)
  if let acs {
    b[0x100] = 0x0d
    b[0x101] = 0x00
    b[0x102] = 0x01
    b[0x104] = UInt8(acs.cap & 0xff)
    b[0x105] = UInt8(acs.cap >> 8)
    b[0x106] = UInt8(acs.ctl & 0xff)
    b[0x107] = UInt8(acs.ctl >> 8)
  }
  return FunctionConfig(ConfigSpace(bytes: Array(b.prefix(size))))
}

private func isolates(_ v: Isolation.Verdict) -> Bool { if case .isolates = v { true } else { false } }
private func breaks(_ v: Isolation.Verdict) -> Bool { if case .breaks = v { true } else { false } }
private func unknown(_ v: Isolation.Verdict) -> Bool { if case .unknown = v { true } else { false } }

@Suite("check: the kernel's isolation rules")
struct CheckIsolationTests {
  @Test func rootPortWithRequiredFlagsEnabledIsolates() {
    #expect(isolates(Isolation.acsEnabled(config(type: .rootPort, acs: (0x005f, 0x001d)))))
  }

  @Test func rootPortCapableButNotEnabledBreaksAndNamesTheMissingBits() {
    let v = Isolation.acsEnabled(config(type: .rootPort, acs: (0x005f, 0x0000)))
    #expect(breaks(v))
    #expect(v.reason == "ACS capable but not enabled: ACSCtl lacks SrcValid ReqRedir CmpltRedir UpstreamFwd")
  }

  @Test func downstreamPortWithoutACSCapabilityBreaks() {
    let v = Isolation.acsEnabled(config(type: .downstreamPort))
    #expect(breaks(v))
    #expect(v.reason == "no ACS capability")
  }

  @Test func unimplementedFeaturesCountAsHardWiredOn() {
    // No ReqRedir/CmpltRedir implemented (cap SV|UF): only SV and UF must be enabled.
    #expect(isolates(Isolation.flagsEnabled(.present(capability: [.sourceValidation, .upstreamForwarding],
      control: [.sourceValidation, .upstreamForwarding]))))
    // TransBlk, EgressCtrl and DirectTrans are not required.
    #expect(isolates(Isolation.flagsEnabled(.present(capability: ACSFlags(rawValue: 0x7f), control: .requiredForIsolation))))
    #expect(breaks(Isolation.flagsEnabled(.present(capability: ACSFlags(rawValue: 0x7f), control: [.sourceValidation]))))
  }

  @Test func singleFunctionEndpointsAndUpstreamPortsAreExempt() {
    #expect(isolates(Isolation.acsEnabled(config(type: .endpoint))))
    #expect(isolates(Isolation.acsEnabled(config(type: .upstreamPort))))
  }

  @Test func multifunctionEndpointNeedsACS() {
    #expect(breaks(Isolation.acsEnabled(config(type: .endpoint, multifunction: true))))
    #expect(isolates(Isolation.acsEnabled(config(type: .endpoint, multifunction: true, acs: (0x005f, 0x001d)))))
  }

  @Test func pcieToPCIBridgeNeverIsolates() {
    #expect(breaks(Isolation.acsEnabled(config(type: .pcieToPCIBridge, acs: (0x005f, 0x001d)))))
  }

  @Test func unreadableConfigIsUnknownNeverAbsent() {
    #expect(unknown(Isolation.acsEnabled(config(type: .rootPort, acs: (0x005f, 0x001d), size: 64))))
    #expect(unknown(Isolation.flagsEnabled(.unreadable)))
  }

  @Test func reportExitRulesAndStrict() {
    let warn = CheckReport(findings: [Finding("a", "host", .pass, "ok"), Finding("b", "host", .warn, "hm", hint: "fix")])
    #expect(warn.ok(strict: false))
    #expect(!warn.ok(strict: true))
    let unknownOnly = CheckReport(findings: [Finding("a", "host", .unknown, "?", hint: "root")])
    #expect(unknownOnly.ok(strict: false) && !unknownOnly.ok(strict: true))
    #expect(!CheckReport(findings: [Finding("c", "host", .fail, "no")]).ok(strict: false))
    #expect(warn.text() == """
      host
        PASS     a  ok
        WARN     b  hm
                    hint: fix
      1 pass, 1 warn, 0 fail, 0 unknown

      """)
  }
}
