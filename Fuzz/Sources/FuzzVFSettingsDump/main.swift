import FuzzSupport
import SRIOVCore

/// The VF settings dump a capture stores (`sriovctl/vf-settings.json`), read back by list, show and
/// the dry runs of set and apply. Properties: no trap; errors are one line; what decodes, encoded
/// again, decodes to the same settings.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  do {
    let dump = try VFSettingsDump.decode(text, source: "vf-settings.json")
    let again = try? VFSettingsDump.decode(VFSettingsDump.encode(dump), source: "again.json")
    require(again == dump, "encode/decode round trip changed the dump")
  } catch {
    requireOneLine(error, "dump \(text.prefix(80).debugDescription)")
  }
  return 0
}

runFuzzer { data, size in fuzzOne(data, size) }
