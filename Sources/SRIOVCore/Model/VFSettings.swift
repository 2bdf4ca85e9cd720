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

/// The settings of one VF, field by field. One list of fields serves two meanings, told apart by
/// `Meaning` so that one cannot be passed for the other: what the kernel reported (`VFSettings`,
/// `nil` = the driver did not report it, the kernel's -1, never "off") and what a user wants
/// (`VFSettingsRequest`, `nil` = leave it as it is).
public struct VFSettingValues<Meaning>: Equatable, Sendable {
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
  /// Reported only: no request sets it.
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

/// The two meanings of `VFSettingValues`.
public enum VFSettingsMeaning {
  public enum Reported {}
  public enum Wanted {}
}

/// One VF's settings as the kernel reported them.
public typealias VFSettings = VFSettingValues<VFSettingsMeaning.Reported>

/// Desired settings for one VF: `nil` fields are left as they are.
public typealias VFSettingsRequest = VFSettingValues<VFSettingsMeaning.Wanted>

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

extension VFSettingsRequest {
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
/// replays a stored dump (read-only); tests use a stateful fake. A kernel refusal is an `Errno`, or a
/// `NetlinkKernelError` (errno plus the kernel's extended-ack text); `VFSettingsErrors.explain` turns
/// either into the user's message.
public protocol VFSettingsControl {
  func read(pf: NetdevName) throws -> PFVFSettings
  /// One setting on one VF: one request, nothing else touched.
  func apply(_ setting: VFSetting, vf: Int, pf: NetdevName) throws
}

/// A request that must not be sent. The message quotes the rejected value.
public struct VFSettingsProblem: Error, Equatable, Sendable, CustomStringConvertible {
  public let message: String
  public let hint: String

  public init(_ message: String, hint: String) {
    self.message = message
    self.hint = hint
  }

  public var description: String { message }
}

extension VFSettingsRequest {
  /// Checks that need nothing but the request: ranges, unicast MAC, QoS and 802.1ad only with a
  /// VLAN given here, min rate not above max (a max of 0 means no limit, as in the kernel).
  public func validateValues() throws(VFSettingsProblem) {
    if let mac, mac.bytes[0] & 1 == 1 {
      throw VFSettingsProblem("MAC \(mac) is a multicast address",
        hint: "a VF's MAC must be unicast (first byte even), e.g. 02:00:00:00:00:01; 00:00:00:00:00:00 clears it")
    }
    if let vlan, !(0...4095).contains(vlan) {
      throw VFSettingsProblem("VLAN \(vlan) is out of range", hint: "a VLAN ID is 0-4095 (0 removes the VLAN)")
    }
    if let qos, !(0...7).contains(qos) {
      throw VFSettingsProblem("QoS \(qos) is out of range", hint: "QoS is an 802.1p priority, 0-7")
    }
    if let qos, qos != 0, vlan == 0 {
      throw VFSettingsProblem("QoS \(qos) needs a VLAN, but the VLAN given is 0", hint: "give a VLAN ID from 1 to 4095 with the QoS")
    }
    if vlanProtocol == .dot1ad, vlan == 0 {
      throw VFSettingsProblem("VLAN protocol 802.1ad needs a nonzero VLAN, but the VLAN given is 0",
        hint: "give a VLAN ID from 1 to 4095, or leave the protocol out")
    }
    for (name, rate) in [("min rate", minTxRate), ("max rate", maxTxRate)] {
      if let rate, rate < 0 || rate > Int(UInt32.max) {
        throw VFSettingsProblem("\(name) \(rate) Mbps is out of range", hint: "rates are Mbps from 0 (no limit) up")
      }
    }
    if let min = minTxRate, let max = maxTxRate { try Self.checkRates(min: min, max: max) }
  }

  /// Adds the checks that depend on the VF's current settings: QoS or 802.1ad alone need the VF's
  /// VLAN to be nonzero, a rate alone must fit the other's current value.
  public func validate(against current: VFSettings) throws(VFSettingsProblem) {
    try validateValues()
    let vlanAfter = vlan ?? current.vlan ?? 0
    if let qos, qos != 0, vlanAfter == 0 {
      throw VFSettingsProblem("QoS \(qos) needs a VLAN, and the VF has none", hint: "give a VLAN ID from 1 to 4095 with the QoS")
    }
    if vlanProtocol == .dot1ad, vlanAfter == 0 {
      throw VFSettingsProblem("VLAN protocol 802.1ad needs a nonzero VLAN, and the VF has none",
        hint: "give a VLAN ID from 1 to 4095 with the protocol")
    }
    if minTxRate != nil || maxTxRate != nil {
      try Self.checkRates(min: minTxRate ?? current.minTxRate ?? 0, max: maxTxRate ?? current.maxTxRate ?? 0)
    }
  }

  private static func checkRates(min: Int, max: Int) throws(VFSettingsProblem) {
    guard max == 0 || min <= max else {
      throw VFSettingsProblem("min rate \(min) Mbps is above max rate \(max) Mbps",
        hint: "give a max rate of at least the min rate, or 0 for no limit")
    }
  }
}

extension VFSetting {
  /// Whether the VF's read-back shows this setting. Unknown (nil) fields cannot contradict it.
  public func isReflected(in vf: VFSettings) -> Bool {
    func same<T: Equatable>(_ reported: T?, _ wanted: T) -> Bool { reported == nil || reported == wanted }
    switch self {
    case .mac(let mac): return same(vf.mac, mac)
    case .vlan(let id, let qos, let proto): return same(vf.vlan, id) && same(vf.qos, qos) && same(vf.vlanProtocol, proto)
    case .spoofCheck(let on): return same(vf.spoofCheck, on)
    case .trust(let on): return same(vf.trust, on)
    case .linkState(let state): return same(vf.linkState, state)
    case .rate(let min, let max): return same(vf.minTxRate, min) && same(vf.maxTxRate, max)
    }
  }

  /// The setting that puts this one back to what `original` reported; nil when that was unknown.
  public func restoring(from original: VFSettings) -> VFSetting? {
    switch self {
    case .mac: return original.mac.map(VFSetting.mac)
    case .vlan:
      guard let id = original.vlan else { return nil }
      return .vlan(id: id, qos: original.qos ?? 0, proto: original.vlanProtocol ?? .dot1Q)
    case .spoofCheck: return original.spoofCheck.map(VFSetting.spoofCheck)
    case .trust: return original.trust.map(VFSetting.trust)
    case .linkState: return original.linkState.map(VFSetting.linkState)
    case .rate:
      guard let min = original.minTxRate, let max = original.maxTxRate else { return nil }
      return .rate(minMbps: min, maxMbps: max)
    }
  }
}
