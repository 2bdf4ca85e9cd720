import SRIOVCore
import Testing

/// Synthetic config space: a PCIe function whose capability list holds only the PCIe capability at
/// 0x40, plus extended capabilities written with `ext`.
private struct Config {
  var bytes: [UInt8]

  init(size: Int = 4096, portType: UInt8? = 0) {
    bytes = [UInt8](repeating: 0, count: size)
    put16(0x00, 0x8086)
    put16(0x02, 0x1572)
    guard let portType else { return }
    put16(0x06, 0x0010)  // Status: Cap+
    bytes[0x34] = 0x40
    bytes[0x40] = 0x10  // PCI Express, next 0
    put16(0x42, 0x0002 | UInt16(portType) << 4)
  }

  mutating func put16(_ offset: Int, _ value: UInt16) {
    bytes[offset] = UInt8(value & 0xff)
    bytes[offset + 1] = UInt8(value >> 8)
  }

  mutating func put32(_ offset: Int, _ value: UInt32) {
    put16(offset, UInt16(value & 0xffff))
    put16(offset + 2, UInt16(value >> 16))
  }

  /// An extended capability header: ID, version 1, next pointer.
  mutating func ext(_ offset: Int, id: UInt16, next: Int) {
    put32(offset, UInt32(id) | 1 << 16 | UInt32(next) << 20)
  }

  mutating func acs(at offset: Int, cap: UInt16, ctl: UInt16, next: Int = 0) {
    ext(offset, id: 0x000d, next: next)
    put16(offset + 4, cap)
    put16(offset + 6, ctl)
  }

  var space: ConfigSpace { ConfigSpace(bytes: bytes) }
}

/// An X710 PF0 as the fixture has it: AER 0x100 -> SR-IOV 0x160 -> ACS 0x1a0.
private func x710PF() -> Config {
  var c = Config()
  c.ext(0x100, id: 0x0001, next: 0x160)
  c.ext(0x160, id: 0x0010, next: 0x1a0)
  c.put32(0x164, 0x0000_0000)  // IOVCap
  c.put16(0x168, 0x0019)  // IOVCtl: VFE | MSE | ARIHierarchy
  c.put16(0x16c, 64)  // InitialVFs
  c.put16(0x16e, 64)  // TotalVFs
  c.put16(0x170, 4)  // NumVFs
  c.bytes[0x172] = 0  // FDL
  c.put16(0x174, 16)  // First VF offset
  c.put16(0x176, 1)  // VF stride
  c.put16(0x17a, 0x154c)  // VF device ID
  c.put32(0x17c, 0x553)  // Supported page sizes
  c.put32(0x180, 0x1)  // System page size
  c.acs(at: 0x1a0, cap: 0x005f, ctl: 0x001d)
  return c
}

@Suite("Config space decoding")
struct ConfigSpaceTests {
  @Test func acsPresent() {
    let space = x710PF().space
    #expect(space.acs == .present(capability: ACSFlags(rawValue: 0x005f), control: ACSFlags(rawValue: 0x001d)))
    #expect(space.extendedCapabilities()?.map(\.id) == [0x0001, 0x0010, 0x000d])
    #expect(space.extendedCapabilities()?.map(\.offset) == [0x100, 0x160, 0x1a0])
  }

  @Test func acsAbsentWhenTheChainHasNoACS() {
    var c = Config()
    c.ext(0x100, id: 0x0001, next: 0x150)
    c.ext(0x150, id: 0x000e, next: 0)  // ARI
    #expect(c.space.acs == .absent)
    #expect(c.space.sriov == .known(nil))
  }

  @Test func acsAbsentWhenThereIsNoExtendedSpaceAtAll() {
    var c = Config()
    c.put32(0x100, 0xffff_ffff)  // what a device without extended config space returns
    #expect(c.space.extendedCapabilities()?.isEmpty == true)
    #expect(c.space.acs == .absent)
  }

  @Test func sixtyFourBytesAreUnreadableNotAbsent() {
    let space = ConfigSpace(bytes: Array(x710PF().bytes.prefix(64)))
    #expect(space.readableSize == 64)
    #expect(!space.capabilitiesReadable)
    #expect(space.acs == .unreadable)
    #expect(space.sriov == .unreadable)
    #expect(space.portType == nil && !space.isPCIExpress)
    #expect(space.standardCapabilities() == nil && space.extendedCapabilities() == nil)
  }

  @Test func pcieWithOnly256BytesHasUnreadableExtendedSpace() {
    let space = ConfigSpace(bytes: Array(x710PF().bytes.prefix(256)))
    #expect(space.portType == .endpoint)
    #expect(space.acs == .unreadable)
    #expect(space.sriov == .unreadable)
  }

  @Test func conventional256ByteConfigHasNoACS() {
    let space = Config(size: 256, portType: nil).space  // host bridge: Status Cap-, no capabilities
    #expect(space.capabilitiesReadable)
    #expect(space.standardCapabilities()?.isEmpty == true)
    #expect(!space.isPCIExpress && space.portType == nil)
    #expect(space.acs == .absent)
    #expect(space.sriov == .known(nil))
  }

  @Test func conventionalWithCapabilitiesButNoPCIeHasNoACS() {
    var c = Config(size: 256, portType: nil)
    c.put16(0x06, 0x0010)
    c.bytes[0x34] = 0x50
    c.bytes[0x50] = 0x01  // Power Management, next 0
    #expect(c.space.standardCapabilities()?.map(\.id) == [0x01])
    #expect(c.space.acs == .absent)
  }

  @Test func sriovFields() throws {
    let cap = try #require(x710PF().space.sriov.value ?? nil)
    #expect(cap.initialVFs == 64 && cap.totalVFs == 64 && cap.numVFs == 4)
    #expect(cap.firstVFOffset == 16 && cap.vfStride == 1 && cap.functionDependencyLink == 0)
    #expect(cap.vfDeviceID == PCIID(0x154c))
    #expect(cap.supportedPageSizes == 0x553 && cap.systemPageSize == 0x1)
    #expect(cap.control == 0x0019)
    #expect(cap.vfEnabled && cap.vfMemorySpaceEnabled && cap.ariHierarchy)
  }

  @Test func sriovDisabledControlBits() throws {
    var c = x710PF()
    c.put16(0x168, 0x0000)
    c.put16(0x170, 0)
    let cap = try #require(c.space.sriov.value ?? nil)
    #expect(!cap.vfEnabled && !cap.vfMemorySpaceEnabled && !cap.ariHierarchy && cap.numVFs == 0)
  }

  @Test("port type", arguments: [
    (UInt8(0x0), PCIePortType.endpoint), (0x1, .legacyEndpoint), (0x4, .rootPort), (0x5, .upstreamPort),
    (0x6, .downstreamPort), (0x7, .pcieToPCIBridge), (0x8, .pciToPCIeBridge), (0x9, .rcIntegratedEndpoint),
    (0xa, .rcEventCollector),
  ])
  func portType(raw: UInt8, expected: PCIePortType) {
    #expect(Config(portType: raw).space.portType == expected)
  }

  @Test func reservedPortTypeIsUnknown() {
    #expect(Config(portType: 0x3).space.portType == nil)
    #expect(Config(portType: 0x3).space.isPCIExpress)
  }

  @Test func portTypeJSONNames() {
    #expect(PCIePortType.allCases.map(\.name) == [
      "endpoint", "legacy_endpoint", "rc_integrated_endpoint", "rc_event_collector", "root_port", "upstream_port",
      "downstream_port", "pcie_to_pci_bridge", "pci_to_pcie_bridge",
    ])
  }

  @Test func loopingStandardChainTerminates() {
    var c = Config()
    c.bytes[0x41] = 0x40  // PCIe capability points at itself
    let caps = c.space.standardCapabilities()
    #expect(caps != nil && caps!.count <= 48)
    #expect(c.space.portType == .endpoint)
  }

  @Test func loopingExtendedChainTerminates() {
    var c = Config()
    c.ext(0x100, id: 0x0001, next: 0x140)
    c.ext(0x140, id: 0x000e, next: 0x100)  // back to the start
    let caps = c.space.extendedCapabilities()
    #expect(caps != nil && caps!.count <= 960)
    #expect(c.space.acs == .absent)

    var selfLoop = Config()
    selfLoop.acs(at: 0x100, cap: 0x0001, ctl: 0x0001, next: 0x100)
    #expect(selfLoop.space.acs == .present(capability: .sourceValidation, control: .sourceValidation))
  }

  @Test func extendedNextPointerBelow0x100Ends() {
    var c = Config()
    c.ext(0x100, id: 0x0001, next: 0x040)
    c.acs(at: 0x140, cap: 0x1f, ctl: 0x1f)  // unreachable
    #expect(c.space.extendedCapabilities()?.map(\.id) == [0x0001])
    #expect(c.space.acs == .absent)
  }

  @Test func acsAtTheVeryEndOfConfigSpace() {
    var c = Config()
    c.acs(at: 0xff8, cap: 0x005f, ctl: 0x0000)
    c.ext(0x100, id: 0x0001, next: 0xff8)
    #expect(c.space.acs == .present(capability: ACSFlags(rawValue: 0x5f), control: []))
  }

  @Test func littleEndianAccessorsStopAtTheEnd() {
    let space = ConfigSpace(bytes: [0x86, 0x80, 0x72, 0x15])
    #expect(space.word(0) == 0x8086 && space.word(2) == 0x1572 && space.dword(0) == 0x1572_8086)
    #expect(space.word(3) == nil && space.dword(1) == nil && space.byte(4) == nil && space.word(-1) == nil)
  }
}
