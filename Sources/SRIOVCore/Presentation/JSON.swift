/// A JSON value that keeps key order (stable, readable output) and writes `null` explicitly:
/// scripts rely on every documented key being present.
public indirect enum JSON: Equatable, Sendable {
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
    var out = ""
    write(into: &out, indent: 0)
    out += "\n"
    return out
  }

  private func write(into out: inout String, indent: Int) {
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .int(let i): out += String(i)
    case .string(let s): Self.quote(s, into: &out)
    case .array(let items):
      guard !items.isEmpty else { out += "[]"; return }
      out += "[\n"
      for (i, item) in items.enumerated() {
        out += String(repeating: "  ", count: indent + 1)
        item.write(into: &out, indent: indent + 1)
        out += i == items.count - 1 ? "\n" : ",\n"
      }
      out += String(repeating: "  ", count: indent) + "]"
    case .object(let fields):
      guard !fields.isEmpty else { out += "{}"; return }
      out += "{\n"
      for (i, (key, value)) in fields.enumerated() {
        out += String(repeating: "  ", count: indent + 1)
        Self.quote(key, into: &out)
        out += ": "
        value.write(into: &out, indent: indent + 1)
        out += i == fields.count - 1 ? "\n" : ",\n"
      }
      out += String(repeating: "  ", count: indent) + "}"
    }
  }

  private static func quote(_ s: String, into out: inout String) {
    // Most strings (addresses, IDs, names) need no escaping: append them whole.
    if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
      out += "\""
      out += s
      out += "\""
      return
    }
    out += "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20:
        out += "\\u" + Hex.format(scalar.value, width: 4)
      default: out.unicodeScalars.append(scalar)
      }
    }
    out += "\""
  }
}

extension JSON {
  public static func optional(_ value: String?) -> JSON { value.map(JSON.string) ?? .null }
  public static func optional(_ value: Int?) -> JSON { value.map(JSON.int) ?? .null }
  public static func optional(_ value: Bool?) -> JSON { value.map(JSON.bool) ?? .null }
  public static func strings(_ values: [String]) -> JSON { .array(values.map(JSON.string)) }
}
