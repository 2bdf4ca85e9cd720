/// The rtnetlink messages for VF settings: `RTM_GETLINK` of one PF with its VF list, and
/// `RTM_SETLINK` carrying one `IFLA_VF_*` attribute (kernel-abi.md §4). Pure functions over bytes.
public enum VFInfoCodec {
  typealias K = NetlinkConstants

  /// `struct ifinfomsg` with only the family (AF_UNSPEC) and the index set.
  static func ifinfo(index: Int32) -> [UInt8] {
    var out: [UInt8] = [0, 0]  // ifi_family = AF_UNSPEC, pad
    HostOrder.append(UInt16(0), to: &out)  // ifi_type
    HostOrder.append(index, to: &out)  // ifi_index
    HostOrder.append(UInt32(0), to: &out)  // ifi_flags
    HostOrder.append(UInt32(0), to: &out)  // ifi_change
    return out
  }

  /// The payload of `RTM_GETLINK` for one interface, asking for the VF list without VF statistics.
  public static func getLinkPayload(ifindex: Int32) -> [UInt8] {
    var attrs = AttributeWriter()
    attrs.raw(ifinfo(index: ifindex))
    attrs.u32(K.iflaExtMask, K.filterVF | K.filterSkipStats)
    return attrs.bytes
  }

  /// The payload of `RTM_SETLINK` that changes one setting of one VF: `IFLA_VFINFO_LIST {
  /// IFLA_VF_INFO { one IFLA_VF_* } }`. 802.1Q VLANs use `IFLA_VF_VLAN` (what every driver
  /// takes), 802.1ad needs `IFLA_VF_VLAN_LIST`, as `ip link` does.
  public static func setVFPayload(ifindex: Int32, vf: Int, setting: VFSetting) -> [UInt8] {
    let index = UInt32(truncatingIfNeeded: vf)
    var attrs = AttributeWriter()
    attrs.raw(ifinfo(index: ifindex))
    attrs.nested(K.iflaVFInfoList) { list in
      list.nested(K.iflaVFInfo) { info in
        switch setting {
        case .mac(let mac):
          info.attribute(K.vfMAC, AttributeWriter.words([index]) + mac.bytes + [UInt8](repeating: 0, count: 26))
        case .vlan(let id, let qos, .dot1Q):
          info.attribute(K.vfVLAN, AttributeWriter.words([index, UInt32(id), UInt32(qos)]))
        case .vlan(let id, let qos, let proto):
          info.nested(K.vfVLANList) { vlans in
            let ethertype = proto.ethertype.bigEndian
            var payload = AttributeWriter.words([index, UInt32(id), UInt32(qos)])
            HostOrder.append(ethertype, to: &payload)
            payload += [0, 0]  // struct padding to 16 bytes
            vlans.attribute(K.vfVLANInfo, payload)
          }
        case .spoofCheck(let on):
          info.attribute(K.vfSpoofCheck, AttributeWriter.words([index, on ? 1 : 0]))
        case .linkState(let state):
          info.attribute(K.vfLinkState, AttributeWriter.words([index, state.kernelValue]))
        case .rate(let min, let max):
          info.attribute(K.vfRate, AttributeWriter.words([index, UInt32(min), UInt32(max)]))
        case .trust(let on):
          info.attribute(K.vfTrust, AttributeWriter.words([index, on ? 1 : 0]))
        }
      }
    }
    return attrs.bytes
  }

  /// What one `RTM_NEWLINK` reply says: the interface, its VF count and each reported VF.
  public struct Link: Equatable, Sendable {
    public let ifindex: Int32
    public let name: String?
    /// nil when the kernel sent no `IFLA_NUM_VF` (a device without a PCI parent, or no VF filter).
    public let settings: PFVFSettings?
  }

  public static func parseLink(_ message: NetlinkMessage) throws(NetlinkFormatError) -> Link {
    guard message.type == K.rtmNewLink else { throw NetlinkFormatError("expected RTM_NEWLINK, got type \(message.type)") }
    let payload = message.payload[...]
    guard let index = HostOrder.read(Int32.self, payload, at: 4), payload.count >= K.ifinfoSize else {
      throw NetlinkFormatError("RTM_NEWLINK with \(payload.count) bytes, shorter than ifinfomsg")
    }
    var name: String?
    var numVFs: Int?
    var vfs: [Int: VFSettings] = [:]
    // IFLA_IFNAME and IFLA_NUM_VF come before the VF list; after a list whose length wrapped, the
    // bytes are the rest of the list seen out of step, so nothing after it is trusted.
    var sawVFList = false
    for attr in try NetlinkAttribute.parse(payload.dropFirst(K.ifinfoSize), upToDamage: true) where !sawVFList {
      switch attr.type {
      case K.iflaIfname:
        name = String(decoding: attr.payload.prefix { $0 != 0 }, as: UTF8.self)
      case K.iflaNumVF:
        numVFs = Int(try attr.word(0))
      case K.iflaVFInfoList:
        sawVFList = true
        for info in try NetlinkAttribute.parse(attr.payload, upToDamage: true) where info.type == K.iflaVFInfo {
          let (vf, settings) = try parseVFInfo(info)
          vfs[vf] = settings
        }
      default:
        continue
      }
    }
    let settings = numVFs.map { PFVFSettings(numVFs: $0, vfs: vfs) }
    return Link(ifindex: index, name: name, settings: settings)
  }

  /// One `IFLA_VF_INFO`. The kernel presets spoofchk, trust and query_rss to -1 (u32 all ones) "so
  /// the user space tool can detect that the driver didn't report anything": those become nil.
  static func parseVFInfo(_ info: NetlinkAttribute) throws(NetlinkFormatError) -> (Int, VFSettings) {
    var vf: UInt32?
    var settings = VFSettings()
    var legacyMaxRate: Int?
    let flag = { (value: UInt32) -> Bool? in value == UInt32.max ? nil : value != 0 }
    for attr in try info.nested() {
      switch attr.type {
      case K.vfMAC:
        vf = try attr.word(0)
        guard attr.payload.count >= 10 else { throw NetlinkFormatError("IFLA_VF_MAC has \(attr.payload.count) bytes") }
        let start = attr.payload.startIndex + 4
        settings.mac = MACAddress(bytes: Array(attr.payload[start..<(start + 6)]))
      case K.vfVLAN:
        if vf == nil { vf = try attr.word(0) }
        settings.vlan = Int(try attr.word(1))
        settings.qos = Int(try attr.word(2))
      case K.vfVLANList:
        // MAX_VLAN_LIST_LEN is 1: the first entry is the port VLAN.
        if let first = try attr.nested().first(where: { $0.type == K.vfVLANInfo }) {
          settings.vlan = Int(try first.word(1))
          settings.qos = Int(try first.word(2))
          guard let raw = HostOrder.read(UInt16.self, first.payload, at: 12) else {
            throw NetlinkFormatError("IFLA_VF_VLAN_INFO has \(first.payload.count) bytes")
          }
          settings.vlanProtocol = VLANProtocol(ethertype: UInt16(bigEndian: raw))
        }
      case K.vfTxRate:
        legacyMaxRate = Int(try attr.word(1))
      case K.vfRate:
        settings.minTxRate = Int(try attr.word(1))
        settings.maxTxRate = Int(try attr.word(2))
      case K.vfSpoofCheck:
        settings.spoofCheck = flag(try attr.word(1))
      case K.vfLinkState:
        settings.linkState = VFLinkState(kernelValue: try attr.word(1))
      case K.vfRSSQuery:
        settings.queryRSS = flag(try attr.word(1))
      case K.vfTrust:
        settings.trust = flag(try attr.word(1))
      default:
        continue
      }
    }
    if settings.maxTxRate == nil { settings.maxTxRate = legacyMaxRate }
    guard let vf, vf < UInt32(Int32.max) else { throw NetlinkFormatError("IFLA_VF_INFO without a VF number (IFLA_VF_MAC)") }
    return (Int(vf), settings)
  }
}
