import FuzzSupport
import SRIOVCore

/// rtnetlink replies as the kernel (or anything on the socket) sends them: message splitting
/// (lengths that lie), attribute parsing (truncated, misaligned, nested), and `RTM_NEWLINK` VF
/// info decoding. Properties: no trap; errors are one line; decoded VF indices are not negative.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  do {
    for message in try NetlinkMessage.split(bytes) {
      do {
        let link = try VFInfoCodec.parseLink(message)
        if let settings = link.settings {
          require(settings.vfs.keys.allSatisfy { $0 >= 0 }, "negative VF index")
          _ = settings.isTruncated
        }
      } catch {
        requireOneLine(error, "parseLink")
      }
    }
  } catch {
    requireOneLine(error, "split")
  }
  for damaged in [false, true] {
    do {
      for attribute in try NetlinkAttribute.parse(bytes[...], upToDamage: damaged) {
        _ = try? attribute.nested()
        _ = try? attribute.word(0)
      }
    } catch {
      requireOneLine(error, "attributes")
    }
  }
  return 0
}

runFuzzer { data, size in fuzzOne(data, size) }
