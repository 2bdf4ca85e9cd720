import Foundation
import SRIOVCore
import Testing

@Suite("Model parsing")
struct ModelTests {
  @Test("PCI address, full form", arguments: [
    ("0000:3b:00.0", 0x0000, 0x3b, 0x00, 0),
    ("0000:19:00.3", 0x0000, 0x19, 0x00, 3),
    ("abcd:ff:1f.7", 0xabcd, 0xff, 0x1f, 7),
    ("0000:3B:02.1", 0x0000, 0x3b, 0x02, 1),
  ])
  func fullAddress(text: String, domain: Int, bus: Int, device: Int, function: Int) throws {
    let a = try PCIAddress(parsing: text)
    let fields: [Int] = [Int(a.domain), Int(a.bus), Int(a.device), Int(a.function)]
    #expect(fields == [domain, bus, device, function])
    #expect(a.description == text.lowercased())
  }

  @Test func shortAddressMeansDomainZero() throws {
    let a = try PCIAddress(parsing: "3b:00.0")
    #expect(a == PCIAddress(domain: 0, bus: 0x3b, device: 0, function: 0))
    #expect(a.description == "0000:3b:00.0")
  }

  @Test func addressesSortByDomainBusDeviceFunction() throws {
    let texts = ["0000:19:00.0", "0000:18:1f.7", "0001:00:00.0", "0000:18:10.0", "0000:18:10.1"]
    let sorted = try texts.map { try PCIAddress(parsing: $0) }.sorted().map(\.description)
    #expect(sorted == ["0000:18:10.0", "0000:18:10.1", "0000:18:1f.7", "0000:19:00.0", "0001:00:00.0"])
  }

  @Test("invalid PCI addresses quote the input and show the expected form", arguments: [
    "3b:00.9",  // function > 7
    "0000:3b:0.0",  // one-digit device
    "zz:00.0",  // not hex
    "",
    "3b:20.0",  // device > 31
    "000:3b:00.0",  // three-digit domain
    "0000:3b:00.0:0",
    "0000:3b:00",
    "0x3b:00.0",
  ])
  func invalidAddress(text: String) {
    #expect(PCIAddress(strict: text) == nil)
    #expect(throws: ParseError(input: text, what: "a PCI address", expected: "DDDD:BB:DD.F or BB:DD.F, e.g. 0000:3b:00.0")) {
      try PCIAddress(parsing: text)
    }
  }

  @Test func addressErrorText() {
    let error = ParseError(input: "3b:00.9", what: "a PCI address", expected: "DDDD:BB:DD.F or BB:DD.F, e.g. 0000:3b:00.0")
    #expect(error.description == "'3b:00.9' is not a PCI address (expected DDDD:BB:DD.F or BB:DD.F, e.g. 0000:3b:00.0)")
    #expect(error.message == error.description)
    #expect(error.kind == .usage)
  }

  @Test("valid interface names", arguments: ["enp59s0f0", "eth0", "abcdefghijklmno", "enp94s0f0np0", "a.b", "-x"])
  func validNetdev(text: String) throws {
    #expect(try NetdevName(parsing: text).name == text)
  }

  @Test("invalid interface names", arguments: [
    "/", "a/b", "../etc", "..", ".", "", "abcdefghijklmnop", "a b", "a\tb", " eth0", "eth0\n", "eth0:1", "e\0",
    "ééééééééé",  // 9 characters but 18 bytes
    "a\u{0B}b", "a\u{0C}b", "a\rb", "eth0\r\n", "é\u{2003}x",  // ASCII and Unicode white space
  ])
  func invalidNetdev(text: String) {
    #expect(throws: ParseError(input: text, what: "a network interface name",
      expected: "1-15 characters without '/', ':' or spaces, e.g. enp59s0f0")) {
      try NetdevName(parsing: text)
    }
  }

  /// Addresses are parsed and printed from bytes; both agree with each other at the edges.
  @Test("PCI address text round-trips", arguments: [
    PCIAddress(domain: 0, bus: 0, device: 0, function: 0), PCIAddress(domain: 0xffff, bus: 0xff, device: 31, function: 7),
    PCIAddress(domain: 0x00ab, bus: 0x3b, device: 0x1f, function: 3),
  ])
  func addressRoundTrip(address: PCIAddress) throws {
    let hex = { (value: UInt32, width: Int) in
      String(repeating: "0", count: max(0, width - String(value, radix: 16).count)) + String(value, radix: 16)
    }
    let text = "\(hex(address.domain, 4)):\(hex(UInt32(address.bus), 2)):\(hex(UInt32(address.device), 2)).\(address.function)"
    #expect(address.description == text)
    #expect(PCIAddress(strict: text) == address)
    #expect(PCIAddress(strict: text.uppercased()) == address)
    #expect(PCIAddress(strict: Substring(text)) == address)
  }

  @Test func addressBeyondFourDomainDigitsPrintsThemAll() {
    #expect(PCIAddress(domain: 0x10000, bus: 1, device: 2, function: 3).description == "10000:01:02.3")
  }

  /// Cells are aligned by Characters, the last column is not padded, trailing blanks go.
  @Test func textTableAlignsByCharacters() {
    var table = TextTable(["A", "BB", "C"])
    table.append(["Ü", "x", ""])
    table.append(["long", "y", "z"])
    #expect(table.rendered() == "A     BB  C\nÜ     x\nlong  y   z\n")
  }

  @Test func deviceRefPicksAddressOrNetdev() throws {
    #expect(try DeviceRef(parsing: "0000:3b:00.0") == .address(PCIAddress(domain: 0, bus: 0x3b, device: 0, function: 0)))
    #expect(try DeviceRef(parsing: "3b:02.3") == .address(PCIAddress(domain: 0, bus: 0x3b, device: 2, function: 3)))
    #expect(try DeviceRef(parsing: "enp59s0f0") == .netdev(try NetdevName(parsing: "enp59s0f0")))
    // Hex-only names without the address shape are interface names.
    #expect(try DeviceRef(parsing: "cafe") == .netdev(try NetdevName(parsing: "cafe")))
    #expect(try DeviceRef(parsing: "3b:00.0").description == "0000:3b:00.0")
  }

  @Test("an address-shaped ref that is wrong is a bad address, not a netdev", arguments: ["3b:00.9", "0000:3b:0.0", "3b:20.0"])
  func deviceRefBadAddress(text: String) {
    #expect(throws: ParseError(input: text, what: "a PCI address", expected: "DDDD:BB:DD.F or BB:DD.F, e.g. 0000:3b:00.0")) {
      try DeviceRef(parsing: text)
    }
  }

  @Test("a ref that is neither", arguments: ["../etc", "a/b", "", "zz:00.0", "eth0:1", "abcdefghijklmnop"])
  func deviceRefNeither(text: String) {
    #expect(throws: ParseError(input: text, what: "a PCI address or network interface name",
      expected: "0000:3b:00.0, 3b:00.0 or an interface name like enp59s0f0")) {
      try DeviceRef(parsing: text)
    }
  }

  @Test func pciID() throws {
    #expect(try PCIID(parsing: "0x8086").value == 0x8086)
    #expect(try PCIID(parsing: "154c").value == 0x154c)
    #expect(try PCIID(parsing: "0x154C").description == "154c")
    #expect(PCIID(0x15b3).description == "15b3")
    #expect(PCIID(0x1).description == "0001")
  }

  @Test("garbage PCI IDs", arguments: ["zz", "", "0x", "0x12345", "8086 ", "-1", "0x80 86"])
  func badPCIID(text: String) {
    #expect(throws: ParseError(input: text, what: "a PCI ID", expected: "four hex digits, e.g. 0x8086")) {
      try PCIID(parsing: text)
    }
  }

  @Test func pciClass() throws {
    let c = try PCIClass(parsing: "0x020000")
    #expect(c.baseClass == 0x02 && c.classID == 0x0200 && c.isNetwork && !c.isBridge)
    #expect(c.description == "020000")
    #expect(try PCIClass(parsing: "0x060400").isBridge)
    #expect(throws: ParseError(input: "0x1000000", what: "a PCI class code", expected: "six hex digits, e.g. 0x020000")) {
      try PCIClass(parsing: "0x1000000")
    }
  }

  @Test func acsFlagNamesInLspciOrder() {
    #expect(ACSFlags(rawValue: 0x005f).names == ["SrcValid", "TransBlk", "ReqRedir", "CmpltRedir", "UpstreamFwd", "DirectTrans"])
    #expect(ACSFlags(rawValue: 0x001d).names == ["SrcValid", "ReqRedir", "CmpltRedir", "UpstreamFwd"])
    #expect(ACSFlags(rawValue: 0x001d) == .requiredForIsolation)
    #expect(ACSFlags(rawValue: 0).names == [])
    #expect(ACSStatus.unreadable.label == "unreadable" && ACSStatus.absent.label == "absent")
  }

  @Test func sriovErrorLine() {
    let e = SRIOVError("0000:3b:00.0", "no such PCI device", hint: "run 'sriovctl list --all'")
    #expect(e.message == "0000:3b:00.0: no such PCI device")
    #expect(e.hint == "run 'sriovctl list --all'" && e.kind == .failure)
  }

  @Test func hostPathNeverLeavesTheRoot() {
    let dir = HostPath("sys/bus/pci/devices")
    #expect(dir.appendingLinkTarget("../../../devices/pci0000:3a")?.description == "/sys/devices/pci0000:3a")
    #expect(dir.appendingLinkTarget("./x/../y")?.description == "/sys/bus/pci/devices/y")
    #expect(dir.appendingLinkTarget("../../../../../etc") == nil)
    #expect(dir.appendingLinkTarget("/etc") == nil)
  }

  @Test func jsonHelperKeepsTypesApart() throws {
    // The decoder the other tests rely on must not turn `true` into 1 or `null` into a missing key.
    let v = try JSONValue(parsing: #"{"a": true, "b": 1, "c": null, "d": "x", "e": [1, "y"]}"#)
    #expect(v["a"] == .bool(true) && v["b"] == .int(1) && v["c"] == .null && v["d"] == "x" && v["e"] == [1, "y"])
    #expect(v["missing"] == nil)
  }
}
