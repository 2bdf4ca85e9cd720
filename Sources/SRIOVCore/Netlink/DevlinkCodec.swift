/// Generic netlink and devlink constants, copied from the UAPI headers (a stable ABI; checked against
/// `/usr/include/linux/genetlink.h` and `devlink.h` of linux-libc-dev 6.1 and upstream
/// torvalds/linux `include/uapi/linux/devlink.h`).
public enum DevlinkConstants {
  // <linux/netlink.h>
  public static let netlinkGeneric: Int32 = 16  // NETLINK_GENERIC

  // <linux/genetlink.h>
  public static let genlHeaderSize = 4  // GENL_HDRLEN: struct genlmsghdr { u8 cmd; u8 version; u16 reserved; }
  public static let controllerID: UInt16 = 16  // GENL_ID_CTRL
  public static let ctrlNewFamily: UInt8 = 1  // CTRL_CMD_NEWFAMILY
  public static let ctrlGetFamily: UInt8 = 3  // CTRL_CMD_GETFAMILY
  public static let ctrlAttrFamilyID: UInt16 = 1  // CTRL_ATTR_FAMILY_ID (u16)
  public static let ctrlAttrFamilyName: UInt16 = 2  // CTRL_ATTR_FAMILY_NAME (string)
  public static let ctrlVersion: UInt8 = 2  // what iproute2/libmnl send for the controller

  // <linux/devlink.h>
  public static let familyName = "devlink"  // DEVLINK_GENL_NAME
  public static let version: UInt8 = 1  // DEVLINK_GENL_VERSION
  // enum devlink_command ("don't change the order or add anything between, this is ABI!")
  public static let cmdNew: UInt8 = 3  // DEVLINK_CMD_NEW (what a 6.1 port *dump* answers with)
  public static let cmdPortGet: UInt8 = 5  // DEVLINK_CMD_PORT_GET (can dump)
  public static let cmdPortNew: UInt8 = 7  // DEVLINK_CMD_PORT_NEW (the answer to a port get)
  public static let cmdEswitchGet: UInt8 = 29  // DEVLINK_CMD_ESWITCH_GET
  public static let cmdEswitchSet: UInt8 = 30  // DEVLINK_CMD_ESWITCH_SET
  // enum devlink_attr
  public static let attrBusName: UInt16 = 1  // DEVLINK_ATTR_BUS_NAME (string)
  public static let attrDevName: UInt16 = 2  // DEVLINK_ATTR_DEV_NAME (string)
  public static let attrPortIndex: UInt16 = 3  // DEVLINK_ATTR_PORT_INDEX (u32)
  public static let attrPortType: UInt16 = 4  // DEVLINK_ATTR_PORT_TYPE (u16)
  public static let attrPortNetdevIfindex: UInt16 = 6  // DEVLINK_ATTR_PORT_NETDEV_IFINDEX (u32)
  public static let attrPortNetdevName: UInt16 = 7  // DEVLINK_ATTR_PORT_NETDEV_NAME (string)
  public static let attrEswitchMode: UInt16 = 25  // DEVLINK_ATTR_ESWITCH_MODE (u16)
  public static let attrEswitchInlineMode: UInt16 = 26  // DEVLINK_ATTR_ESWITCH_INLINE_MODE (u8)
  public static let attrEswitchEncapMode: UInt16 = 62  // DEVLINK_ATTR_ESWITCH_ENCAP_MODE (u8)
  public static let attrPortFlavour: UInt16 = 77  // DEVLINK_ATTR_PORT_FLAVOUR (u16)
  public static let attrPortPCIPFNumber: UInt16 = 127  // DEVLINK_ATTR_PORT_PCI_PF_NUMBER (u16)
  public static let attrPortPCIVFNumber: UInt16 = 128  // DEVLINK_ATTR_PORT_PCI_VF_NUMBER (u16)
  public static let attrPortExternal: UInt16 = 149  // DEVLINK_ATTR_PORT_EXTERNAL (u8)
  public static let attrPortControllerNumber: UInt16 = 150  // DEVLINK_ATTR_PORT_CONTROLLER_NUMBER (u32)
}

/// The generic netlink messages sriovctl sends (family lookup, eSwitch get/set, port dump) and the
/// parsers for the replies. Pure functions over bytes.
public enum DevlinkCodec {
  typealias K = DevlinkConstants

  /// `struct genlmsghdr`.
  static func genlHeader(command: UInt8, version: UInt8) -> [UInt8] { [command, version, 0, 0] }

  /// A NUL-terminated string attribute (`NLA_NUL_STRING`/`NLA_STRING`; the kernel accepts both).
  static func string(_ type: UInt16, _ text: String, into attrs: inout AttributeWriter) {
    attrs.attribute(type, Array(text.utf8) + [0])
  }

  static func handleAttributes(_ handle: DevlinkHandle, into attrs: inout AttributeWriter) {
    string(K.attrBusName, handle.bus, into: &attrs)
    string(K.attrDevName, handle.device, into: &attrs)
  }

  /// `CTRL_CMD_GETFAMILY` for one family by name (sent to `GENL_ID_CTRL`).
  public static func getFamilyPayload(name: String) -> [UInt8] {
    var attrs = AttributeWriter()
    attrs.raw(genlHeader(command: K.ctrlGetFamily, version: K.ctrlVersion))
    string(K.ctrlAttrFamilyName, name, into: &attrs)
    return attrs.bytes
  }

  /// `DEVLINK_CMD_ESWITCH_GET` for one instance.
  public static func eswitchGetPayload(_ handle: DevlinkHandle) -> [UInt8] {
    var attrs = AttributeWriter()
    attrs.raw(genlHeader(command: K.cmdEswitchGet, version: K.version))
    handleAttributes(handle, into: &attrs)
    return attrs.bytes
  }

  /// `DEVLINK_CMD_ESWITCH_SET`: only the attributes given are sent, so the others stay as they are
  /// (iproute2 does the same).
  public static func eswitchSetPayload(
    _ handle: DevlinkHandle, mode: EswitchMode?, inlineMode: EswitchInlineMode? = nil, encapMode: EswitchEncapMode? = nil
  ) -> [UInt8] {
    var attrs = AttributeWriter()
    attrs.raw(genlHeader(command: K.cmdEswitchSet, version: K.version))
    handleAttributes(handle, into: &attrs)
    if let mode {
      var payload: [UInt8] = []
      HostOrder.append(mode.kernelValue, to: &payload)
      attrs.attribute(K.attrEswitchMode, payload)
    }
    if let inlineMode { attrs.attribute(K.attrEswitchInlineMode, [inlineMode.kernelValue]) }
    if let encapMode { attrs.attribute(K.attrEswitchEncapMode, [encapMode.kernelValue]) }
    return attrs.bytes
  }

  /// `DEVLINK_CMD_PORT_GET` as a dump of every port (6.1 kernels ignore a handle in a port dump, so
  /// the caller filters).
  public static func portDumpPayload() -> [UInt8] {
    genlHeader(command: K.cmdPortGet, version: K.version)
  }

  /// The attributes after the `genlmsghdr` of a reply to `command`.
  static func attributes(_ message: NetlinkMessage, command: UInt8, also: UInt8? = nil, what: String) throws(NetlinkFormatError) -> [NetlinkAttribute] {
    guard message.payload.count >= K.genlHeaderSize else {
      throw NetlinkFormatError("\(what) reply with \(message.payload.count) bytes, shorter than genlmsghdr")
    }
    guard message.payload[0] == command || message.payload[0] == also else {
      throw NetlinkFormatError("expected \(what) (command \(command)), got command \(message.payload[0])")
    }
    return try NetlinkAttribute.parse(message.payload[K.genlHeaderSize...])
  }

  /// The family ID from `CTRL_CMD_NEWFAMILY`.
  public static func parseFamilyID(_ message: NetlinkMessage) throws(NetlinkFormatError) -> UInt16 {
    let attrs = try attributes(message, command: K.ctrlNewFamily, what: "CTRL_CMD_NEWFAMILY")
    guard let id = attrs.first(where: { $0.type == K.ctrlAttrFamilyID }) else {
      throw NetlinkFormatError("CTRL_CMD_NEWFAMILY without CTRL_ATTR_FAMILY_ID")
    }
    return try u16(id, "CTRL_ATTR_FAMILY_ID")
  }

  /// One eSwitch reply, with the handle it is about.
  public static func parseEswitch(_ message: NetlinkMessage) throws(NetlinkFormatError) -> (DevlinkHandle, EswitchSettings) {
    let attrs = try attributes(message, command: K.cmdEswitchGet, what: "DEVLINK_CMD_ESWITCH_GET")
    let handle = try parseHandle(attrs, what: "DEVLINK_CMD_ESWITCH_GET")
    var settings = EswitchSettings(mode: nil)
    for attr in attrs {
      switch attr.type {
      case K.attrEswitchMode:
        let raw = try u16(attr, "DEVLINK_ATTR_ESWITCH_MODE")
        guard let mode = EswitchMode(kernelValue: raw) else {
          throw NetlinkFormatError("unknown eSwitch mode \(raw)")
        }
        settings.mode = mode
      case K.attrEswitchInlineMode:
        let raw = try u8(attr, "DEVLINK_ATTR_ESWITCH_INLINE_MODE")
        settings.inlineMode = EswitchInlineMode(kernelValue: raw)
      case K.attrEswitchEncapMode:
        let raw = try u8(attr, "DEVLINK_ATTR_ESWITCH_ENCAP_MODE")
        settings.encapMode = EswitchEncapMode(kernelValue: raw)
      default:
        continue
      }
    }
    return (handle, settings)
  }

  /// One entry of the port dump.
  public static func parsePort(_ message: NetlinkMessage) throws(NetlinkFormatError) -> DevlinkPort {
    // Linux 6.1's port dump fills each entry with DEVLINK_CMD_NEW (observed), a get with PORT_NEW.
    let attrs = try attributes(message, command: K.cmdPortNew, also: K.cmdNew, what: "DEVLINK_CMD_PORT_NEW")
    let handle = try parseHandle(attrs, what: "DEVLINK_CMD_PORT_NEW")
    guard let indexAttr = attrs.first(where: { $0.type == K.attrPortIndex }) else {
      throw NetlinkFormatError("DEVLINK_CMD_PORT_NEW without DEVLINK_ATTR_PORT_INDEX")
    }
    var flavour: DevlinkPortFlavour?
    var pf: Int?, vf: Int?, controller: Int?, external: Bool?, netdev: String?, ifindex: Int?
    for attr in attrs {
      switch attr.type {
      case K.attrPortFlavour: flavour = DevlinkPortFlavour(kernelValue: try u16(attr, "DEVLINK_ATTR_PORT_FLAVOUR"))
      case K.attrPortPCIPFNumber: pf = Int(try u16(attr, "DEVLINK_ATTR_PORT_PCI_PF_NUMBER"))
      case K.attrPortPCIVFNumber: vf = Int(try u16(attr, "DEVLINK_ATTR_PORT_PCI_VF_NUMBER"))
      case K.attrPortControllerNumber: controller = Int(try attr.word(0))
      case K.attrPortExternal: external = try u8(attr, "DEVLINK_ATTR_PORT_EXTERNAL") != 0
      case K.attrPortNetdevName: netdev = try text(attr, "DEVLINK_ATTR_PORT_NETDEV_NAME")
      case K.attrPortNetdevIfindex: ifindex = Int(try attr.word(0))
      default: continue
      }
    }
    // A netdev name the kernel could never have given is treated as none rather than trusted.
    if let name = netdev, (try? NetdevName(parsing: name)) == nil { netdev = nil }
    return DevlinkPort(
      handle: handle, index: try indexAttr.word(0), flavour: flavour, pfNumber: pf, vfNumber: vf,
      controller: controller, external: external, netdev: netdev, ifindex: ifindex)
  }

  static func parseHandle(_ attrs: [NetlinkAttribute], what: String) throws(NetlinkFormatError) -> DevlinkHandle {
    guard let bus = attrs.first(where: { $0.type == K.attrBusName }), let dev = attrs.first(where: { $0.type == K.attrDevName }) else {
      throw NetlinkFormatError("\(what) without DEVLINK_ATTR_BUS_NAME and DEVLINK_ATTR_DEV_NAME")
    }
    let busName = try text(bus, "DEVLINK_ATTR_BUS_NAME"), devName = try text(dev, "DEVLINK_ATTR_DEV_NAME")
    do {
      return try DevlinkHandle(bus: busName, device: devName)
    } catch {
      throw NetlinkFormatError("\(what) names an invalid handle: \(error)")
    }
  }

  static func u8(_ attr: NetlinkAttribute, _ name: String) throws(NetlinkFormatError) -> UInt8 {
    guard let value = attr.payload.first else { throw NetlinkFormatError("\(name) is empty") }
    return value
  }

  static func u16(_ attr: NetlinkAttribute, _ name: String) throws(NetlinkFormatError) -> UInt16 {
    guard let value = HostOrder.read(UInt16.self, attr.payload, at: 0) else {
      throw NetlinkFormatError("\(name) has \(attr.payload.count) bytes, too short for a u16")
    }
    return value
  }

  /// A string attribute up to its NUL; invalid UTF-8 is an error, not a replacement character.
  static func text(_ attr: NetlinkAttribute, _ name: String) throws(NetlinkFormatError) -> String {
    let bytes = Array(attr.payload.prefix { $0 != 0 })
    guard let value = String(validating: bytes, as: UTF8.self) else { throw NetlinkFormatError("\(name) is not UTF-8") }
    return value
  }
}
