/// A plain aligned table: a header row, then rows; columns separated by two spaces, the last column
/// not padded (no trailing blanks). Cells are escaped (`TerminalText`) as they are added: they hold
/// names from the host, and a newline, tab or escape sequence in one must neither break the layout
/// nor reach the terminal; widths are those of the escaped text.
public struct TextTable: Sendable {
  public let header: [String]
  public private(set) var rows: [[String]] = []

  public init(_ header: [String]) { self.header = header }

  public mutating func append(_ row: [String]) {
    precondition(row.count == header.count, "row has \(row.count) cells, header \(header.count)")
    rows.append(row.map { TerminalText.escaped($0) })
  }

  public func rendered() -> String {
    // Written as bytes, widths counted in Characters only for non-ASCII cells: `list --vfs` on a
    // host with thousands of VFs renders tens of thousands of cells.
    let all = [header] + rows
    let cellWidths = all.map { row in row.map(Self.width) }
    let widths = header.indices.map { column in cellWidths.map { $0[column] }.max() ?? 0 }
    var out: [UInt8] = []
    out.reserveCapacity(all.count * 96)
    for (row, rowWidths) in zip(all, cellWidths) {
      let lineStart = out.count
      for (column, cell) in row.enumerated() {
        out.append(contentsOf: cell.utf8)
        if column < row.count - 1 {
          out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: widths[column] - rowWidths[column] + 2))
        }
      }
      if out[lineStart...].isASCII {
        while out.count > lineStart && out.last == UInt8(ascii: " ") { out.removeLast() }
      } else {
        // A trailing blank may end a longer grapheme (after U+0600, say): trim Characters.
        var line = String(decoding: out[lineStart...], as: UTF8.self)
        while line.last == " " { line.removeLast() }
        out.removeSubrange(lineStart...)
        out.append(contentsOf: line.utf8)
      }
      out.append(UInt8(ascii: "\n"))
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// Columns are aligned by Characters; for ASCII that is the byte count.
  private static func width(_ cell: String) -> Int {
    cell.utf8.isASCII ? cell.utf8.count : cell.count
  }
}

/// How unknown values look in text output.
let unknownText = "-"
