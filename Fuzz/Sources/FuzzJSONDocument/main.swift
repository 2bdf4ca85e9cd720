import CFuzzDriver
import FuzzSupport
import SRIOVCore
#if canImport(Glibc)
import Glibc
#endif

/// The strict JSON reader behind desired-state files (`apply -f`) and captured VF settings
/// (`sriovctl/vf-settings.json`). Properties: no trap (deep nesting, huge numbers, lone
/// surrogates, BOMs); errors are one line with a position inside the text; what parses, printed
/// back canonically, parses to the same value; the typed accessors never trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  do {
    let node = try Document.parseJSON(text, source: "fuzz.json")
    let printed = canonical(node)
    do {
      let again = try Document.parseJSON(printed, source: "again.json")
      require(canonical(again) == printed, "round trip changed the value: \(printed.debugDescription)")
    } catch {
      require(false, "canonical form does not parse: \(printed.debugDescription): \(error)")
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

/// Every accessor on every node (they must answer nil, never trap).
func touch(_ node: DocumentNode) {
  _ = (node.string, node.bool, node.integer, node.isNull, node.kindDescription)
  for element in node.elements ?? [] { touch(element) }
  for entry in node.entries ?? [] {
    _ = node[entry.key]
    touch(entry.value)
  }
}

/// Compact JSON with keys in document order and strings escaped minimally.
func canonical(_ node: DocumentNode) -> String {
  switch node.value {
  case .null: return "null"
  case .bool(let b): return b ? "true" : "false"
  case .number(let literal): return literal
  case .string(let s): return quote(s)
  case .array(let items): return "[" + items.map(canonical).joined(separator: ",") + "]"
  case .object(let entries): return "{" + entries.map { quote($0.key) + ":" + canonical($0.value) }.joined(separator: ",") + "}"
  }
}

func quote(_ s: String) -> String {
  var out = "\""
  for scalar in s.unicodeScalars {
    switch scalar {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    case _ where scalar.value < 0x20:
      let hex = String(scalar.value, radix: 16)
      out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    default: out.unicodeScalars.append(scalar)
    }
  }
  return out + "\""
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOne(data, size) })

