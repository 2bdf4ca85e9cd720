import CPCI

/// A failure reported by libpci, returned as an error instead of ending the process.
public struct PCIError: Error, Sendable, CustomStringConvertible {
  public let message: String
  /// libpci itself could not be loaded (not installed): the fix is installing libpci3.
  public var libraryMissing = false
  /// Raised while loading or opening libpci, not by a read or lookup.
  public var whileOpening = false
  /// The file libpci would read is not one it may (a link out of the root, a FIFO, a device node).
  public var unsafeFile = false
  public var description: String { message }
}

/// One libpci handle over a host root. Not Sendable: libpci keeps per-handle state (fd cache, name
/// hash), so each task or thread opens its own.
public final class PCILibrary {
  /// The libpci handle, opened on first use: names from the checked table need no libpci at all.
  private var opened: OpaquePointer?
  let sysfsBusPCI: String
  private let idsPath: String?
  /// The shared object loaded for libpci (tests name a missing one).
  private let library: String
  /// pci.ids read by `cpci_ids_open` on the first lookup; see `names`.
  private var ids: IDsState = .notLoaded
  /// Checks, before libpci opens a device's `config` itself, that it is a regular file inside the
  /// host root (libpci follows links and blocks on a FIFO); nil: no check (tests of libpci alone).
  private let vouchForConfig: ((PCIAddress) throws(PCIError) -> Void)?

  private enum IDsState {
    case notLoaded
    case checked(OpaquePointer)
    /// libpci answers (no explicit file, or one `cpci_ids_open` would not vouch for).
    case libpci
  }

  /// Opens libpci with the sysfs method forced on `<root>/sys/bus/pci` (never the real machine as a
  /// fallback) and, when given, a pci.ids file.
  /// Where names come from: the checked pci.ids table (libpci whenever it cannot vouch for the
  /// file), or libpci alone (tests compare the two).
  public enum NameSource: Sendable { case checkedTable, libpci }

  /// Loads nothing yet: libpci is loaded and opened by the first config read or libpci name lookup,
  /// or by `load()`.
  public init(
    sysfsBusPCI: String, idsPath: String?, names: NameSource = .checkedTable, library: String = "libpci.so.3",
    vouchForConfig: ((PCIAddress) throws(PCIError) -> Void)? = nil
  ) {
    self.sysfsBusPCI = sysfsBusPCI
    self.idsPath = idsPath
    self.library = library
    self.vouchForConfig = vouchForConfig
    if names == .libpci { ids = .libpci }
  }

  deinit {
    if case .checked(let table) = ids { cpci_ids_close(table) }
    if let opened { cpci_close(opened) }
  }

  /// Loads and opens libpci now (a command that will read config space reports a missing libpci first).
  public func load() throws(PCIError) { _ = try handle() }

  private func handle() throws(PCIError) -> OpaquePointer {
    if let opened { return opened }
    guard library.withCString({ cpci_load($0) }) == 0 else {
      throw PCIError(message: Self.lastMessage("cannot load \(library)"), libraryMissing: true, whileOpening: true)
    }
    let handle: OpaquePointer? = sysfsBusPCI.withCString { bus in
      if let idsPath { return idsPath.withCString { cpci_open(bus, $0) } }
      return cpci_open(bus, nil)
    }
    guard let handle else { throw PCIError(message: Self.lastMessage("cannot initialise libpci"), whileOpening: true) }
    opened = handle
    return handle
  }

  /// The checked pci.ids table, loaded on first use; nil: ask libpci. A report needs a handful of
  /// names, and libpci parses all of pci.ids (1.3 MB) for the first one; the table checks the file
  /// with libpci's rules and rescans one block per lookup. On any doubt libpci answers, so names and
  /// errors (`Parse error at ..., line N`) are libpci's.
  private func table() -> OpaquePointer? {
    switch ids {
    case .checked(let table): return table
    case .libpci: return nil
    case .notLoaded:
      guard let idsPath, let table = idsPath.withCString({ cpci_ids_open($0) }) else {
        ids = .libpci
        return nil
      }
      ids = .checked(table)
      return table
    }
  }

  /// Config space as the decoders (`portType`, `acs`, `sriov`, `readableSize`, the header) need it,
  /// read in small pieces: the header, the capability chains and the ACS and SR-IOV bodies. Bytes
  /// nothing decodes are zero; `readableSize` is what the kernel lets us read (64, 256 or 4096).
  public func config(of address: PCIAddress) throws(PCIError) -> ConfigSpace {
    try vouchForConfig?(address)
    let handle = try handle()
    var buffer = [UInt8](repeating: 0, count: 4096)
    let size = buffer.withUnsafeMutableBufferPointer { raw in
      cpci_read_config(handle, Int32(address.domain), Int32(address.bus), Int32(address.device),
        Int32(address.function), raw.baseAddress)
    }
    guard size > 0 else { throw PCIError(message: Self.lastMessage("cannot read config space")) }
    return ConfigSpace(bytes: Array(buffer.prefix(Int(size))))
  }

  public func vendorName(_ vendor: PCIID) throws(PCIError) -> String? {
    if let table = table() { return try lookup { cpci_ids_vendor(table, Int32(vendor.value), $0, $1) } }
    let handle = try handle()
    return try lookup { cpci_vendor_name(handle, Int32(vendor.value), $0, $1) }
  }

  public func deviceName(vendor: PCIID, device: PCIID) throws(PCIError) -> String? {
    if let table = table() {
      return try lookup { cpci_ids_device(table, Int32(vendor.value), Int32(device.value), $0, $1) }
    }
    let handle = try handle()
    return try lookup { cpci_device_name(handle, Int32(vendor.value), Int32(device.value), $0, $1) }
  }

  public func className(_ pciClass: PCIClass) throws(PCIError) -> String? {
    if let table = table() { return try lookup { cpci_ids_class(table, Int32(pciClass.classID), $0, $1) } }
    let handle = try handle()
    return try lookup { cpci_class_name(handle, Int32(pciClass.classID), $0, $1) }
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
