/// A PCI function address, `DDDD:BB:DD.F`.
public struct PCIAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
  public let domain: UInt32
  public let bus: UInt8
  public let device: UInt8
  public let function: UInt8

  public init(domain: UInt32 = 0, bus: UInt8, device: UInt8, function: UInt8) {
    precondition(device < 32 && function < 8, "device < 32, function < 8")
    self.domain = domain
    self.bus = bus
    self.device = device
    self.function = function
  }

  /// Accepts the full form `0000:3b:00.0` or the short form `3b:00.0` (domain 0).
  public init(parsing text: String) throws(ParseError) {
    guard let parsed = PCIAddress(strict: text) else {
      throw ParseError(input: text, what: "a PCI address", expected: "DDDD:BB:DD.F or BB:DD.F, e.g. 0000:3b:00.0")
    }
    self = parsed
  }

  /// Nil when `text` is not an address; used to recognise address-shaped sysfs names. Parsed from
  /// the UTF-8 bytes: sysfs listings and link targets are scanned component by component, and what
  /// this accepts is ASCII, 12 or 7 bytes long (`DDDD:BB:DD.F` or `BB:DD.F`, hex digits in either
  /// case, device < 32, function 0-7), so other names are refused by their length alone.
  public init?(strict text: String) {
    var text = text
    guard let parsed = text.withUTF8(Self.parse) else { return nil }
    self = parsed
  }

  public init?(strict text: Substring) {
    var text = text
    guard let parsed = text.withUTF8(Self.parse) else { return nil }
    self = parsed
  }

  private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> PCIAddress? {
    let count: Int = bytes.count
    guard count == 12 || count == 7 else { return nil }
    let base: Int = count == 12 ? 5 : 0
    var domain: UInt32 = 0
    if count == 12 {
      guard bytes[4] == UInt8(ascii: ":") else { return nil }
      for i in 0..<4 {
        guard let digit = Hex.digit(bytes[i]) else { return nil }
        domain = domain << 4 | UInt32(digit)
      }
    }
    guard bytes[base + 2] == UInt8(ascii: ":"), bytes[base + 5] == UInt8(ascii: "."),
      let b1 = Hex.digit(bytes[base]), let b2 = Hex.digit(bytes[base + 1]),
      let d1 = Hex.digit(bytes[base + 3]), let d2 = Hex.digit(bytes[base + 4])
    else { return nil }
    let f: UInt8 = bytes[base + 6]
    guard f >= UInt8(ascii: "0"), f <= UInt8(ascii: "7") else { return nil }
    let device: UInt8 = d1 << 4 | d2
    guard device < 32 else { return nil }
    return PCIAddress(domain: domain, bus: b1 << 4 | b2, device: device, function: f - UInt8(ascii: "0"))
  }

  /// `0000:3b:02.0`, formatted byte by byte: listings format thousands of addresses.
  public var description: String {
    guard domain <= 0xffff else {
      return "\(Hex.format(domain, width: 4)):\(Hex.format(bus, width: 2)):\(Hex.format(device, width: 2)).\(function)"
    }
    let (domain, bus, device, function) = (Int(domain), Int(bus), Int(device), function)
    return String(unsafeUninitializedCapacity: 12) { out in
      out[0] = Hex.lowercase(domain >> 12 & 0xf)
      out[1] = Hex.lowercase(domain >> 8 & 0xf)
      out[2] = Hex.lowercase(domain >> 4 & 0xf)
      out[3] = Hex.lowercase(domain & 0xf)
      out[4] = UInt8(ascii: ":")
      out[5] = Hex.lowercase(bus >> 4)
      out[6] = Hex.lowercase(bus & 0xf)
      out[7] = UInt8(ascii: ":")
      out[8] = Hex.lowercase(device >> 4)
      out[9] = Hex.lowercase(device & 0xf)
      out[10] = UInt8(ascii: ".")
      out[11] = UInt8(ascii: "0") + function
      return 12
    }
  }

  public static func < (a: PCIAddress, b: PCIAddress) -> Bool {
    (a.domain, a.bus, a.device, a.function) < (b.domain, b.bus, b.device, b.function)
  }
}
