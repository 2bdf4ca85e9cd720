/// A devlink instance as `devlink dev` prints it: bus name and device name (`pci/0000:3b:00.0`,
/// `netdevsim/netdevsim1`). Both parts are validated so neither can name a path outside a bus
/// directory when used with sysfs.
public struct DevlinkHandle: Hashable, Sendable, CustomStringConvertible, Comparable {
  public let bus: String
  public let device: String

  public init(bus: String, device: String) throws(ParseError) {
    guard Self.valid(bus), Self.valid(device) else {
      throw ParseError(input: "\(bus)/\(device)", what: "a devlink handle", expected: "BUS/NAME, e.g. pci/0000:3b:00.0 or netdevsim/netdevsim1")
    }
    self.bus = bus
    self.device = device
  }

  /// `BUS/NAME`. A PCI device name is normalised (`pci/3b:00.0` -> `pci/0000:3b:00.0`).
  public init(parsing text: String) throws(ParseError) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2 else {
      throw ParseError(input: text, what: "a devlink handle", expected: "BUS/NAME, e.g. pci/0000:3b:00.0 or netdevsim/netdevsim1")
    }
    if parts[0] == "pci" {
      let address = try PCIAddress(parsing: String(parts[1]))
      self = DevlinkHandle(pci: address)
      return
    }
    try self.init(bus: String(parts[0]), device: String(parts[1]))
  }

  public init(pci address: PCIAddress) {
    bus = "pci"
    device = address.description
  }

  /// The PCI address when the bus is `pci`.
  public var pciAddress: PCIAddress? { bus == "pci" ? PCIAddress(strict: device) : nil }

  public var description: String { "\(bus)/\(device)" }

  public static func < (a: DevlinkHandle, b: DevlinkHandle) -> Bool { a.description < b.description }

  /// Names from the kernel's bus and device tables: no `/`, no NUL, not `.`/`..`, printable.
  private static func valid(_ part: String) -> Bool {
    !part.isEmpty && part.utf8.count <= 64 && part != "." && part != ".."
      && part.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7f && $0 != "/" }
  }
}

/// `enum devlink_eswitch_mode` (include/uapi/linux/devlink.h).
public enum EswitchMode: String, Sendable, CaseIterable {
  case legacy
  case switchdev
  /// Late-2025 kernels: switchdev with traffic blocked until it is activated.
  case switchdevInactive = "switchdev_inactive"

  public var kernelValue: UInt16 {
    switch self {
    case .legacy: 0  // DEVLINK_ESWITCH_MODE_LEGACY
    case .switchdev: 1  // DEVLINK_ESWITCH_MODE_SWITCHDEV
    case .switchdevInactive: 2  // DEVLINK_ESWITCH_MODE_SWITCHDEV_INACTIVE
    }
  }

  public init?(kernelValue: UInt16) {
    guard let mode = Self.allCases.first(where: { $0.kernelValue == kernelValue }) else { return nil }
    self = mode
  }

  /// Whether VF representors exist in this mode.
  public var hasRepresentors: Bool { self != .legacy }

  public init(parsing text: String) throws(ParseError) {
    guard let mode = Self(rawValue: text) else {
      throw ParseError(input: text, what: "an eSwitch mode", expected: "legacy, switchdev or switchdev_inactive")
    }
    self = mode
  }
}

/// `enum devlink_eswitch_inline_mode`: how much of each packet the VF driver must put in the TX
/// descriptor for the eSwitch to match on.
public enum EswitchInlineMode: String, Sendable, CaseIterable {
  case none, link, network, transport

  public var kernelValue: UInt8 {
    switch self {
    case .none: 0  // DEVLINK_ESWITCH_INLINE_MODE_NONE
    case .link: 1  // DEVLINK_ESWITCH_INLINE_MODE_LINK
    case .network: 2  // DEVLINK_ESWITCH_INLINE_MODE_NETWORK
    case .transport: 3  // DEVLINK_ESWITCH_INLINE_MODE_TRANSPORT
    }
  }

  public init?(kernelValue: UInt8) {
    guard let mode = Self.allCases.first(where: { $0.kernelValue == kernelValue }) else { return nil }
    self = mode
  }

  public init(parsing text: String) throws(ParseError) {
    guard let mode = Self(rawValue: text) else {
      throw ParseError(input: text, what: "an eSwitch inline mode", expected: "none, link, network or transport")
    }
    self = mode
  }
}

/// `enum devlink_eswitch_encap_mode`.
public enum EswitchEncapMode: String, Sendable, CaseIterable {
  case none, basic

  public var kernelValue: UInt8 {
    switch self {
    case .none: 0  // DEVLINK_ESWITCH_ENCAP_MODE_NONE
    case .basic: 1  // DEVLINK_ESWITCH_ENCAP_MODE_BASIC
    }
  }

  public init?(kernelValue: UInt8) {
    guard let mode = Self.allCases.first(where: { $0.kernelValue == kernelValue }) else { return nil }
    self = mode
  }

  public init(parsing text: String) throws(ParseError) {
    guard let mode = Self(rawValue: text) else {
      throw ParseError(input: text, what: "an eSwitch encap mode", expected: "none or basic")
    }
    self = mode
  }
}

/// What `DEVLINK_CMD_ESWITCH_GET` reports; inline and encap mode are nil when the driver has no
/// getter for them (the kernel leaves the attribute out).
public struct EswitchSettings: Hashable, Sendable {
  public var mode: EswitchMode?
  public var inlineMode: EswitchInlineMode?
  public var encapMode: EswitchEncapMode?

  public init(mode: EswitchMode?, inlineMode: EswitchInlineMode? = nil, encapMode: EswitchEncapMode? = nil) {
    self.mode = mode
    self.inlineMode = inlineMode
    self.encapMode = encapMode
  }
}

/// The answer to "what is this device's eSwitch": its settings, or why it has none.
public enum EswitchQuery: Hashable, Sendable {
  case supported(EswitchSettings)
  /// The reason, e.g. "no devlink instance" (ENODEV) or "its driver has no eSwitch (EOPNOTSUPP)".
  case unsupported(String)

  public var settings: EswitchSettings? {
    if case .supported(let s) = self { return s }
    return nil
  }
}

/// `enum devlink_port_flavour`.
public enum DevlinkPortFlavour: Hashable, Sendable, CustomStringConvertible {
  case physical, cpu, dsa, pcipf, pcivf, virtual, unused, pcisf
  case other(UInt16)

  public init(kernelValue: UInt16) {
    switch kernelValue {
    case 0: self = .physical  // DEVLINK_PORT_FLAVOUR_PHYSICAL
    case 1: self = .cpu  // DEVLINK_PORT_FLAVOUR_CPU
    case 2: self = .dsa  // DEVLINK_PORT_FLAVOUR_DSA
    case 3: self = .pcipf  // DEVLINK_PORT_FLAVOUR_PCI_PF
    case 4: self = .pcivf  // DEVLINK_PORT_FLAVOUR_PCI_VF
    case 5: self = .virtual  // DEVLINK_PORT_FLAVOUR_VIRTUAL
    case 6: self = .unused  // DEVLINK_PORT_FLAVOUR_UNUSED
    case 7: self = .pcisf  // DEVLINK_PORT_FLAVOUR_PCI_SF
    default: self = .other(kernelValue)
    }
  }

  /// As `devlink port` prints it.
  public var description: String {
    switch self {
    case .physical: "physical"
    case .cpu: "cpu"
    case .dsa: "dsa"
    case .pcipf: "pcipf"
    case .pcivf: "pcivf"
    case .virtual: "virtual"
    case .unused: "unused"
    case .pcisf: "pcisf"
    case .other(let n): "flavour\(n)"
    }
  }

  public init?(name: String) {
    if name.hasPrefix("flavour"), let n = UInt16(name.dropFirst(7)) {
      self = .other(n)
      return
    }
    let all: [DevlinkPortFlavour] = [.physical, .cpu, .dsa, .pcipf, .pcivf, .virtual, .unused, .pcisf]
    guard let match = all.first(where: { $0.description == name }) else { return nil }
    self = match
  }
}

/// One entry of the `DEVLINK_CMD_PORT_GET` dump.
public struct DevlinkPort: Hashable, Sendable {
  public let handle: DevlinkHandle
  public let index: UInt32
  public let flavour: DevlinkPortFlavour?
  public let pfNumber: Int?
  public let vfNumber: Int?
  public let controller: Int?
  /// The port belongs to another host's function (a SmartNIC's host PF/VFs), not this one's VFs.
  public let external: Bool?
  public let netdev: String?
  public let ifindex: Int?

  public init(
    handle: DevlinkHandle, index: UInt32, flavour: DevlinkPortFlavour?, pfNumber: Int? = nil, vfNumber: Int? = nil,
    controller: Int? = nil, external: Bool? = nil, netdev: String? = nil, ifindex: Int? = nil
  ) {
    self.handle = handle
    self.index = index
    self.flavour = flavour
    self.pfNumber = pfNumber
    self.vfNumber = vfNumber
    self.controller = controller
    self.external = external
    self.netdev = netdev
    self.ifindex = ifindex
  }

  /// `pci/0000:3b:00.0/1`, as `devlink port` names it.
  public var name: String { "\(handle)/\(index)" }
}

extension [DevlinkPort] {
  /// VF number -> representor port of this devlink instance: flavour `pcivf`, not external (a
  /// SmartNIC's host VFs are someone else's), with a netdev.
  public func representors(of handle: DevlinkHandle) -> [Int: DevlinkPort] {
    var out: [Int: DevlinkPort] = [:]
    for port in self where port.handle == handle && port.flavour == .pcivf && port.external != true {
      guard let vf = port.vfNumber, port.netdev != nil else { continue }
      if let seen = out[vf], seen.index < port.index { continue }
      out[vf] = port
    }
    return out
  }
}
