/// Kernel constants, copied from the UAPI headers (a stable ABI): `<linux/netlink.h>`,
/// `<linux/rtnetlink.h>` and `<linux/if_link.h>`. Kept as Swift constants so the package needs no
/// C module for them; Glibc does not export these.
public enum NetlinkConstants {
  // <linux/netlink.h>
  public static let netlinkRoute: Int32 = 0  // NETLINK_ROUTE
  public static let solNetlink: Int32 = 270  // SOL_NETLINK
  public static let extAck: Int32 = 11  // NETLINK_EXT_ACK
  public static let headerSize = 16  // sizeof(struct nlmsghdr)
  public static let noop: UInt16 = 1  // NLMSG_NOOP
  public static let error: UInt16 = 2  // NLMSG_ERROR
  public static let done: UInt16 = 3  // NLMSG_DONE
  public static let overrun: UInt16 = 4  // NLMSG_OVERRUN
  public static let flagRequest: UInt16 = 0x01  // NLM_F_REQUEST
  public static let flagMulti: UInt16 = 0x02  // NLM_F_MULTI
  public static let flagAck: UInt16 = 0x04  // NLM_F_ACK
  public static let flagDump: UInt16 = 0x300  // NLM_F_DUMP (ROOT | MATCH)
  public static let attrNested: UInt16 = 1 << 15  // NLA_F_NESTED
  public static let attrNetByteOrder: UInt16 = 1 << 14  // NLA_F_NET_BYTEORDER
  public static let attrTypeMask: UInt16 = ~(attrNested | attrNetByteOrder)  // NLA_TYPE_MASK

  // <linux/rtnetlink.h>
  public static let rtmNewLink: UInt16 = 16  // RTM_NEWLINK
  public static let rtmGetLink: UInt16 = 18  // RTM_GETLINK
  public static let rtmSetLink: UInt16 = 19  // RTM_SETLINK
  public static let filterVF: UInt32 = 1 << 0  // RTEXT_FILTER_VF
  public static let filterSkipStats: UInt32 = 1 << 3  // RTEXT_FILTER_SKIP_STATS
  public static let ifinfoSize = 16  // sizeof(struct ifinfomsg)

  // <linux/if_link.h>: IFLA_*
  public static let iflaIfname: UInt16 = 3
  public static let iflaNumVF: UInt16 = 21
  public static let iflaVFInfoList: UInt16 = 22
  public static let iflaExtMask: UInt16 = 29
  // IFLA_VF_INFO inside IFLA_VFINFO_LIST
  public static let iflaVFInfo: UInt16 = 1
  // IFLA_VF_* inside IFLA_VF_INFO
  public static let vfMAC: UInt16 = 1  // struct ifla_vf_mac { u32 vf; u8 mac[32]; }
  public static let vfVLAN: UInt16 = 2  // struct ifla_vf_vlan { u32 vf, vlan, qos; }
  public static let vfTxRate: UInt16 = 3  // struct ifla_vf_tx_rate { u32 vf, rate; } (max, legacy)
  public static let vfSpoofCheck: UInt16 = 4  // struct ifla_vf_spoofchk { u32 vf, setting; }
  public static let vfLinkState: UInt16 = 5  // struct ifla_vf_link_state { u32 vf, link_state; }
  public static let vfRate: UInt16 = 6  // struct ifla_vf_rate { u32 vf, min_tx_rate, max_tx_rate; }
  public static let vfRSSQuery: UInt16 = 7  // struct ifla_vf_rss_query_en { u32 vf, setting; }
  public static let vfStats: UInt16 = 8
  public static let vfTrust: UInt16 = 9  // struct ifla_vf_trust { u32 vf, setting; }
  public static let vfVLANList: UInt16 = 12  // nest of IFLA_VF_VLAN_INFO
  public static let vfVLANInfo: UInt16 = 1  // struct ifla_vf_vlan_info { u32 vf, vlan, qos; __be16 proto; } (16 bytes)
  public static let vfMACPayload = 36
  public static let vfVLANInfoPayload = 16
}

/// A reply the kernel did not send, or bytes that are not netlink: never a crash, always this.
public struct NetlinkFormatError: Error, Equatable, Sendable, CustomStringConvertible {
  public let problem: String
  public init(_ problem: String) { self.problem = problem }
  public var description: String { "malformed netlink reply: \(problem)" }
}

/// Netlink integers are in host byte order; these read and write them at any offset.
enum HostOrder {
  static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
  }

  /// nil when `offset + size` runs past the end: every read is bounded.
  static func read<T: FixedWidthInteger>(_: T.Type, _ bytes: ArraySlice<UInt8>, at offset: Int) -> T? {
    let start = bytes.startIndex + offset
    guard offset >= 0, start + MemoryLayout<T>.size <= bytes.endIndex else { return nil }
    return bytes[start..<(start + MemoryLayout<T>.size)].withUnsafeBytes { $0.loadUnaligned(as: T.self) }
  }
}

/// Netlink pads every message and attribute to 4 bytes (`NLMSG_ALIGN`, `NLA_ALIGN`).
func netlinkAligned(_ n: Int) -> Int { (n + 3) & ~3 }

/// One netlink message: the 16-byte `nlmsghdr` and its payload.
public struct NetlinkMessage: Equatable, Sendable {
  public var type: UInt16
  public var flags: UInt16
  public var sequence: UInt32
  public var portID: UInt32
  public var payload: [UInt8]

  public init(type: UInt16, flags: UInt16, sequence: UInt32, portID: UInt32 = 0, payload: [UInt8]) {
    self.type = type
    self.flags = flags
    self.sequence = sequence
    self.portID = portID
    self.payload = payload
  }

  /// Header (length includes the header, not the trailing pad) followed by the payload, padded.
  public func encoded() -> [UInt8] {
    var out: [UInt8] = []
    HostOrder.append(UInt32(NetlinkConstants.headerSize + payload.count), to: &out)
    HostOrder.append(type, to: &out)
    HostOrder.append(flags, to: &out)
    HostOrder.append(sequence, to: &out)
    HostOrder.append(portID, to: &out)
    out += payload
    out += [UInt8](repeating: 0, count: netlinkAligned(out.count) - out.count)
    return out
  }

  /// The messages of one datagram. Lengths are checked against what is there.
  public static func split(_ datagram: [UInt8]) throws(NetlinkFormatError) -> [NetlinkMessage] {
    var messages: [NetlinkMessage] = []
    var offset = 0
    let all = datagram[...]
    while datagram.count - offset >= NetlinkConstants.headerSize {
      let length = Int(HostOrder.read(UInt32.self, all, at: offset)!)
      guard length >= NetlinkConstants.headerSize, length <= datagram.count - offset else {
        throw NetlinkFormatError("message at byte \(offset) claims \(length) bytes, \(datagram.count - offset) left")
      }
      messages.append(NetlinkMessage(
        type: HostOrder.read(UInt16.self, all, at: offset + 4)!,
        flags: HostOrder.read(UInt16.self, all, at: offset + 6)!,
        sequence: HostOrder.read(UInt32.self, all, at: offset + 8)!,
        portID: HostOrder.read(UInt32.self, all, at: offset + 12)!,
        payload: Array(datagram[(offset + NetlinkConstants.headerSize)..<(offset + length)])))
      offset += netlinkAligned(length)
    }
    guard offset >= datagram.count else {
      throw NetlinkFormatError("\(datagram.count - offset) trailing bytes after the last message")
    }
    return messages
  }
}

/// Builds attribute streams (`struct nlattr` + payload, 4-byte aligned), nests included.
public struct AttributeWriter: Sendable {
  public private(set) var bytes: [UInt8] = []

  public init() {}

  public mutating func raw(_ payload: [UInt8]) { bytes += payload }

  public mutating func attribute(_ type: UInt16, _ payload: [UInt8]) {
    HostOrder.append(UInt16(4 + payload.count), to: &bytes)
    HostOrder.append(type, to: &bytes)
    bytes += payload
    bytes += [UInt8](repeating: 0, count: netlinkAligned(bytes.count) - bytes.count)
  }

  public mutating func u32(_ type: UInt16, _ value: UInt32) {
    var payload: [UInt8] = []
    HostOrder.append(value, to: &payload)
    attribute(type, payload)
  }

  /// An attribute whose payload is more attributes; `NLA_F_NESTED` set, as iproute2 does.
  public mutating func nested(_ type: UInt16, _ build: (inout AttributeWriter) -> Void) {
    var inner = AttributeWriter()
    build(&inner)
    attribute(type | NetlinkConstants.attrNested, inner.bytes)
  }

  /// Packs `u32` fields back to back (the `ifla_vf_*` structs are all u32 fields).
  public static func words(_ values: [UInt32]) -> [UInt8] {
    var out: [UInt8] = []
    for v in values { HostOrder.append(v, to: &out) }
    return out
  }
}

/// One parsed attribute: its type without the nested/byte-order flags, and its payload.
public struct NetlinkAttribute: Sendable {
  public let type: UInt16
  public let payload: ArraySlice<UInt8>

  /// The attributes of a stream; a length that runs past the end is an error, not a crash. With
  /// `upToDamage`, parsing stops there instead and keeps what came before: the kernel's
  /// `IFLA_VFINFO_LIST` of a PF with many VFs outgrows its 16-bit length, which wraps, so the list
  /// and what follows it are cut mid-entry (iproute2 reports "Truncated VF list").
  public static func parse(_ bytes: ArraySlice<UInt8>, upToDamage: Bool = false) throws(NetlinkFormatError) -> [NetlinkAttribute] {
    var out: [NetlinkAttribute] = []
    var offset = 0
    while bytes.count - offset >= 4 {
      let length = Int(HostOrder.read(UInt16.self, bytes, at: offset)!)
      let type = HostOrder.read(UInt16.self, bytes, at: offset + 2)! & NetlinkConstants.attrTypeMask
      guard length >= 4, length <= bytes.count - offset else {
        if upToDamage { return out }
        throw NetlinkFormatError("attribute \(type) at byte \(offset) claims \(length) bytes, \(bytes.count - offset) left")
      }
      let start = bytes.startIndex + offset
      out.append(NetlinkAttribute(type: type, payload: bytes[(start + 4)..<(start + length)]))
      offset += netlinkAligned(length)
    }
    return out
  }

  public func nested() throws(NetlinkFormatError) -> [NetlinkAttribute] { try Self.parse(payload) }

  /// The `index`-th u32 of a struct payload; an error when the payload is too short.
  public func word(_ index: Int) throws(NetlinkFormatError) -> UInt32 {
    guard let value = HostOrder.read(UInt32.self, payload, at: index * 4) else {
      throw NetlinkFormatError("attribute \(type) has \(payload.count) bytes, too short for field \(index)")
    }
    return value
  }
}
