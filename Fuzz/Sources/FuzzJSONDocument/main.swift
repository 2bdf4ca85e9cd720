import FuzzSupport
import SRIOVCore

/// The strict JSON reader behind desired-state files (`apply -f`) and captured VF settings
/// (`sriovctl/vf-settings.json`). Properties: no trap (deep nesting, huge numbers, lone
/// surrogates, BOMs); errors are one line with a position inside the text; what parses, printed
/// back canonically, parses to the same value; the typed accessors never trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  do {
    let node = try Document.parseJSON(text, source: "fuzz.json")
    let once = printed(node, .json)
    do {
      let again = try Document.parseJSON(once, source: "again.json")
      require(printed(again, .json) == once, "round trip changed the value: \(once.debugDescription)")
    } catch {
      require(false, "canonical form does not parse: \(once.debugDescription): \(error)")
    }
    touch(node)
  } catch {
    // The reader counts LF scalars (a CRLF is one Swift Character, so count scalars, not Characters).
    let lines = text.unicodeScalars.filter { $0 == "\n" }.count + 1
    require(error.position.line >= 1 && error.position.line <= lines + 1 && error.position.column >= 1,
      "error position \(error.position) outside the text (\(lines) lines)")
    requireOneLine(error, "JSON \(text.prefix(80).debugDescription)")
  }
  return 0
}

runFuzzer { data, size in fuzzOne(data, size) }

