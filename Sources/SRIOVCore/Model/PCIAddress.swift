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

  /// Nil when `text` is not an address; used to recognise address-shaped sysfs names.
  public init?(strict text: String) {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    let domainText: Substring, busText: Substring, slotText: Substring
    switch parts.count {
    case 3: (domainText, busText, slotText) = (parts[0], parts[1], parts[2])
    case 2: (domainText, busText, slotText) = ("0000", parts[0], parts[1])
    default: return nil
    }
    let slot = slotText.split(separator: ".", omittingEmptySubsequences: false)
    guard domainText.count == 4, busText.count == 2, slot.count == 2, slot[0].count == 2, slot[1].count == 1,
      let domain = Hex.parse(domainText, as: UInt32.self, allowPrefix: false),
      let bus = Hex.parse(busText, as: UInt8.self, allowPrefix: false),
      let device = Hex.parse(slot[0], as: UInt8.self, allowPrefix: false),
      let function = UInt8(slot[1]), device < 32, function < 8
    else { return nil }
    self.init(domain: domain, bus: bus, device: device, function: function)
  }

  public var description: String {
    "\(Hex.format(domain, width: 4)):\(Hex.format(bus, width: 2)):\(Hex.format(device, width: 2)).\(function)"
  }

  public static func < (a: PCIAddress, b: PCIAddress) -> Bool {
    (a.domain, a.bus, a.device, a.function) < (b.domain, b.bus, b.device, b.function)
  }
}
