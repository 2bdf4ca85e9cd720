/// The kernel's isolation rules (drivers/pci/pci.c `pci_acs_enabled`, drivers/iommu/iommu.c
/// `pci_device_group`), as pure functions over config facts. Quirks are invisible from user space.
public enum Isolation {
  /// Whether one function counts as isolating, and why.
  public enum Verdict: Hashable, Sendable {
    case isolates(String)
    case breaks(String)
    /// Config space not readable enough to decide.
    case unknown(String)

    public var reason: String {
      switch self {
      case .isolates(let r), .breaks(let r), .unknown(let r): r
      }
    }
  }

  /// `pci_acs_flags_enabled`: no ACS cap → false; flags &= (ACSCap | EC); require ctl ⊇ flags.
  public static func flagsEnabled(_ acs: ACSStatus, required: ACSFlags = .requiredForIsolation) -> Verdict {
    switch acs {
    case .unreadable: return .unknown("ACS unreadable")
    case .absent: return .breaks("no ACS capability")
    case .present(let cap, let ctl):
      let implemented: ACSFlags = cap.union(.egressControl)
      let flags: ACSFlags = required.intersection(implemented)
      let missing: ACSFlags = flags.subtracting(ctl)
      if missing.isEmpty {
        return .isolates("ACS " + (flags.names.isEmpty ? "(nothing required is implemented)" : flags.names.joined(separator: " ")) + " enabled")
      }
      return .breaks("ACS capable but not enabled: ACSCtl lacks " + missing.names.joined(separator: " "))
    }
  }

  /// `pci_acs_enabled` for one function (without the quirk table).
  public static func acsEnabled(_ config: FunctionConfig) -> Verdict {
    guard config.capabilitiesReadable else { return .unknown("config space unreadable past 64 bytes") }
    guard let type = config.facts.portType else { return .breaks("conventional PCI (not PCI Express)") }
    switch type {
    case .pcieToPCIBridge, .pciToPCIeBridge: return .breaks("a PCIe-to-PCI bridge never isolates")
    case .rcEventCollector: return .breaks("a root complex event collector never isolates")
    case .rootPort, .downstreamPort: return flagsEnabled(config.facts.acs)
    case .endpoint, .legacyEndpoint, .rcIntegratedEndpoint, .upstreamPort:
      guard let multifunction = config.multifunction else { return .unknown("header unreadable") }
      if !multifunction { return .isolates("single-function \(type.name) (exempt)") }
      return flagsEnabled(config.facts.acs)
    }
  }

  /// One hop's evaluation on the device's path.
  public struct HopResult: Sendable {
    public let address: PCIAddress
    public let portType: PCIePortType?
    public let verdict: Verdict

    public var label: String { "\(address) (\(portType.map { $0.name.replacingUnderscores } ?? "bridge"))" }
  }

  /// The path prediction: every hop from the nearest bridge up, plus the device itself when it is
  /// multifunction (siblings without ACS share a group).
  public struct Prediction: Sendable {
    public let hops: [HopResult]
    public let selfVerdict: Verdict

    public var breaking: [HopResult] { hops.filter { if case .breaks = $0.verdict { true } else { false } } }
    public var unknown: [HopResult] { hops.filter { if case .unknown = $0.verdict { true } else { false } } }
    public var selfBreaks: Bool { if case .breaks = selfVerdict { true } else { false } }
    public var isolated: Bool? {
      if !breaking.isEmpty || selfBreaks { return false }
      if !unknown.isEmpty { return nil }
      if case .unknown = selfVerdict { return nil }
      return true
    }
  }

  public static func predict(_ facts: DeviceFacts) -> Prediction {
    let hops: [HopResult] = facts.upstream.map { hop in
      HopResult(address: hop.address, portType: hop.config.facts.portType, verdict: acsEnabled(hop.config))
    }
    // A VF is never multifunction for the kernel; its group follows the path above the PF.
    var own: Verdict = .isolates("single function")
    if facts.device.physfn == nil, facts.config.multifunction == true {
      own = acsEnabled(facts.config)
    } else if facts.device.physfn == nil, facts.config.multifunction == nil {
      own = .unknown("header unreadable")
    }
    return Prediction(hops: hops, selfVerdict: own)
  }
}

extension String {
  var replacingUnderscores: String { String(map { $0 == "_" ? " " : $0 }) }
}
