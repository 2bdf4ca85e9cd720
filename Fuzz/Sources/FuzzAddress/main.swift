import FuzzSupport
import SRIOVCore

/// PCI addresses, device references, interface and driver names: everything a user names a device by.
/// Properties: a parsed value prints in canonical form and parses back to itself; a netdev or driver
/// name can never be a path (no '/', not '.' or '..'); errors are one line.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  if let a = PCIAddress(strict: text) {
    require(PCIAddress(strict: a.description) == a, "address round trip: \(text) -> \(a)")
    require(a.description.utf8.count == 12, "address not canonical: \(a)")
  }
  do {
    let ref = try DeviceRef(parsing: text)
    switch ref {
    case .address(let a): require(try DeviceRef(parsing: a.description) == ref, "ref round trip \(text)")
    case .netdev(let n):
      require(!n.name.contains("/") && n.name != "." && n.name != ".." && !n.name.isEmpty, "unsafe netdev \(n.name)")
      require(try DeviceRef(parsing: n.name) == ref, "netdev round trip \(text)")
      _ = SysfsLayout.netdev(n)  // must not trap on a path component
    }
  } catch {
    requireOneLine(error, "DeviceRef \(text.debugDescription)")
  }
  do {
    let d = try DriverName(parsing: text)
    _ = SysfsLayout.driver(d)
  } catch {
    requireOneLine(error, "DriverName \(text.debugDescription)")
  }
  return 0
}

runFuzzer { data, size in fuzzOne(data, size) }
