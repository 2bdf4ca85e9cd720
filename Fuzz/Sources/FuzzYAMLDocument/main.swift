import FuzzSupport
import SRIOVCore

/// The YAML reader behind desired-state files (`apply -f`, `persist -f`), from bytes as the CLI
/// reads them, then the schema reader on top. Properties: no trap (indentation, flow collections,
/// quotes and escapes, tabs, BOMs, bytes that are not UTF-8); errors are one line with a position
/// inside the text; what parses, printed back as flow YAML, parses to the same value; the typed
/// accessors never trap; a schema error is one line and quotes at most a few hundred bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  do {
    let node = try Document.parseYAML(bytes: bytes, source: "fuzz.yaml")
    let once = printed(node, .yaml)
    do {
      let again = try Document.parseYAML(once, source: "again.yaml")
      require(printed(again, .yaml) == once, "round trip changed the value: \(once.debugDescription)")
    } catch {
      require(false, "flow form does not parse: \(once.debugDescription): \(error)")
    }
    touch(node)
  } catch {
    // Lines are counted by LF bytes, as the reader does (a CRLF ends one line).
    let lines = bytes.filter { $0 == 0x0A }.count + 1
    require(error.position.line >= 1 && error.position.line <= lines && error.position.column >= 1,
      "error position \(error.position) outside the text (\(lines) lines)")
    requireOneLine(error, "YAML \(String(decoding: bytes.prefix(80), as: UTF8.self).debugDescription)")
  }
  // The schema layer over whatever the document reader made of it.
  do { _ = try DesiredState.parse(bytes: bytes, source: "fuzz.yaml") } catch {
    requireOneLine(error, "desired state")
    if let failure = error as? DesiredStateError {
      let shown = failure.message + (failure.hint ?? "")
      require(shown.utf8.count < 1024, "an error quotes too much: \(shown.utf8.count) bytes")
    }
  }
  return 0
}

runFuzzer { data, size in fuzzOne(data, size) }
