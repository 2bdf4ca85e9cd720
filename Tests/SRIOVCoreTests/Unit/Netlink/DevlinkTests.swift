import SRIOVCore
import SystemPackage
import Testing

/// The kernel's `CTRL_CMD_NEWFAMILY` for "devlink" (family ID 0x14), attributes in `ctrl_fill_info`'s
/// order, the op list shortened to one entry.
let recordedFamilyReply = hex("""
  58 00 00 00  10 00  00 00  01 00 00 00  34 12 00 00   // nlmsghdr: len 88, GENL_ID_CTRL, seq 1, port 0x1234
  01 02 00 00                                           // genlmsghdr: CTRL_CMD_NEWFAMILY, version 2
  0c 00 02 00  64 65 76 6c 69 6e 6b 00                  // CTRL_ATTR_FAMILY_NAME "devlink\\0"
  06 00 01 00  14 00 00 00                              // CTRL_ATTR_FAMILY_ID 0x14 + pad
  08 00 03 00  01 00 00 00                              // CTRL_ATTR_VERSION 1
  08 00 04 00  00 00 00 00                              // CTRL_ATTR_HDRSIZE 0
  08 00 05 00  b4 00 00 00                              // CTRL_ATTR_MAXATTR 180
  18 00 06 80  14 00 01 80                              // CTRL_ATTR_OPS { 1 {
  08 00 01 00  1d 00 00 00                              //   CTRL_ATTR_OP_ID 29 (ESWITCH_GET)
  08 00 02 00  0a 00 00 00                              //   CTRL_ATTR_OP_FLAGS GENL_CMD_CAP_DO | HASPOL }}
  """)

/// `DEVLINK_CMD_ESWITCH_GET` reply of netdevsim/netdevsim1 in switchdev: the mode only (netdevsim
/// has no inline/encap getters), seq 2.
let recordedEswitchReply = hex("""
  3c 00 00 00  14 00  00 00  02 00 00 00  34 12 00 00   // nlmsghdr: len 60, family 0x14, seq 2
  1d 01 00 00                                           // genlmsghdr: DEVLINK_CMD_ESWITCH_GET, version 1
  0e 00 01 00  6e 65 74 64 65 76 73 69 6d 00 00 00      // DEVLINK_ATTR_BUS_NAME "netdevsim\\0" + pad
  0f 00 02 00  6e 65 74 64 65 76 73 69 6d 31 00 00      // DEVLINK_ATTR_DEV_NAME "netdevsim1\\0" + pad
  06 00 19 00  01 00 00 00                              // DEVLINK_ATTR_ESWITCH_MODE switchdev (u16) + pad
  """)

/// A `DEVLINK_CMD_PORT_NEW` entry of a port dump, built with the attribute writer in
/// `devlink_nl_port_fill`'s order.
func portReply(
  seq: UInt32, bus: String = "pci", dev: String, index: UInt32, flavour: UInt16, pf: UInt16 = 0, vf: UInt16? = nil,
  netdev: String?, ifindex: UInt32 = 7, external: Bool? = nil, command: UInt8 = 3
) -> NetlinkMessage {
  var attrs = AttributeWriter()
  attrs.raw([command, 1, 0, 0])  // DEVLINK_CMD_NEW, as 6.1's port dump fills entries (PORT_NEW = 7 for a get)
  attrs.attribute(1, Array(bus.utf8) + [0])
  attrs.attribute(2, Array(dev.utf8) + [0])
  attrs.u32(3, index)
  attrs.attribute(4, [2, 0])  // PORT_TYPE eth
  if let netdev {
    attrs.u32(6, ifindex)
    attrs.attribute(7, Array(netdev.utf8) + [0])
  }
  attrs.attribute(77, withUnsafeBytes(of: flavour) { Array($0) })
  attrs.attribute(127, withUnsafeBytes(of: pf) { Array($0) })
  if let vf { attrs.attribute(128, withUnsafeBytes(of: vf) { Array($0) }) }
  if let external {
    attrs.u32(150, 0)
    attrs.attribute(149, [external ? 1 : 0])
  }
  return NetlinkMessage(type: 0x14, flags: 2, sequence: seq, portID: 0x1234, payload: attrs.bytes)
}

func done(seq: UInt32) -> [UInt8] {
  NetlinkMessage(type: 3, flags: 2, sequence: seq, portID: 0x1234, payload: [0, 0, 0, 0]).encoded()
}

/// An `NLMSG_ERROR` with the kernel's extended-ack message (capped: only the request header echoed).
func extAck(seq: UInt32, errno: Int32, message: String) -> [UInt8] {
  var payload: [UInt8] = withUnsafeBytes(of: -errno) { Array($0) } + [UInt8](repeating: 0, count: 16)
  var tlvs = AttributeWriter()
  tlvs.attribute(1, Array(message.utf8) + [0])  // NLMSGERR_ATTR_MSG
  payload += tlvs.bytes
  return NetlinkMessage(type: 2, flags: 0x300, sequence: seq, portID: 0x1234, payload: payload).encoded()
}

let nsim1 = try! DevlinkHandle(parsing: "netdevsim/netdevsim1")
let pci0300 = try! DevlinkHandle(parsing: "pci/0000:03:00.0")

@Suite("Devlink: request bytes")
struct DevlinkRequestTests {
  @Test func getFamily() throws {
    let transport = ReplayTransport([recordedFamilyReply])
    #expect(try DevlinkSession(transport: transport).family() == 0x14)
    #expect(transport.sent == [hex("""
      20 00 00 00  10 00  01 00  01 00 00 00  00 00 00 00   // len 32, GENL_ID_CTRL, NLM_F_REQUEST, seq 1, port 0
      03 02 00 00                                           // genlmsghdr: CTRL_CMD_GETFAMILY, version 2
      0c 00 02 00  64 65 76 6c 69 6e 6b 00                  // CTRL_ATTR_FAMILY_NAME "devlink\\0"
      """)])
  }

  @Test func eswitchGet() throws {
    let transport = ReplayTransport([recordedFamilyReply, recordedEswitchReply])
    #expect(try NetlinkDevlink { transport }.eswitch(nsim1) == .supported(EswitchSettings(mode: .switchdev)))
    #expect(transport.sent.count == 2)
    #expect(transport.sent[1] == hex("""
      34 00 00 00  14 00  01 00  02 00 00 00  00 00 00 00   // len 52, family 0x14, NLM_F_REQUEST, seq 2
      1d 01 00 00                                           // DEVLINK_CMD_ESWITCH_GET, version 1
      0e 00 01 00  6e 65 74 64 65 76 73 69 6d 00 00 00      // DEVLINK_ATTR_BUS_NAME "netdevsim\\0" + pad
      0f 00 02 00  6e 65 74 64 65 76 73 69 6d 31 00 00      // DEVLINK_ATTR_DEV_NAME "netdevsim1\\0" + pad
      """))
  }

  @Test func eswitchGetPCIHandle() {
    #expect(DevlinkCodec.eswitchGetPayload(pci0300) == hex("""
      1d 01 00 00                                           // DEVLINK_CMD_ESWITCH_GET, version 1
      08 00 01 00  70 63 69 00                              // DEVLINK_ATTR_BUS_NAME "pci\\0"
      11 00 02 00  30 30 30 30 3a 30 33 3a 30 30 2e 30 00 00 00 00   // DEVLINK_ATTR_DEV_NAME "0000:03:00.0\\0" + pad
      """))
  }

  @Test func eswitchSetEveryAttribute() throws {
    let transport = ReplayTransport([recordedFamilyReply, ack(seq: 2)])
    try NetlinkDevlink { transport }.setEswitch(nsim1, mode: .switchdev, inlineMode: .transport, encapMode: .basic)
    #expect(transport.sent[1] == hex("""
      4c 00 00 00  14 00  05 00  02 00 00 00  00 00 00 00   // len 76, family 0x14, REQUEST|ACK, seq 2
      1e 01 00 00                                           // DEVLINK_CMD_ESWITCH_SET, version 1
      0e 00 01 00  6e 65 74 64 65 76 73 69 6d 00 00 00      // BUS_NAME "netdevsim"
      0f 00 02 00  6e 65 74 64 65 76 73 69 6d 31 00 00      // DEV_NAME "netdevsim1"
      06 00 19 00  01 00 00 00                              // ESWITCH_MODE switchdev (u16) + pad
      05 00 1a 00  03 00 00 00                              // ESWITCH_INLINE_MODE transport (u8) + pad
      05 00 3e 00  01 00 00 00                              // ESWITCH_ENCAP_MODE basic (u8) + pad
      """))
  }

  @Test func eswitchSetModeOnlyLeavesTheRestOut() {
    #expect(DevlinkCodec.eswitchSetPayload(nsim1, mode: .legacy) == hex("""
      1e 01 00 00
      0e 00 01 00  6e 65 74 64 65 76 73 69 6d 00 00 00
      0f 00 02 00  6e 65 74 64 65 76 73 69 6d 31 00 00
      06 00 19 00  00 00 00 00                              // ESWITCH_MODE legacy
      """))
    #expect(DevlinkCodec.eswitchSetPayload(nsim1, mode: nil, encapMode: EswitchEncapMode.none).suffix(8) == hex("05 00 3e 00  00 00 00 00"))
  }

  @Test func portDump() throws {
    let transport = ReplayTransport([recordedFamilyReply, done(seq: 2)])
    #expect(try NetlinkDevlink { transport }.ports().isEmpty)
    #expect(transport.sent[1] == hex("""
      14 00 00 00  14 00  01 03  02 00 00 00  00 00 00 00   // len 20, family 0x14, REQUEST|DUMP, seq 2
      05 01 00 00                                           // DEVLINK_CMD_PORT_GET, version 1
      """))
  }
}

@Suite("Devlink: replies")
struct DevlinkReplyTests {
  @Test func multipartPortDumpAcrossDatagrams() throws {
    // netdevsim in switchdev with 2 VFs: the physical port, two pcivf representors; a stale
    // message of another request in between; NLMSG_DONE in the third datagram.
    let first = portReply(seq: 2, bus: "netdevsim", dev: "netdevsim1", index: 0, flavour: 0, netdev: "eth0", ifindex: 2).encoded()
      + portReply(seq: 9, bus: "netdevsim", dev: "netdevsim1", index: 5, flavour: 4, vf: 7, netdev: "bogus").encoded()
      + portReply(seq: 2, bus: "netdevsim", dev: "netdevsim1", index: 128, flavour: 4, vf: 0, netdev: "eth1", ifindex: 3).encoded()
    let second = portReply(seq: 2, bus: "netdevsim", dev: "netdevsim1", index: 129, flavour: 4, vf: 1, netdev: "eth2", ifindex: 4, command: 7).encoded()
    let transport = ReplayTransport([recordedFamilyReply, first, second, done(seq: 2)])
    let ports = try NetlinkDevlink { transport }.ports()
    #expect(ports.map(\.index) == [0, 128, 129])
    #expect(ports[0].flavour == .physical && ports[0].netdev == "eth0" && ports[0].vfNumber == nil)
    #expect(ports[1] == DevlinkPort(handle: nsim1, index: 128, flavour: .pcivf, pfNumber: 0, vfNumber: 0, netdev: "eth1", ifindex: 3))
    let reps = ports.representors(of: nsim1)
    #expect(reps.mapValues(\.netdev) == [0: "eth1", 1: "eth2"])
    #expect(ports.representors(of: pci0300).isEmpty)
  }

  @Test func externalAndNetdevlessPortsAreNoRepresentors() {
    let ports = [
      DevlinkPort(handle: pci0300, index: 1, flavour: .pcivf, pfNumber: 0, vfNumber: 0, controller: 1, external: true, netdev: "eth9"),
      DevlinkPort(handle: pci0300, index: 2, flavour: .pcivf, pfNumber: 0, vfNumber: 1, netdev: nil),
      DevlinkPort(handle: pci0300, index: 3, flavour: .pcisf, pfNumber: 0, vfNumber: 2, netdev: "eth3"),
      DevlinkPort(handle: pci0300, index: 4, flavour: .pcivf, pfNumber: 0, vfNumber: 0, controller: 0, external: false, netdev: "pf0vf0"),
    ]
    #expect(ports.representors(of: pci0300).mapValues(\.netdev) == [0: "pf0vf0"])
  }

  @Test func eswitchWithInlineAndEncap() throws {
    var attrs = AttributeWriter()
    attrs.raw([29, 1, 0, 0])
    attrs.attribute(1, Array("pci".utf8) + [0])
    attrs.attribute(2, Array("0000:03:00.0".utf8) + [0])
    attrs.attribute(25, [0, 0])
    attrs.attribute(26, [2])
    attrs.attribute(62, [1])
    let message = NetlinkMessage(type: 0x14, flags: 0, sequence: 2, portID: 0x1234, payload: attrs.bytes)
    let (handle, settings) = try DevlinkCodec.parseEswitch(message)
    #expect(handle == pci0300)
    #expect(settings == EswitchSettings(mode: .legacy, inlineMode: .network, encapMode: .basic))
  }

  @Test func unsupportedDevicesAreAnswersNotErrors() throws {
    // igb and nvme register no devlink instance: ENODEV. A driver without eSwitch ops: EOPNOTSUPP.
    let noInstance = ReplayTransport([recordedFamilyReply, extAck(seq: 2, errno: 19, message: "")])
    #expect(try NetlinkDevlink { noInstance }.eswitch(pci0300) == .unsupported("no devlink instance"))
    let noOps = ReplayTransport([recordedFamilyReply, ack(seq: 2, errno: 95)])
    #expect(try NetlinkDevlink { noOps }.eswitch(pci0300) == .unsupported("its driver has no eSwitch (EOPNOTSUPP)"))
    let noDevlink = ReplayTransport([ack(seq: 1, errno: 2)])
    #expect(try NetlinkDevlink { noDevlink }.eswitch(pci0300) == .unsupported("this kernel has no devlink"))
    let noDevlinkPorts = ReplayTransport([ack(seq: 1, errno: 2)])
    #expect(try NetlinkDevlink { noDevlinkPorts }.ports().isEmpty)
    let denied = ReplayTransport([recordedFamilyReply, ack(seq: 2, errno: 1)])
    #expect(throws: Errno.notPermitted) { try NetlinkDevlink { denied }.eswitch(pci0300) }
  }

  @Test func setRefusalKeepsTheKernelsWords() throws {
    let transport = ReplayTransport([recordedFamilyReply, extAck(seq: 2, errno: 16, message: "Can't change mode while VFs are bound")])
    #expect(throws: NetlinkKernelError(errno: .resourceBusy, message: "Can't change mode while VFs are bound")) {
      try NetlinkDevlink { transport }.setEswitch(nsim1, mode: .switchdev, inlineMode: nil, encapMode: nil)
    }
  }

  @Test func replyAboutAnotherDeviceIsRejected() {
    let transport = ReplayTransport([recordedFamilyReply, recordedEswitchReply])
    #expect(throws: NetlinkFormatError.self) { try NetlinkDevlink { transport }.eswitch(pci0300) }
  }

  @Test func malformedReplies() throws {
    let reply = try #require(try NetlinkMessage.split(recordedEswitchReply).first)
    var wrongCommand = reply
    wrongCommand.payload[0] = 30
    #expect(throws: NetlinkFormatError.self) { try DevlinkCodec.parseEswitch(wrongCommand) }
    var unknownMode = reply
    unknownMode.payload[unknownMode.payload.count - 4] = 9
    #expect(throws: NetlinkFormatError("unknown eSwitch mode 9")) { try DevlinkCodec.parseEswitch(unknownMode) }
    let noHandle = NetlinkMessage(type: 0x14, flags: 0, sequence: 2, payload: [29, 1, 0, 0, 6, 0, 25, 0, 1, 0, 0, 0])
    #expect(throws: NetlinkFormatError.self) { try DevlinkCodec.parseEswitch(noHandle) }
    let short = NetlinkMessage(type: 0x14, flags: 0, sequence: 2, payload: [7, 1])
    #expect(throws: NetlinkFormatError.self) { try DevlinkCodec.parsePort(short) }
    let eswitchNotPort = portReply(seq: 2, dev: "0000:03:00.0", index: 1, flavour: 4, vf: 0, netdev: "eth1", command: 29)
    #expect(throws: NetlinkFormatError.self) { try DevlinkCodec.parsePort(eswitchNotPort) }
    // A handle with a slash could name a path: refused.
    var slashed = portReply(seq: 2, bus: "net/../x", dev: "d", index: 1, flavour: 4, vf: 0, netdev: "eth1")
    #expect(throws: NetlinkFormatError.self) { try DevlinkCodec.parsePort(slashed) }
    slashed = portReply(seq: 2, dev: "0000:03:00.0", index: 1, flavour: 4, vf: 0, netdev: "../../etc")
    #expect(try DevlinkCodec.parsePort(slashed).netdev == nil)
  }

  @Test func handles() throws {
    #expect(try DevlinkHandle(parsing: "pci/3b:00.0").description == "pci/0000:3b:00.0")
    #expect(try DevlinkHandle(parsing: "pci/0000:3b:00.0").pciAddress?.description == "0000:3b:00.0")
    #expect(nsim1.pciAddress == nil && nsim1.bus == "netdevsim")
    for bad in ["pci", "netdevsim/", "/x", "a/b/c", "pci/zz:00.0", "netdevsim/..", "bus/na me"] {
      #expect(throws: ParseError.self, "\(bad)") { try DevlinkHandle(parsing: bad) }
    }
  }
}

@Suite("Devlink: garbage never crashes the parsers")
struct DevlinkFuzzTests {
  func parseAll(_ bytes: [UInt8]) {
    guard let messages = try? NetlinkMessage.split(bytes) else { return }
    for message in messages {
      _ = try? DevlinkCodec.parseFamilyID(message)
      _ = try? DevlinkCodec.parseEswitch(message)
      _ = try? DevlinkCodec.parsePort(message)
    }
  }

  @Test func truncationsAndBitFlips() {
    let samples = [recordedFamilyReply, recordedEswitchReply,
      portReply(seq: 2, dev: "0000:03:00.0", index: 1, flavour: 4, vf: 3, netdev: "eth1", external: false).encoded()]
    var rand = NetlinkFuzzTests.Rand(state: 0xD00D_F00D)
    for sample in samples {
      for length in 0...sample.count {
        var cut = Array(sample.prefix(length))
        parseAll(cut)
        if cut.count >= 4 { cut.replaceSubrange(0..<4, with: withUnsafeBytes(of: UInt32(cut.count)) { Array($0) }) }
        parseAll(cut)
      }
      for _ in 0..<1500 {
        var flipped = sample
        for _ in 0..<(1 + rand.next() % 4) {
          let at = Int(rand.next() % UInt64(flipped.count))
          flipped[at] ^= UInt8(truncatingIfNeeded: 1 << (rand.next() % 8))
        }
        parseAll(flipped)
      }
    }
  }
}
