/// A unicast or all-zero Ethernet address, as the kernel's `ifla_vf_mac` carries it (first 6 bytes).
public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
  public let bytes: [UInt8]

  public init?(bytes: [UInt8]) {
    guard bytes.count == 6 else { return nil }
    self.bytes = bytes
  }

  /// `aa:bb:cc:dd:ee:ff` (case-insensitive, `-` also accepted). Multicast is rejected: a VF's admin MAC
  /// must be unicast; all-zero is allowed and means "clear".
  public init(parsing text: String) throws(ParseError) {
    let parts = text.split(separator: text.contains("-") ? "-" : ":", omittingEmptySubsequences: false)
    let bytes = parts.compactMap { part -> UInt8? in part.count == 2 ? Hex.parse(part, as: UInt8.self, allowPrefix: false) : nil }
    guard parts.count == 6, bytes.count == 6 else {
      throw ParseError(input: text, what: "a MAC address", expected: "six hex pairs like 02:00:00:00:00:01")
    }
    guard bytes[0] & 1 == 0 else {
      throw ParseError(input: text, what: "a unicast MAC address",
        expected: "a first byte with the multicast bit clear, e.g. 02:00:00:00:00:01")
    }
    self.bytes = bytes
  }

  public static let zero = MACAddress(bytes: [0, 0, 0, 0, 0, 0])!
  public var isZero: Bool { bytes.allSatisfy { $0 == 0 } }
  /// Lowercase with colons, as `ip link` prints it.
  public var description: String { bytes.map { Hex.format($0, width: 2) }.joined(separator: ":") }
}

/// The VLAN tag protocol of a VF's port VLAN (`IFLA_VF_VLAN_INFO.vlan_proto`).
public enum VLANProtocol: String, Sendable, CaseIterable {
  case dot1Q = "802.1Q"
  case dot1ad = "802.1ad"

  /// The ethertype the kernel carries (big-endian on the wire).
  public var ethertype: UInt16 { self == .dot1Q ? 0x8100 : 0x88a8 }
  public init?(ethertype: UInt16) {
    switch ethertype {
    case 0x8100: self = .dot1Q
    case 0x88a8: self = .dot1ad
    default: return nil
    }
  }
}

/// `IFLA_VF_LINK_STATE`: 0 auto (follow the PF), 1 enable (always up), 2 disable.
public enum VFLinkState: String, Sendable, CaseIterable {
  case auto, enable, disable

  public var kernelValue: UInt32 {
    switch self {
    case .auto: 0
    case .enable: 1
    case .disable: 2
    }
  }
  public init?(kernelValue: UInt32) {
    switch kernelValue {
    case 0: self = .auto
    case 1: self = .enable
    case 2: self = .disable
    default: return nil
    }
  }
}

/// One VF's settings as the kernel reported them. `nil` means the driver did not report it (the
/// kernel's -1), never "off".
public struct VFSettings: Equatable, Sendable {
  public var mac: MACAddress?
  public var vlan: Int?
  public var qos: Int?
  public var vlanProtocol: VLANProtocol?
  public var spoofCheck: Bool?
  public var trust: Bool?
  public var linkState: VFLinkState?
  /// Mbps; 0 = no limit.
  public var minTxRate: Int?
  public var maxTxRate: Int?
  public var queryRSS: Bool?

  public init(mac: MACAddress? = nil, vlan: Int? = nil, qos: Int? = nil, vlanProtocol: VLANProtocol? = nil,
              spoofCheck: Bool? = nil, trust: Bool? = nil, linkState: VFLinkState? = nil,
              minTxRate: Int? = nil, maxTxRate: Int? = nil, queryRSS: Bool? = nil) {
    self.mac = mac
    self.vlan = vlan
    self.qos = qos
    self.vlanProtocol = vlanProtocol
    self.spoofCheck = spoofCheck
    self.trust = trust
    self.linkState = linkState
    self.minTxRate = minTxRate
    self.maxTxRate = maxTxRate
    self.queryRSS = queryRSS
  }
}

/// What one `RTM_GETLINK` of a PF said about its VFs.
public struct PFVFSettings: Equatable, Sendable {
  /// `IFLA_NUM_VF`: how many VFs the PF has enabled.
  public var numVFs: Int
  /// By VF index. Fewer than `numVFs` when the kernel truncated the list (about 220 VFs) or skipped a VF
  /// whose driver call failed.
  public var vfs: [Int: VFSettings]

  public init(numVFs: Int, vfs: [Int: VFSettings]) {
    self.numVFs = numVFs
    self.vfs = vfs
  }

  public var isTruncated: Bool { vfs.count < numVFs }
}

/// One change the kernel applies as one attribute in one request. VLAN, QoS and protocol travel
/// together (`IFLA_VF_VLAN_LIST`), as do both rates (`IFLA_VF_RATE`).
public enum VFSetting: Equatable, Sendable, CustomStringConvertible {
  case mac(MACAddress)
  case vlan(id: Int, qos: Int, proto: VLANProtocol)
  case spoofCheck(Bool)
  case trust(Bool)
  case linkState(VFLinkState)
  case rate(minMbps: Int, maxMbps: Int)

  /// The name a user typed (`--vlan`, `spoofchk`), for messages.
  public var name: String {
    switch self {
    case .mac: "mac"
    case .vlan: "vlan"
    case .spoofCheck: "spoofchk"
    case .trust: "trust"
    case .linkState: "link-state"
    case .rate: "rate"
    }
  }

  public var description: String {
    switch self {
    case .mac(let mac): "mac \(mac)"
    case .vlan(let id, let qos, let proto): "vlan \(id) qos \(qos) proto \(proto.rawValue)"
    case .spoofCheck(let on): "spoofchk \(on ? "on" : "off")"
    case .trust(let on): "trust \(on ? "on" : "off")"
    case .linkState(let state): "link-state \(state.rawValue)"
    case .rate(let min, let max): "min-rate \(min) max-rate \(max)"
    }
  }
}

/// Desired settings for one VF: `nil` fields are left as they are.
public struct VFSettingsRequest: Equatable, Sendable {
  public var mac: MACAddress?
  public var vlan: Int?
  public var qos: Int?
  public var vlanProtocol: VLANProtocol?
  public var spoofCheck: Bool?
  public var trust: Bool?
  public var linkState: VFLinkState?
  public var minTxRate: Int?
  public var maxTxRate: Int?

  public init(mac: MACAddress? = nil, vlan: Int? = nil, qos: Int? = nil, vlanProtocol: VLANProtocol? = nil,
              spoofCheck: Bool? = nil, trust: Bool? = nil, linkState: VFLinkState? = nil,
              minTxRate: Int? = nil, maxTxRate: Int? = nil) {
    self.mac = mac
    self.vlan = vlan
    self.qos = qos
    self.vlanProtocol = vlanProtocol
    self.spoofCheck = spoofCheck
    self.trust = trust
    self.linkState = linkState
    self.minTxRate = minTxRate
    self.maxTxRate = maxTxRate
  }

  public var isEmpty: Bool { self == VFSettingsRequest() }

  /// The attributes to send to move `current` to this request, in the kernel's own order
  /// (`do_setvfinfo`); settings already equal are left out, so an equal request sends nothing.
  /// A rate given alone keeps the other rate's current value; QoS or protocol given alone keep the
  /// current VLAN.
  public func settings(from current: VFSettings) -> [VFSetting] {
    var out: [VFSetting] = []
    if let mac, mac != current.mac { out.append(.mac(mac)) }
    if vlan != nil || qos != nil || vlanProtocol != nil {
      let id = vlan ?? current.vlan ?? 0
      // Clearing the VLAN clears its QoS and protocol with it, as the kernel does.
      let wantedQoS = qos ?? (vlan == 0 ? 0 : current.qos ?? 0)
      let wantedProto = vlanProtocol ?? (vlan == 0 ? .dot1Q : current.vlanProtocol ?? .dot1Q)
      let now = (current.vlan ?? -1, current.qos ?? -1, current.vlanProtocol ?? .dot1Q)
      if now != (id, wantedQoS, wantedProto) { out.append(.vlan(id: id, qos: wantedQoS, proto: wantedProto)) }
    }
    if minTxRate != nil || maxTxRate != nil {
      let min = minTxRate ?? current.minTxRate ?? 0
      let max = maxTxRate ?? current.maxTxRate ?? 0
      if current.minTxRate != min || current.maxTxRate != max { out.append(.rate(minMbps: min, maxMbps: max)) }
    }
    if let spoofCheck, spoofCheck != current.spoofCheck { out.append(.spoofCheck(spoofCheck)) }
    if let linkState, linkState != current.linkState { out.append(.linkState(linkState)) }
    if let trust, trust != current.trust { out.append(.trust(trust)) }
    return out
  }
}

/// Reads and changes the VF settings of one PF. The live implementation speaks rtnetlink; a capture
/// replays a stored dump (read-only); tests use a stateful fake.
public protocol VFSettingsControl {
  func read(pf: NetdevName) throws -> PFVFSettings
  /// One setting on one VF: one request, nothing else touched.
  func apply(_ setting: VFSetting, vf: Int, pf: NetdevName) throws
}
