import SRIOVCore

/// Every accessor on every node (they must answer nil, never trap).
public func touch(_ node: DocumentNode) {
  _ = (node.string, node.bool, node.integer, node.isNull, node.kindDescription)
  for element in node.elements ?? [] { touch(element) }
  for entry in node.entries ?? [] {
    _ = node[entry.key]
    touch(entry.value)
  }
}

/// How a node is printed back for a round trip: compact JSON or one-line flow YAML.
public struct PrintStyle: Sendable {
  let itemSeparator: String
  let keySeparator: String
  /// The escape of one control character inside a double-quoted string.
  let control: @Sendable (Unicode.Scalar) -> String?

  /// Compact JSON: `\uXXXX` for C0 controls.
  public static let json = PrintStyle(itemSeparator: ",", keySeparator: ":") { scalar in
    scalar.value < 0x20 ? "\\u" + hex(scalar.value, width: 4) : nil
  }
  /// Flow YAML: `\xHH` for C0 controls and DEL.
  public static let yaml = PrintStyle(itemSeparator: ", ", keySeparator: ": ") { scalar in
    scalar.value < 0x20 || scalar.value == 0x7F ? "\\x" + hex(scalar.value, width: 2) : nil
  }

  private static func hex(_ value: UInt32, width: Int) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: width - digits.count) + digits
  }
}

/// `node` on one line with keys in document order, strings double-quoted with escapes for `"`, `\`
/// and control characters, numbers as their literal (YAML keeps `0x10` a number literal).
public func printed(_ node: DocumentNode, _ style: PrintStyle) -> String {
  switch node.value {
  case .null: return "null"
  case .bool(let b): return b ? "true" : "false"
  case .number(let literal): return literal
  case .string(let s): return quoted(s, style)
  case .array(let items): return "[" + items.map { printed($0, style) }.joined(separator: style.itemSeparator) + "]"
  case .object(let entries):
    return "{" + entries.map { quoted($0.key, style) + style.keySeparator + printed($0.value, style) }
      .joined(separator: style.itemSeparator) + "}"
  }
}

func quoted(_ s: String, _ style: PrintStyle) -> String {
  var out = "\""
  for scalar in s.unicodeScalars {
    switch scalar {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    default: if let escape = style.control(scalar) { out += escape } else { out.unicodeScalars.append(scalar) }
    }
  }
  return out + "\""
}
