import CFuzzDriver
import FuzzSupport
import SRIOVCore
#if canImport(Glibc)
import Glibc
#endif

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
    let printed = flow(node)
    do {
      let again = try Document.parseYAML(printed, source: "again.yaml")
      require(flow(again) == printed, "round trip changed the value: \(printed.debugDescription)")
    } catch {
      require(false, "flow form does not parse: \(printed.debugDescription): \(error)")
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

/// Every accessor on every node (they must answer nil, never trap).
func touch(_ node: DocumentNode) {
  _ = (node.string, node.bool, node.integer, node.isNull, node.kindDescription)
  for element in node.elements ?? [] { touch(element) }
  for entry in node.entries ?? [] {
    _ = node[entry.key]
    touch(entry.value)
  }
}

/// One-line flow YAML with keys in document order: strings double-quoted with escapes for `"`,
/// `\` and control characters, numbers as their literal (YAML keeps `0x10` a number literal).
func flow(_ node: DocumentNode) -> String {
  switch node.value {
  case .null: return "null"
  case .bool(let b): return b ? "true" : "false"
  case .number(let literal): return literal
  case .string(let s): return quote(s)
  case .array(let items): return "[" + items.map(flow).joined(separator: ", ") + "]"
  case .object(let entries): return "{" + entries.map { quote($0.key) + ": " + flow($0.value) }.joined(separator: ", ") + "}"
  }
}

func quote(_ s: String) -> String {
  var out = "\""
  for scalar in s.unicodeScalars {
    switch scalar {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    case _ where scalar.value < 0x20 || scalar.value == 0x7F:
      let hex = String(scalar.value, radix: 16)
      out += "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
    default: out.unicodeScalars.append(scalar)
    }
  }
  return out + "\""
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOne(data, size) })
