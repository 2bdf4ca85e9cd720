import SystemPackage

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Moves whole datagrams to and from the kernel. The live one is an `AF_NETLINK` socket; tests replay
/// recorded replies and keep what was sent.
public protocol NetlinkTransport: AnyObject {
  func send(_ bytes: [UInt8]) throws
  /// One datagram (it may hold several messages).
  func receive() throws -> [UInt8]
  /// The port ID the kernel assigned to this end: replies to us carry it. nil when unknown.
  var portID: UInt32? { get }
}

extension NetlinkTransport {
  public var portID: UInt32? { nil }
}

/// An `AF_NETLINK` socket (`NETLINK_ROUTE` by default, `NETLINK_GENERIC` for devlink). The kernel
/// binds it on first send; replies come back to this socket only. Errors are `Errno`.
public final class NetlinkSocket: NetlinkTransport {
  private let fd: Int32
  public let portID: UInt32?

  public init(protocol netlinkProtocol: Int32 = NetlinkConstants.netlinkRoute, receiveTimeoutSeconds: Int = 10) throws {
    let type: Int32 = Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
    let fd: Int32 = socket(AF_NETLINK, type, netlinkProtocol)
    guard fd >= 0 else { throw Errno.last }
    self.fd = fd
    // Ask for the kernel's reason text with errors (NETLINK_EXT_ACK); older kernels ignore it.
    var on: Int32 = 1
    _ = setsockopt(fd, NetlinkConstants.solNetlink, NetlinkConstants.extAck, &on, socklen_t(MemoryLayout<Int32>.size))
    // A kernel that never answers must not hang the tool.
    var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
    _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    portID = Self.bindAndGetPortID(fd)
  }

  /// Binds with port 0 (the kernel picks one) and reads it back from `struct sockaddr_nl`
  /// (`u16 nl_family, u16 pad, u32 nl_pid, u32 nl_groups`), which Glibc does not export.
  private static func bindAndGetPortID(_ fd: Int32) -> UInt32? {
    var address = sockaddr_storage()
    let size = socklen_t(12)  // sizeof(struct sockaddr_nl)
    address.ss_family = sa_family_t(AF_NETLINK)
    let bound: Int32 = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) }
    }
    guard bound == 0 else { return nil }
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let named: Int32 = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0, length >= 8 else { return nil }
    return withUnsafeBytes(of: &address) { $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self) }
  }

  deinit { close(fd) }

  public func send(_ bytes: [UInt8]) throws {
    while true {
      let sent: Int = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
      if sent == bytes.count { return }
      let e = Errno.last
      if sent < 0 && e == .interrupted { continue }
      throw sent < 0 ? e : Errno.messageTooLong
    }
  }

  public func receive() throws -> [UInt8] {
    // Peek with MSG_TRUNC to learn the datagram's size: a PF with many VFs sends more than 32 KiB.
    let peekFlags: Int32 = Int32(MSG_PEEK) | Int32(MSG_TRUNC)
    var one: UInt8 = 0
    var size: Int = -1
    repeat { size = recv(fd, &one, 0, peekFlags) } while size < 0 && Errno.last == .interrupted
    guard size >= 0 else { throw Errno.last }
    var buffer = [UInt8](repeating: 0, count: Swift.max(size, 1))
    var got: Int = -1
    repeat {
      got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
    } while got < 0 && Errno.last == .interrupted
    guard got >= 0 else { throw Errno.last }
    return Array(buffer[0..<got])
  }
}

/// A refusal that came with the kernel's own words (`NLMSGERR_ATTR_MSG` of an extended ack).
public struct NetlinkKernelError: Error, Equatable, Sendable, CustomStringConvertible {
  public let errno: Errno
  public let message: String

  public init(errno: Errno, message: String) {
    self.errno = errno
    self.message = message
  }

  public var description: String { "\(errno) (kernel: \(message))" }
}

/// Request/reply over a transport: numbers each request, drops replies to other requests or other
/// ports (sequence number and port ID must both match), turns
/// `NLMSG_ERROR` into the kernel's `Errno`, and collects a multipart dump up to `NLMSG_DONE`.
public final class RouteNetlink {
  private let transport: any NetlinkTransport
  private var sequence: UInt32

  public init(transport: any NetlinkTransport, firstSequence: UInt32 = 1) {
    self.transport = transport
    self.sequence = firstSequence
  }

  /// Sends one request and returns its data messages. With `NLM_F_ACK` it waits for the ack; a dump
  /// ends at `NLMSG_DONE`; otherwise the first non-multipart reply ends it.
  public func request(type: UInt16, flags: UInt16, payload: [UInt8]) throws -> [NetlinkMessage] {
    let seq = sequence
    sequence &+= 1
    let message = NetlinkMessage(type: type, flags: flags | NetlinkConstants.flagRequest, sequence: seq, payload: payload)
    try transport.send(message.encoded())
    let wantsAck = flags & NetlinkConstants.flagAck != 0
    var replies: [NetlinkMessage] = []
    while true {
      let port = transport.portID
      for reply in try NetlinkMessage.split(try transport.receive())
      where reply.sequence == seq && (port == nil || reply.portID == port) {
        switch reply.type {
        case NetlinkConstants.noop:
          continue
        case NetlinkConstants.error:
          guard let code = HostOrder.read(Int32.self, reply.payload[...], at: 0) else {
            throw NetlinkFormatError("NLMSG_ERROR with \(reply.payload.count) bytes")
          }
          if code != 0 { throw Self.kernelError(Errno(rawValue: -code), reply: reply) }
          return replies  // the ack
        case NetlinkConstants.done:
          return replies
        case NetlinkConstants.overrun:
          throw NetlinkFormatError("the kernel dropped data (NLMSG_OVERRUN)")
        default:
          replies.append(reply)
          if reply.flags & NetlinkConstants.flagMulti == 0 && !wantsAck { return replies }
        }
      }
    }
  }

  /// The errno, with the kernel's message when the ack carries one: `NLM_F_ACK_TLVS` says TLVs follow
  /// the error code and the echoed request (only its header when `NLM_F_CAPPED`).
  static func kernelError(_ errno: Errno, reply: NetlinkMessage) -> any Error {
    let capped: UInt16 = 0x100, tlvs: UInt16 = 0x200  // NLM_F_CAPPED, NLM_F_ACK_TLVS
    guard reply.flags & tlvs != 0, let echoed = HostOrder.read(UInt32.self, reply.payload[...], at: 4) else { return errno }
    let start = 4 + (reply.flags & capped != 0 ? NetlinkConstants.headerSize : netlinkAligned(Int(echoed)))
    guard start <= reply.payload.count,
      let attrs = try? NetlinkAttribute.parse(reply.payload[start...], upToDamage: true),
      let text = attrs.first(where: { $0.type == 1 })  // NLMSGERR_ATTR_MSG
    else { return errno }
    let message = String(decoding: text.payload.prefix { $0 != 0 }, as: UTF8.self)
    return message.isEmpty ? errno : NetlinkKernelError(errno: errno, message: message)
  }
}
