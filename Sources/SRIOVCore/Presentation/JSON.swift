/// A JSON value that keeps key order (stable, readable output) and writes `null` explicitly:
/// scripts rely on every documented key being present.
public enum JSON: Equatable, Sendable {
  case null
  case bool(Bool)
  case int(Int)
  case string(String)
  case array([JSON])
  case object([(String, JSON)])

  public static let schemaVersion = 1

  /// `{"schema_version": 1, ...}`: the top level of every document the CLI prints.
  public static func document(_ fields: [(String, JSON)]) -> JSON {
    .object([("schema_version", .int(schemaVersion))] + fields)
  }

  public static func == (a: JSON, b: JSON) -> Bool { a.rendered() == b.rendered() }

  /// Pretty-printed with two-space indentation and a trailing newline.
  public func rendered() -> String {
    // Written as bytes: a listing of thousands of VFs renders ~100k lines, and appending to a
    // `String` piece by piece (and building each indentation) was a fifth of `list --json`.
    var out: [UInt8] = []
    out.reserveCapacity(4096)
    write(into: &out, indent: 0)
    out.append(UInt8(ascii: "\n"))
    return String(decoding: out, as: UTF8.self)
  }

  private func write(into out: inout [UInt8], indent: Int) {
    switch self {
    case .null: out.append(contentsOf: "null".utf8)
    case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
    case .int(let i): out.append(contentsOf: String(i).utf8)
    case .string(let s): Self.quote(s, into: &out)
    case .array(let items):
      guard !items.isEmpty else { out.append(contentsOf: "[]".utf8); return }
      out.append(contentsOf: "[\n".utf8)
      for (i, item) in items.enumerated() {
        Self.indent(indent + 1, into: &out)
        item.write(into: &out, indent: indent + 1)
        Self.endItem(last: i == items.count - 1, into: &out)
      }
      Self.indent(indent, into: &out)
      out.append(UInt8(ascii: "]"))
    case .object(let fields):
      guard !fields.isEmpty else { out.append(contentsOf: "{}".utf8); return }
      out.append(contentsOf: "{\n".utf8)
      for (i, (key, value)) in fields.enumerated() {
        Self.indent(indent + 1, into: &out)
        Self.quote(key, into: &out)
        out.append(contentsOf: ": ".utf8)
        value.write(into: &out, indent: indent + 1)
        Self.endItem(last: i == fields.count - 1, into: &out)
      }
      Self.indent(indent, into: &out)
      out.append(UInt8(ascii: "}"))
    }
  }

  private static func indent(_ level: Int, into out: inout [UInt8]) {
    out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * level))
  }

  private static func endItem(last: Bool, into out: inout [UInt8]) {
    if !last { out.append(UInt8(ascii: ",")) }
    out.append(UInt8(ascii: "\n"))
  }

  private static func quote(_ s: String, into out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    // Most strings (addresses, IDs, names) need no escaping: append them whole. Otherwise byte by
    // byte: the text is valid UTF-8, so bytes of 0x20 and above are copied as they are.
    if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
      out.append(contentsOf: s.utf8)
    } else {
      for byte in s.utf8 {
        switch byte {
        case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
        case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
        case UInt8(ascii: "\n"): out.append(contentsOf: "\\n".utf8)
        case UInt8(ascii: "\r"): out.append(contentsOf: "\\r".utf8)
        case UInt8(ascii: "\t"): out.append(contentsOf: "\\t".utf8)
        case ..<0x20: out.append(contentsOf: ("\\u" + Hex.format(byte, width: 4)).utf8)
        default: out.append(byte)
        }
      }
    }
    out.append(UInt8(ascii: "\""))
  }
}

extension JSON {
  public static func optional(_ value: String?) -> JSON { value.map(JSON.string) ?? .null }
  public static func optional(_ value: Int?) -> JSON { value.map(JSON.int) ?? .null }
  public static func optional(_ value: Bool?) -> JSON { value.map(JSON.bool) ?? .null }
  public static func strings(_ values: [String]) -> JSON { .array(values.map(JSON.string)) }
}
