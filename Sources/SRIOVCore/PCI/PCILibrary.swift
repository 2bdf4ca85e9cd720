import CPCI

/// A failure reported by libpci, returned as an error instead of ending the process.
public struct PCIError: Error, Sendable, CustomStringConvertible {
  public let message: String
  public var description: String { message }
}

/// One libpci handle over a host root. Not Sendable: libpci keeps per-handle state (fd cache, name
/// hash), so each task or thread opens its own.
public final class PCILibrary {
  private let handle: OpaquePointer

  /// Opens libpci with the sysfs method forced on `<root>/sys/bus/pci` (never the real machine as a
  /// fallback) and, when given, a pci.ids file.
  public init(sysfsBusPCI: String, idsPath: String?) throws(PCIError) {
    let opened: OpaquePointer? = sysfsBusPCI.withCString { bus in
      if let idsPath { return idsPath.withCString { cpci_open(bus, $0) } }
      return cpci_open(bus, nil)
    }
    guard let opened else { throw PCIError(message: Self.lastMessage("cannot initialise libpci")) }
    handle = opened
  }

  deinit { cpci_close(handle) }

  /// Config space as the decoders (`portType`, `acs`, `sriov`, `readableSize`, the header) need it,
  /// read in small pieces: the header, the capability chains and the ACS and SR-IOV bodies. Bytes
  /// nothing decodes are zero; `readableSize` is what the kernel lets us read (64, 256 or 4096).
  public func config(of address: PCIAddress) throws(PCIError) -> ConfigSpace {
    var buffer = [UInt8](repeating: 0, count: 4096)
    let size = buffer.withUnsafeMutableBufferPointer { raw in
      cpci_read_config(handle, Int32(address.domain), Int32(address.bus), Int32(address.device),
        Int32(address.function), raw.baseAddress)
    }
    guard size > 0 else { throw PCIError(message: Self.lastMessage("cannot read config space")) }
    return ConfigSpace(bytes: Array(buffer.prefix(Int(size))))
  }

  public func vendorName(_ vendor: PCIID) throws(PCIError) -> String? {
    try lookup { cpci_vendor_name(handle, Int32(vendor.value), $0, $1) }
  }

  public func deviceName(vendor: PCIID, device: PCIID) throws(PCIError) -> String? {
    try lookup { cpci_device_name(handle, Int32(vendor.value), Int32(device.value), $0, $1) }
  }

  public func className(_ pciClass: PCIClass) throws(PCIError) -> String? {
    try lookup { cpci_class_name(handle, Int32(pciClass.classID), $0, $1) }
  }

  private func lookup(_ call: (UnsafeMutablePointer<CChar>, Int32) -> Int32) throws(PCIError) -> String? {
    var buffer = [CChar](repeating: 0, count: 256)
    let rc = buffer.withUnsafeMutableBufferPointer { call($0.baseAddress!, Int32($0.count)) }
    if rc < 0 { throw PCIError(message: Self.lastMessage("pci.ids lookup failed")) }
    guard rc == 1 else { return nil }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  private static func lastMessage(_ fallback: String) -> String {
    let text = String(cString: cpci_last_error())
    var trimmed = Substring(text)
    while trimmed.last == "\n" { trimmed = trimmed.dropLast() }
    return trimmed.isEmpty ? fallback : String(trimmed)
  }
}
