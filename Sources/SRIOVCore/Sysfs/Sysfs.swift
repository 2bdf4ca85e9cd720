/// The only door to the host's files. Paths are inside the host root; implementations decide where
/// that root is (`/` in production, a fixture or capture in tests).
public protocol Sysfs: Sendable {
  /// The whole content of a text attribute.
  func read(_ path: HostPath) throws(SysfsError) -> String
  /// Writes `value` once to an existing attribute (never creates a file, as on sysfs).
  func write(_ value: String, to path: HostPath) throws(SysfsError)
  /// The link's target resolved inside the root; nil when `path` does not exist.
  func readLinkIfPresent(_ path: HostPath) throws(SysfsError) -> HostPath?
  /// Entry names of a directory, sorted.
  func list(_ path: HostPath) throws(SysfsError) -> [String]
  /// Whether anything (file, dir or link) exists at `path`, without following a final link.
  func exists(_ path: HostPath) -> Bool
  /// The absolute path on this machine, for messages and for libpci.
  func absolute(_ path: HostPath) -> String
}

extension Sysfs {
  /// nil when the attribute does not exist: absence is data, other failures are errors.
  public func readIfPresent(_ path: HostPath) throws(SysfsError) -> String? {
    do { return try read(path) } catch where error.isNotFound { return nil }
  }

  /// The attribute's first line without its newline, the way sysfs prints single values.
  public func readValue(_ path: HostPath) throws(SysfsError) -> String {
    trimmed(try read(path))
  }

  public func readValueIfPresent(_ path: HostPath) throws(SysfsError) -> String? {
    try readIfPresent(path).map(trimmed)
  }

  public func listIfPresent(_ path: HostPath) throws(SysfsError) -> [String] {
    do { return try list(path) } catch where error.isNotFound { return [] }
  }
}

extension Sequence<UInt8> {
  /// Whether these UTF-8 bytes are all ASCII: then each byte is one Character (but CR LF), so text
  /// work can go byte by byte.
  var isASCII: Bool { allSatisfy { $0 < 0x80 } }
}

func trimmed(_ text: String) -> String {
  // Byte-wise for ASCII text (what sysfs values are), where only CR LF joins into one Character;
  // Character-wise otherwise (a trailing blank can end a longer grapheme, e.g. after U+0600).
  var text = text
  let asciiEnd: Int? = text.withUTF8 { bytes in
    guard bytes.isASCII else { return nil }
    var end = bytes.count
    while end > 0 {
      let last = bytes[end - 1]
      guard last == UInt8(ascii: "\n") || last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") else { break }
      if last == UInt8(ascii: "\n") && end > 1 && bytes[end - 2] == UInt8(ascii: "\r") { break }
      end -= 1
    }
    return end
  }
  if let asciiEnd {
    return asciiEnd == text.utf8.count ? text : String(text.utf8.prefix(asciiEnd))!
  }
  var s = Substring(text)
  while let last = s.last, last == "\n" || last == " " || last == "\t" { s = s.dropLast() }
  return String(s)
}
