import FuzzSupport
@testable import SRIOVCore

/// Config-space decoding: the standard and extended capability walks (loops, pointers past the
/// end, truncated reads), ACS, SR-IOV, port type, and the capture's serial-number scrubbing.
/// The first input byte picks how much config space "the kernel let us read" (64, 256, 4096 or
/// the raw length), the rest is the content.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let input = UnsafeBufferPointer(start: data, count: size)
  guard let selector = input.first else { return 0 }
  var bytes = Array(input.dropFirst())
  switch selector % 4 {
  case 0: bytes = Array((bytes + [UInt8](repeating: 0, count: 64)).prefix(64))
  case 1: bytes = Array((bytes + [UInt8](repeating: 0, count: 256)).prefix(256))
  case 2:
    // Sparse 4 KiB: the input is (offset, byte) pairs after a 64-byte header, so pointers reach far.
    var space = [UInt8](repeating: 0, count: 4096)
    for (i, b) in bytes.prefix(64).enumerated() { space[i] = b }
    var i = 64
    while i + 2 < bytes.count {
      let offset = (Int(bytes[i]) << 8 | Int(bytes[i + 1])) % 4096
      space[offset] = bytes[i + 2]
      i += 3
    }
    bytes = space
  default: break
  }
  let config = ConfigSpace(bytes: bytes)
  if let caps = config.standardCapabilities() {
    require(caps.count <= 48, "standard walk did not stop: \(caps.count)")
    for c in caps { require(c.offset >= 0x40 && c.offset < bytes.count, "standard cap at \(c.offset)") }
  }
  if let caps = config.extendedCapabilities() {
    require(caps.count <= 960, "extended walk did not stop: \(caps.count)")
    for c in caps { require(c.offset >= 0x100 && c.offset + 4 <= bytes.count, "extended cap at \(c.offset)") }
  }
  _ = config.portType
  _ = config.isPCIExpress
  let acs = config.acs
  let sriov = config.sriov
  if case .unreadable = sriov { require(bytes.count < 4096 || !config.capabilitiesReadable, "SR-IOV unreadable with 4 KiB") }
  let function = FunctionConfig(config)
  _ = function.capabilitiesReadable
  _ = DeviceReport.ConfigFacts(config)
  // Anonymizing keeps the length and touches only the serial number's 8 bytes.
  let scrubbed = Anonymizer().config(bytes)
  require(scrubbed.count == bytes.count, "anonymized config changed length")
  let dsn: [(id: UInt16, offset: Int)] = (config.extendedCapabilities() ?? []).filter { $0.id == Anonymizer.deviceSerialNumberID }
  for i in bytes.indices where scrubbed[i] != bytes[i] {
    require(dsn.contains { i >= $0.offset + 4 && i < $0.offset + 12 }, "anonymizer changed byte \(i) outside a serial number")
  }
  return 0
}

runFuzzer { data, size in fuzzOne(data, size) }
