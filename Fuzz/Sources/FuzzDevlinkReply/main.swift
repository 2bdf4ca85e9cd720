import FuzzSupport
import SRIOVCore

/// Generic netlink replies from devlink (family lookup, eSwitch get, port dump entries) and the
/// capture's stored devlink answers. Properties: no trap; errors are one line; a parsed handle
/// parses back from its text; a parsed netdev is a valid interface name; representors are pcivf
/// ports of their handle; a decoded dump re-encodes to the same answers.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  do {
    var ports: [DevlinkPort] = []
    for message in try NetlinkMessage.split(bytes) {
      do { _ = try DevlinkCodec.parseFamilyID(message) } catch { requireOneLine(error, "parseFamilyID") }
      do {
        let (handle, _) = try DevlinkCodec.parseEswitch(message)
        require((try? DevlinkHandle(parsing: handle.description)) != nil || handle.bus == "pci", "handle does not parse back")
      } catch {
        requireOneLine(error, "parseEswitch")
      }
      do {
        let port = try DevlinkCodec.parsePort(message)
        if let name = port.netdev { require((try? NetdevName(parsing: name)) != nil, "invalid netdev kept") }
        require(port.vfNumber.map { $0 >= 0 } ?? true, "negative VF number")
        ports.append(port)
      } catch {
        requireOneLine(error, "parsePort")
      }
    }
    for handle in Set(ports.map(\.handle)) {
      for (vf, port) in ports.representors(of: handle) {
        require(port.flavour == .pcivf && port.handle == handle && port.vfNumber == vf && port.external != true, "bad representor")
      }
    }
  } catch {
    requireOneLine(error, "split")
  }
  if let text = String(validating: bytes, as: UTF8.self) {
    do {
      let dump = try DevlinkDump.decode(text, source: "fuzz.json")
      let again = try DevlinkDump.decode(dump.encode(), source: "again.json")
      require(again.eswitches == dump.eswitches && Set(again.ports) == Set(dump.ports), "decode(encode(x)) != x")
    } catch {
      requireOneLine(error, "DevlinkDump.decode")
    }
  }
  return 0
}

runFuzzer { data, size in fuzzOne(data, size) }
