/// A device's config space as far as the kernel let us read it. Pure decoding, no I/O.
public struct ConfigSpace: Sendable {
  /// The readable bytes: 64 without CAP_SYS_ADMIN, 256 for conventional PCI, 4096 for PCIe.
  public let bytes: [UInt8]

  public init(bytes: [UInt8]) { self.bytes = bytes }

  public var readableSize: Int { bytes.count }

  public func byte(_ offset: Int) -> UInt8? { offset < bytes.count ? bytes[offset] : nil }

  public func word(_ offset: Int) -> UInt16? {
    guard offset >= 0, offset + 2 <= bytes.count else { return nil }
    return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
  }

  public func dword(_ offset: Int) -> UInt32? {
    guard let lo = word(offset), let hi = word(offset + 2) else { return nil }
    return UInt32(lo) | UInt32(hi) << 16
  }

  static let standardIDs = (pcie: UInt8(0x10), capabilityList: 0x34)
  static let extendedIDs = (acs: UInt16(0x000d), sriov: UInt16(0x0010))

  /// Offsets of standard capabilities by ID, or nil when they lie beyond what is readable.
  public func standardCapabilities() -> [(id: UInt8, offset: Int)]? {
    guard let status = word(0x06) else { return nil }
    guard status & 0x10 != 0 else { return [] }
    guard readableSize >= 256, var pointer = byte(Self.standardIDs.capabilityList).map({ Int($0) & ~3 }) else {
      return nil
    }
    var found: [(UInt8, Int)] = []
    // 48 is the most capabilities that fit in 192 bytes; it also stops a looping chain.
    while pointer >= 0x40, found.count < 48, let id = byte(pointer), let next = byte(pointer + 1) {
      found.append((id, pointer))
      pointer = Int(next) & ~3
    }
    return found
  }

  /// Offsets of extended capabilities by ID; nil when the extended space is not readable.
  public func extendedCapabilities() -> [(id: UInt16, offset: Int)]? {
    guard readableSize >= 4096 else { return nil }
    var found: [(UInt16, Int)] = []
    var offset = 0x100
    // (4096 - 256) / 4 headers at most; also stops a looping chain.
    while offset >= 0x100, found.count < 960, let header = dword(offset), header != 0, header != 0xffff_ffff {
      found.append((UInt16(header & 0xffff), offset))
      offset = Int(header >> 20) & ~3
    }
    return found
  }

  /// PCIe capability offset; nil when there is none (conventional PCI) or it is unreadable.
  var pcieCapabilityOffset: Int? {
    standardCapabilities()?.first { $0.id == Self.standardIDs.pcie }?.offset
  }

  /// Whether the standard capability list can be read at all (it cannot with only 64 bytes).
  public var capabilitiesReadable: Bool { standardCapabilities() != nil }

  public var isPCIExpress: Bool { pcieCapabilityOffset != nil }

  public var portType: PCIePortType? {
    guard let offset = pcieCapabilityOffset, let flags = word(offset + 2) else { return nil }
    return PCIePortType(rawValue: UInt8((flags >> 4) & 0xf))
  }

  /// ACS, with the three states the preflight needs.
  public var acs: ACSStatus {
    guard capabilitiesReadable else { return .unreadable }
    // Conventional PCI has no extended space, so no ACS; PCIe devices need 4096 readable bytes.
    guard isPCIExpress else { return .absent }
    guard let caps = extendedCapabilities() else { return .unreadable }
    guard let offset = caps.first(where: { $0.id == Self.extendedIDs.acs })?.offset,
      let cap = word(offset + 4), let ctl = word(offset + 6)
    else { return .absent }
    return .present(capability: ACSFlags(rawValue: cap), control: ACSFlags(rawValue: ctl))
  }

  /// The SR-IOV capability; `.unreadable` when the extended space is not readable.
  public var sriov: Readable<SRIOVCapability?> {
    guard capabilitiesReadable else { return .unreadable }
    guard isPCIExpress else { return .known(nil) }
    guard let caps = extendedCapabilities() else { return .unreadable }
    guard let b = caps.first(where: { $0.id == Self.extendedIDs.sriov })?.offset,
      let capabilities = dword(b + 0x04), let control = word(b + 0x08), let initial = word(b + 0x0c),
      let total = word(b + 0x0e), let num = word(b + 0x10), let fdl = byte(b + 0x12),
      let offset = word(b + 0x14), let stride = word(b + 0x16), let vfDevice = word(b + 0x1a),
      let supported = dword(b + 0x1c), let system = dword(b + 0x20)
    else { return .known(nil) }
    return .known(SRIOVCapability(
      capabilities: capabilities, control: control, initialVFs: initial, totalVFs: total, numVFs: num,
      functionDependencyLink: fdl, firstVFOffset: offset, vfStride: stride, vfDeviceID: PCIID(vfDevice),
      supportedPageSizes: supported, systemPageSize: system))
  }
}

/// A value read from somewhere that may refuse to tell (config space without root).
public enum Readable<Value: Sendable & Hashable>: Sendable, Hashable {
  case known(Value)
  case unreadable

  public var value: Value? {
    if case .known(let v) = self { return v }
    return nil
  }
}
