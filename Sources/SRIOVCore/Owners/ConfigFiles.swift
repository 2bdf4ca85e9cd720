/// What reading one configuration file gives an owner parser.
enum ConfigText: Equatable, Sendable {
  case text(String)
  /// A link to /dev/null: the tools' way to disable a file of the same name.
  case masked
  /// Nothing at that path.
  case missing
  case failed(String)
}

/// Reads configuration files through the host-file door (`HostFiles.read`/`list`), so its rules on
/// links, file types and sizes apply; links are followed here, one hop at a time, inside the root.
struct ConfigFileReader: Sendable {
  let sysfs: any HostFiles
  /// Larger than any real network config; a larger file is reported, not parsed.
  static let maxSize = 1 << 20
  static let maxHops = 8

  func read(_ path: HostPath) -> ConfigText {
    var current = path
    var hops = 0
    while true {
      let target: HostPath?
      do {
        target = try sysfs.readLinkIfPresent(current)
      } catch {
        if case .linkEscapesRoot(let text) = error.cause {
          // An absolute link inside an image or capture means that path inside it, as in a chroot;
          // /dev/null is the masking convention of systemd, udev and NetworkManager.
          if text == "/dev/null" { return .masked }
          guard text.hasPrefix("/"), let inside = HostPath("").appendingLinkTarget(String(text.dropFirst())) else {
            return .failed("it is a link that leaves the host root (\(text))")
          }
          target = inside
        } else if error.errno == .invalidArgument {
          target = nil  // not a link: read it
          break
        } else {
          return .failed(error.description)
        }
      }
      guard let next = target else {
        if hops > 0 { return .failed("it is a dangling link") }
        break  // nothing there, or a door that reports only links: the read below tells
      }
      hops += 1
      if hops > Self.maxHops { return .failed("too many levels of links") }
      current = next
    }
    let text: String
    do { text = try sysfs.read(current, limit: Self.maxSize) } catch {
      if case .tooLarge = error.cause { return .failed("it is larger than \(Self.maxSize >> 20) MiB") }
      return error.isNotFound && hops == 0 ? .missing : .failed(error.description)
    }
    if text.utf8.count > Self.maxSize { return .failed("it is larger than \(Self.maxSize >> 20) MiB") }
    if let nul = text.utf8.firstIndex(of: 0) {
      return .failed("binary content (a NUL byte at offset \(text.utf8.distance(from: text.utf8.startIndex, to: nul)))")
    }
    return .text(text)
  }

  /// The files named `*suffix` in `directories` (highest priority first), each name once, taken
  /// from the first directory that has it, sorted by name (systemd's conf_files_list, udev's rules
  /// directories, modprobe.d and netplan all work so). Hidden and backup (`~`) names are skipped.
  func merged(_ directories: [HostPath], suffix: String) -> (files: [HostPath], errors: [(HostPath, String)]) {
    var chosen: [String: HostPath] = [:]
    var errors: [(HostPath, String)] = []
    for directory in directories {
      let names: [String]
      do { names = try sysfs.listIfPresent(directory) } catch {
        if error.errno == .notDirectory { continue }
        errors.append((directory, error.description))
        continue
      }
      for name in names where name.hasSuffix(suffix) && !name.hasPrefix(".") && !name.hasSuffix("~") {
        if chosen[name] == nil { chosen[name] = directory.appending(name) }
      }
    }
    let files: [HostPath] = chosen.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { chosen[$0]! }
    return (files, errors)
  }

  /// The entries of one directory with `suffix`, sorted (no precedence).
  func list(_ directory: HostPath, suffix: String) -> (files: [HostPath], error: String?) {
    do {
      let names = try sysfs.listIfPresent(directory)
      return (names.filter { $0.hasSuffix(suffix) && !$0.hasPrefix(".") && !$0.hasSuffix("~") }.map { directory.appending($0) }, nil)
    } catch {
      if error.errno == .notDirectory { return ([], nil) }
      return ([], error.description)
    }
  }
}

/// One logical line of a line-based config format, with the number of its first physical line.
struct LogicalLine: Equatable, Sendable {
  let line: Int
  let text: String
}

enum LogicalLines {
  /// Splits `text` into logical lines: comment lines (first non-blank character in `comment`)
  /// and blank lines dropped; with `continuation`, a line ending in a backslash joins the next
  /// (the backslash becomes `joiner`), and comment lines inside a continued line are skipped, as
  /// systemd.syntax(7), udev(7) and modprobe.d(5) describe.
  static func split(_ text: String, comment: Set<Character>, continuation: Bool, joiner: String = " ") -> [LogicalLine] {
    var result: [LogicalLine] = []
    var pending: String? = nil
    var pendingLine = 0
    var number = 0
    for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
      number += 1
      var line = Substring(raw)
      if line.last == "\r" { line = line.dropLast() }
      let stripped = line.drop { $0 == " " || $0 == "\t" }
      if let first = stripped.first, comment.contains(first) {
        continue
      }
      if stripped.isEmpty && pending == nil { continue }
      var content = String(line)
      var continues = false
      if continuation, content.hasSuffix("\\") {
        content.removeLast()
        continues = true
      }
      if let p = pending {
        pending = p + joiner + content
      } else {
        pending = content
        pendingLine = number
      }
      if !continues {
        let done = pending!.trimmingBlanks
        if !done.isEmpty { result.append(LogicalLine(line: pendingLine, text: done)) }
        pending = nil
      }
    }
    if let p = pending, !p.trimmingBlanks.isEmpty { result.append(LogicalLine(line: pendingLine, text: p.trimmingBlanks)) }
    return result
  }
}

/// An ini-style file: systemd unit syntax (systemd.syntax(7)) or a GLib key file
/// (NetworkManager keyfiles and NetworkManager.conf).
struct IniFile: Sendable {
  struct Entry: Sendable {
    let section: String
    /// Which occurrence of the section (several `[SR-IOV]` sections are several VFs).
    let sectionIndex: Int
    let key: String
    let value: String
    let line: Int
    /// The drop-in file the entry comes from; nil: the main file.
    var source: HostPath? = nil
  }

  private(set) var entries: [Entry]
  /// Lines that are neither a section, a key=value nor a comment.
  let bad: [LogicalLine]

  enum Dialect {
    /// `#` and `;` comments, backslash continuation.
    case systemd
    /// GLib key files: `#` comments only, no continuation.
    case glib
  }

  init(_ text: String, dialect: Dialect) {
    let lines = dialect == .systemd
      ? LogicalLines.split(text, comment: ["#", ";"], continuation: true)
      : LogicalLines.split(text, comment: ["#"], continuation: false)
    var entries: [Entry] = []
    var bad: [LogicalLine] = []
    var section = ""
    var index = -1
    for l in lines {
      if l.text.hasPrefix("[") {
        guard l.text.hasSuffix("]") else {
          bad.append(l)
          continue
        }
        section = String(l.text.dropFirst().dropLast())
        index += 1
        continue
      }
      guard let eq = l.text.firstIndex(of: "=") else {
        bad.append(l)
        continue
      }
      let key = String(l.text[..<eq]).trimmingBlanks
      let value = String(l.text[l.text.index(after: eq)...]).trimmingBlanks
      entries.append(Entry(section: section, sectionIndex: index, key: key, value: value, line: l.line))
    }
    self.entries = entries
    self.bad = bad
  }

  /// Adds a drop-in's entries after this file's (systemd.syntax(7): drop-ins are parsed after the
  /// main file, in order); its sections stay separate sections.
  mutating func append(dropIn: IniFile, from path: HostPath) {
    let offset = (entries.map(\.sectionIndex).max() ?? -1) + 1
    for e in dropIn.entries {
      var moved = Entry(section: e.section, sectionIndex: e.sectionIndex + offset, key: e.key, value: e.value, line: e.line)
      moved.source = path
      entries.append(moved)
    }
  }

  func values(_ section: String, _ key: String) -> [Entry] {
    entries.filter { $0.section == section && $0.key == key }
  }

  /// The last assignment of `key` in `section` (later ones override in both dialects).
  func last(_ section: String, _ key: String) -> Entry? {
    entries.last { $0.section == section && $0.key == key }
  }
}
