/// One fact of a report described once: its JSON key and value, its text label and value. A
/// renderer that lists its facts as fields prints both forms from the same list (as iproute2's
/// `print_*` calls do), so a fact cannot appear in one and be forgotten in the other.
struct ReportField {
  let key: String
  let label: String
  let json: JSON
  let text: String

  init(_ key: String, label: String? = nil, json: JSON, text: String) {
    self.key = key
    self.label = label ?? key
    self.json = json
    self.text = text
  }

  /// A fact that may be unknown: JSON `null` and the text's unknown mark, never a made-up value.
  init<T>(_ key: String, label: String? = nil, _ value: T?, json: (T) -> JSON, text: (T) -> String = { "\($0)" }) {
    self.init(key, label: label, json: value.map(json) ?? .null, text: value.map(text) ?? unknownText)
  }
}

extension [ReportField] {
  var jsonEntries: [(String, JSON)] { map { ($0.key, $0.json) } }

  /// `indent label: value` lines, values aligned at `labelWidth`.
  func textLines(indent: String = "  ", labelWidth: Int) -> String {
    map { indent + ($0.label + ":").padding(labelWidth) + $0.text + "\n" }.joined()
  }
}
