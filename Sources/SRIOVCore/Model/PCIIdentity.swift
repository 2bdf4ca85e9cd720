/// A 16-bit PCI vendor, device or subsystem ID. Rendered as four lowercase hex digits, no `0x`.
public struct PCIID: Hashable, Sendable, CustomStringConvertible {
  public let value: UInt16
  public init(_ value: UInt16) { self.value = value }

  /// Parses the sysfs form `0x8086` (and the bare form `154c` of `sriov_vf_device`).
  public init(parsing text: String) throws(ParseError) {
    guard let v = Hex.parse(Substring(text), as: UInt16.self) else {
      throw ParseError(input: text, what: "a PCI ID", expected: "four hex digits, e.g. 0x8086")
    }
    value = v
  }

  public var description: String { Hex.format(value, width: 4) }
}

/// The 24-bit class code: base class, subclass, programming interface.
public struct PCIClass: Hashable, Sendable, CustomStringConvertible {
  public let value: UInt32
  public init(_ value: UInt32) { self.value = value & 0xff_ffff }

  public init(parsing text: String) throws(ParseError) {
    guard let v = Hex.parse(Substring(text), as: UInt32.self), v <= 0xff_ffff else {
      throw ParseError(input: text, what: "a PCI class code", expected: "six hex digits, e.g. 0x020000")
    }
    value = v
  }

  public var baseClass: UInt8 { UInt8(value >> 16) }
  /// Base class and subclass, the 16-bit form pci.ids and lspci name.
  public var classID: UInt16 { UInt16(value >> 8) }
  public var isNetwork: Bool { baseClass == 0x02 }
  public var isBridge: Bool { baseClass == 0x06 }
  public var description: String { Hex.format(value, width: 6) }
}
