import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// The devlink calls sriovctl needs. The live one talks generic netlink; a capture answers from its
/// stored dump; tests use a fake that behaves like a driver.
public protocol DevlinkControl {
  /// The eSwitch of one devlink instance, or why there is none. Other failures throw.
  func eswitch(_ handle: DevlinkHandle) throws -> EswitchQuery
  /// Changes what is given; kernel refusals throw the kernel's `Errno` (or `NetlinkKernelError`).
  func setEswitch(_ handle: DevlinkHandle, mode: EswitchMode?, inlineMode: EswitchInlineMode?, encapMode: EswitchEncapMode?) throws
  /// Every devlink port of the host.
  func ports() throws -> [DevlinkPort]
}

/// The errno of a netlink failure, with or without the kernel's extended-ack text.
func netlinkErrno(_ error: any Error) -> Errno? {
  (error as? Errno) ?? (error as? NetlinkKernelError)?.errno
}

/// One generic netlink conversation with devlink: the family ID is resolved once per transport.
public final class DevlinkSession {
  private let netlink: RouteNetlink
  private var familyID: UInt16?

  public init(transport: any NetlinkTransport) {
    netlink = RouteNetlink(transport: transport)
  }

  /// `CTRL_CMD_GETFAMILY "devlink"`; ENOENT when the kernel has no devlink (CONFIG_NET_DEVLINK off).
  public func family() throws -> UInt16 {
    if let familyID { return familyID }
    let replies = try netlink.request(
      type: DevlinkConstants.controllerID, flags: 0, payload: DevlinkCodec.getFamilyPayload(name: DevlinkConstants.familyName))
    guard let reply = replies.first else { throw NetlinkFormatError("no reply to CTRL_CMD_GETFAMILY") }
    let id = try DevlinkCodec.parseFamilyID(reply)
    familyID = id
    return id
  }

  public func request(flags: UInt16, payload: [UInt8]) throws -> [NetlinkMessage] {
    try netlink.request(type: try family(), flags: flags, payload: payload)
  }
}

/// devlink of the live kernel over generic netlink (a socket per call: nothing is shared).
public struct NetlinkDevlink: DevlinkControl {
  private let connect: () throws -> any NetlinkTransport

  public init(connect: @escaping () throws -> any NetlinkTransport = { try NetlinkSocket(protocol: DevlinkConstants.netlinkGeneric) }) {
    self.connect = connect
  }

  public func eswitch(_ handle: DevlinkHandle) throws -> EswitchQuery {
    let session = DevlinkSession(transport: try connect())
    do {
      _ = try session.family()
    } catch where netlinkErrno(error)?.rawValue == ENOENT {
      return .unsupported("this kernel has no devlink")
    }
    do {
      let replies = try session.request(flags: 0, payload: DevlinkCodec.eswitchGetPayload(handle))
      guard let reply = replies.first else { throw NetlinkFormatError("no reply to DEVLINK_CMD_ESWITCH_GET") }
      let (about, settings) = try DevlinkCodec.parseEswitch(reply)
      guard about == handle else { throw NetlinkFormatError("asked about \(handle), the reply is about \(about)") }
      return .supported(settings)
    } catch {
      switch netlinkErrno(error)?.rawValue {
      case ENODEV?: return .unsupported("no devlink instance")
      case EOPNOTSUPP?: return .unsupported("its driver has no eSwitch (EOPNOTSUPP)")
      default: throw error
      }
    }
  }

  public func setEswitch(_ handle: DevlinkHandle, mode: EswitchMode?, inlineMode: EswitchInlineMode?, encapMode: EswitchEncapMode?) throws {
    let session = DevlinkSession(transport: try connect())
    _ = try session.request(
      flags: NetlinkConstants.flagAck,
      payload: DevlinkCodec.eswitchSetPayload(handle, mode: mode, inlineMode: inlineMode, encapMode: encapMode))
  }

  public func ports() throws -> [DevlinkPort] {
    let session = DevlinkSession(transport: try connect())
    do {
      _ = try session.family()
    } catch where netlinkErrno(error)?.rawValue == ENOENT {
      return []
    }
    return try session.request(flags: NetlinkConstants.flagDump, payload: DevlinkCodec.portDumpPayload()).map(DevlinkCodec.parsePort)
  }
}
