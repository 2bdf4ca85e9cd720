import FuzzSupport
@testable import SRIOVCore

/// MAC addresses (`--mac`, the desired-state file, netdev `address` files in a capture).
/// Properties: a parsed MAC is unicast, prints as six lowercase pairs and parses back to itself;
/// the capture anonymizer maps any `address` file to a parseable, locally administered MAC or zero.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  do {
    let mac = try MACAddress(parsing: text)
    require(mac.bytes[0] & 1 == 0, "multicast accepted: \(text)")
    require(mac.description.utf8.count == 17, "not canonical: \(mac)")
    require(try MACAddress(parsing: mac.description) == mac, "round trip: \(text)")
    require(try MACAddress(parsing: mac.description.uppercased()) == mac, "case: \(text)")
  } catch {
    requireOneLine(error, "MAC \(text.debugDescription)")
  }
  let line = Anonymizer().macLine(text)
  require(line.hasSuffix("\n"), "anonymized line without newline")
  let replaced = (try? MACAddress(parsing: String(line.dropLast())))
  require(replaced != nil, "anonymized MAC does not parse: \(line.debugDescription) from \(text.debugDescription)")
  if let replaced { require(replaced.isZero || replaced.bytes[0] == 0x02, "anonymized MAC not local: \(replaced)") }
  return 0
}

runFuzzer { data, size in fuzzOne(data, size) }
