/// A plain aligned table: a header row, then rows; columns separated by two spaces, the last column
/// not padded (no trailing blanks).
public struct TextTable: Sendable {
  public let header: [String]
  public private(set) var rows: [[String]] = []

  public init(_ header: [String]) { self.header = header }

  public mutating func append(_ row: [String]) {
    precondition(row.count == header.count, "row has \(row.count) cells, header \(header.count)")
    rows.append(row)
  }

  public func rendered() -> String {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    var out = ""
    for row in all {
      var line = ""
      for (column, cell) in row.enumerated() {
        line += cell
        if column < row.count - 1 { line += String(repeating: " ", count: widths[column] - cell.count + 2) }
      }
      while line.last == " " { line.removeLast() }
      out += line + "\n"
    }
    return out
  }
}

/// How unknown values look in text output.
let unknownText = "-"
