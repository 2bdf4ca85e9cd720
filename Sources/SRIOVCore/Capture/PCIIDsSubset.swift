/// The part of a pci.ids a capture needs: the vendor, device and subsystem lines of the captured
/// functions and the whole class list, in the source's order and spelling, so the subset is valid
/// wherever the source was (libpci's parser and `pciids.c` accept any such subset of a valid file)
/// and names the captured devices exactly as the source did. 1.3 MB becomes a few hundred bytes, so
/// `list` on the capture names devices through the checked table without loading libpci.
struct PCIIDsSubset {
  struct Function: Hashable {
    let vendor: UInt16
    let device: UInt16
    let subsystem: (vendor: UInt16, device: UInt16)?

    static func == (a: Function, b: Function) -> Bool {
      a.vendor == b.vendor && a.device == b.device && a.subsystem?.vendor == b.subsystem?.vendor && a.subsystem?.device == b.subsystem?.device
    }
    func hash(into h: inout Hasher) {
      h.combine(vendor)
      h.combine(device)
      h.combine(subsystem?.vendor)
      h.combine(subsystem?.device)
    }
  }

  /// Vendors named (functions' and subsystems' vendors).
  private var vendors: Set<UInt16> = []
  private var devices: Set<UInt32> = []
  /// (vendor, device) -> subsystem IDs of functions with that device.
  private var subsystems: Set<UInt64> = []

  init(_ functions: some Sequence<Function>) {
    for f in functions {
      vendors.insert(f.vendor)
      devices.insert(UInt32(f.vendor) << 16 | UInt32(f.device))
      if let s = f.subsystem {
        vendors.insert(s.vendor)
        subsystems.insert(UInt64(f.vendor) << 48 | UInt64(f.device) << 32 | UInt64(s.vendor) << 16 | UInt64(s.device))
      }
    }
  }

  /// The subset of `source` (the bytes of a pci.ids), with a first comment line saying what it is.
  func filter(_ source: [UInt8]) -> [UInt8] {
    var out = Array("# pci.ids subset written by sriovctl capture: the captured functions and every class\n".utf8)
    enum Block { case none, keptVendor(UInt16), droppedVendor, classes }
    var block = Block.none
    var keptDevice: UInt16?  // the device whose subsystem lines may follow
    var start = 0
    while start < source.count {
      let end = source[start...].firstIndex(of: UInt8(ascii: "\n")) ?? source.count
      let line = source[start..<end]
      let next = min(end + 1, source.count)
      defer { start = next }
      let tabs = line.prefix { $0 == UInt8(ascii: "\t") }.count
      let body = line.dropFirst(tabs)
      guard let first = body.first, first != UInt8(ascii: "#") else { continue }  // comments, blank lines
      var keep = false
      switch tabs {
      case 0:
        keptDevice = nil
        if first == UInt8(ascii: "C") && body.dropFirst().first == UInt8(ascii: " ") {
          block = .classes
          keep = true
        } else if let vendor = Self.hex16(body), vendors.contains(vendor) {
          block = .keptVendor(vendor)
          keep = true
        } else {
          block = .droppedVendor  // another vendor, or a block this reader does not know (dropped whole)
        }
      case 1:
        switch block {
        case .classes: keep = true
        case .keptVendor(let vendor):
          let device = Self.hex16(body)
          keptDevice = device.flatMap { devices.contains(UInt32(vendor) << 16 | UInt32($0)) ? $0 : nil }
          keep = keptDevice != nil
        default: keptDevice = nil
        }
      case 2:
        switch block {
        case .classes: keep = true
        case .keptVendor(let vendor):
          guard let device = keptDevice, let subVendor = Self.hex16(body), body.count > 5,
            let subDevice = Self.hex16(body.dropFirst(5))
          else { break }
          keep = subsystems.contains(UInt64(vendor) << 48 | UInt64(device) << 32 | UInt64(subVendor) << 16 | UInt64(subDevice))
        default: break
        }
      default: break
      }
      if keep { out.append(contentsOf: source[start..<next]) }
    }
    if out.last != UInt8(ascii: "\n") { out.append(UInt8(ascii: "\n")) }
    return out
  }

  /// Four hex digits at the start of `bytes`, followed by a blank.
  static func hex16(_ bytes: ArraySlice<UInt8>) -> UInt16? {
    guard bytes.count > 4 else { return nil }
    let i = bytes.startIndex
    let separator = bytes[i + 4]
    guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "\t"),
      bytes[i..<i + 4].allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) })
    else { return nil }
    return UInt16(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16)
  }
}
