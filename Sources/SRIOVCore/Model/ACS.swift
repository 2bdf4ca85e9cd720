/// ACS capability/control bits (PCIe base spec 7.7.8; names as lspci prints them).
public struct ACSFlags: OptionSet, Hashable, Sendable {
  public let rawValue: UInt16
  public init(rawValue: UInt16) { self.rawValue = rawValue }

  public static let sourceValidation = ACSFlags(rawValue: 0x01)
  public static let translationBlocking = ACSFlags(rawValue: 0x02)
  public static let requestRedirect = ACSFlags(rawValue: 0x04)
  public static let completionRedirect = ACSFlags(rawValue: 0x08)
  public static let upstreamForwarding = ACSFlags(rawValue: 0x10)
  public static let egressControl = ACSFlags(rawValue: 0x20)
  public static let directTranslatedP2P = ACSFlags(rawValue: 0x40)

  /// What the kernel requires on every hop for isolation (`REQ_ACS_FLAGS`, drivers/iommu/iommu.c).
  public static let requiredForIsolation: ACSFlags = [
    .sourceValidation, .requestRedirect, .completionRedirect, .upstreamForwarding,
  ]

  public static let named: [(ACSFlags, String)] = [
    (.sourceValidation, "SrcValid"), (.translationBlocking, "TransBlk"), (.requestRedirect, "ReqRedir"),
    (.completionRedirect, "CmpltRedir"), (.upstreamForwarding, "UpstreamFwd"),
    (.egressControl, "EgressCtrl"), (.directTranslatedP2P, "DirectTrans"),
  ]

  /// Names of the set bits, in lspci's order.
  public var names: [String] { Self.named.filter { contains($0.0) }.map(\.1) }
}

/// ACS as far as config space lets us know it.
public enum ACSStatus: Hashable, Sendable {
  case present(capability: ACSFlags, control: ACSFlags)
  /// The function has no ACS extended capability.
  case absent
  /// Extended config space could not be read (needs CAP_SYS_ADMIN): unknown, never "absent".
  case unreadable

  public var label: String {
    switch self {
    case .present: "present"
    case .absent: "absent"
    case .unreadable: "unreadable"
    }
  }
}
