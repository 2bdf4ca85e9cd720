/// Text from the host made safe to print on a terminal. Names come from a tree anyone may have made
/// (a capture, a `--root`): a driver link, a netdev directory or a pci.ids line can hold escape
/// sequences that clear the screen, set the title or rewrite earlier lines, and bidi overrides that
/// make a line read differently from its bytes. One escaper serves error lines
/// (`ParseError.printable`), table cells, report lines and the CLI's last pass over text output.
public enum TerminalText {
  /// `text` with every character a terminal acts on escaped, so it prints as what it is:
  /// - `\n` `\r` `\t` as those two-character escapes; other C0 controls (U+0000-U+001F), DEL and C1
  ///   controls (U+0080-U+009F) as `\xHH`;
  /// - bidi formatting characters as `\u{HHHH}`: the embeddings and overrides U+202A-U+202E, the
  ///   isolates U+2066-U+2069 and the marks U+200E, U+200F, U+061C (invisible, and they reorder
  ///   what follows: no name from sysfs or pci.ids needs one).
  ///
  /// Backslashes stay as they are (a name holding a literal `\x1b` reads the same as an escaped ESC;
  /// JSON output tells them apart). `keepingLineBreaks`: `\n` passes through, for a whole rendered
  /// output whose line breaks are the renderer's own. `limit`: at most that many characters
  /// (Unicode scalars), then `... (N characters)`.
  public static func escaped(_ text: String, limit: Int? = nil, keepingLineBreaks: Bool = false) -> String {
    if !needsEscaping(text, keepingLineBreaks: keepingLineBreaks), limit.map({ text.unicodeScalars.count <= $0 }) ?? true {
      return text
    }
    var out = ""
    var count = 0
    for scalar in text.unicodeScalars {
      if count == limit { return out + "... (\(text.unicodeScalars.count) characters)" }
      count += 1
      let value = scalar.value
      switch scalar {
      case "\n" where keepingLineBreaks: out.unicodeScalars.append(scalar)
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where value < 0x20 || value == 0x7f || (value >= 0x80 && value < 0xa0):
        out += "\\x" + Hex.format(value, width: 2)
      case _ where isBidiControl(value):
        out += "\\u{" + Hex.format(value, width: 4) + "}"
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  /// One line of a report: `text` escaped (a newline inside a name must not start a line) plus `\n`.
  public static func line(_ text: String) -> String { escaped(text) + "\n" }

  static func isBidiControl(_ value: UInt32) -> Bool {
    value == 0x061c || value == 0x200e || value == 0x200f || (0x202a...0x202e).contains(value) || (0x2066...0x2069).contains(value)
  }

  /// A byte scan that lets the usual text (ASCII names, table padding) through untouched: only a
  /// control byte or the lead byte of a C1 control (0xC2) or of a bidi character (0xD8, 0xE2) sends
  /// the text to the scalar loop. `list --vfs` on a large host prints megabytes through here.
  static func needsEscaping(_ text: String, keepingLineBreaks: Bool) -> Bool {
    text.utf8.contains { byte in
      (byte < 0x20 && !(keepingLineBreaks && byte == UInt8(ascii: "\n"))) || byte == 0x7f
        || byte == 0xc2 || byte == 0xd8 || byte == 0xe2
    }
  }
}
