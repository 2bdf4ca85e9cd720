/// Shell-style patterns as fnmatch(3) reads them with no flags, which is how systemd matches
/// `Name=`/`OriginalName=`/`Path=`/`Driver=` (net_condition_test_strv), udev matches `==` values,
/// netplan matches `match: name`/`driver`, and NetworkManager matches `interface-name:` specs:
/// `*` any run of characters (`/` and a leading `.` included), `?` one character, `[...]` a set
/// with ranges and `!` or `^` negation (`]` first is literal), `\` quotes the next character.
/// No brace expansion: fnmatch has none.
public struct Glob: Sendable, Hashable {
  public let pattern: String
  private let p: [Unicode.Scalar]

  public init(_ pattern: String) {
    self.pattern = pattern
    p = Array(pattern.unicodeScalars)
  }

  public var hasWildcard: Bool { p.contains { $0 == "*" || $0 == "?" || $0 == "[" || $0 == "\\" } }

  /// Linear in the text for each star (the usual backtrack-to-last-star walk, which fnmatch's
  /// semantics allow because a star matches any run).
  public func matches(_ text: String) -> Bool {
    let s = Array(text.unicodeScalars)
    var pi = 0, si = 0
    var star: Int? = nil, starText = 0
    while si < s.count {
      if pi < p.count {
        switch p[pi] {
        case "*":
          star = pi
          starText = si
          pi += 1
          continue
        case "?":
          pi += 1
          si += 1
          continue
        case "[":
          if let (matched, next) = matchSet(at: pi, s[si]) {
            if matched {
              pi = next
              si += 1
              continue
            }
          } else if s[si] == "[" {  // an unterminated set is a literal '['
            pi += 1
            si += 1
            continue
          }
        case "\\":
          if pi + 1 < p.count {
            if p[pi + 1] == s[si] {
              pi += 2
              si += 1
              continue
            }
          } else if s[si] == "\\" {
            pi += 1
            si += 1
            continue
          }
        default:
          if p[pi] == s[si] {
            pi += 1
            si += 1
            continue
          }
        }
      }
      guard let st = star else { return false }
      pi = st + 1
      starText += 1
      si = starText
    }
    while pi < p.count && p[pi] == "*" { pi += 1 }
    return pi == p.count
  }

  /// The set starting at `start` (a '['): whether `c` is in it and the index after its ']';
  /// nil when the set is not terminated.
  private func matchSet(at start: Int, _ c: Unicode.Scalar) -> (Bool, Int)? {
    var i = start + 1
    var negate = false
    if i < p.count && (p[i] == "!" || p[i] == "^") {
      negate = true
      i += 1
    }
    var found = false
    var first = true
    while i < p.count {
      var lo = p[i]
      if lo == "]" && !first { return (found != negate, i + 1) }
      first = false
      if lo == "\\" && i + 1 < p.count {
        i += 1
        lo = p[i]
      }
      if i + 2 < p.count && p[i + 1] == "-" && p[i + 2] != "]" {
        var hi = p[i + 2]
        var skip = 3
        if hi == "\\" && i + 3 < p.count {
          hi = p[i + 3]
          skip = 4
        }
        if lo.value <= c.value && c.value <= hi.value { found = true }
        i += skip
      } else {
        if lo == c { found = true }
        i += 1
      }
    }
    return nil
  }
}

/// A systemd `[Match]` list (`Name=`, `OriginalName=`, `Path=`, `Driver=`, `Type=`) as
/// `config_parse_match_strv` builds it and `net_condition_test_strv` tests it (systemd
/// src/shared/net-condition.c): words split on white space (quotes removed); a `!` before the
/// whole value negates every word; the assignment adds to earlier ones; an empty assignment
/// empties the list. A string matches when no `!` word matches it and, if the list has
/// positive words, one of them does.
public struct SystemdMatchList: Sendable, Hashable {
  public private(set) var words: [String] = []

  public init() {}

  public mutating func assign(_ value: String) {
    var text = Substring(value)
    if text.isEmpty {
      words = []
      return
    }
    let invert = text.first == "!"
    if invert { text = text.dropFirst() }
    for word in SystemdWords.split(String(text)) {
      words.append(invert ? "!" + word : word)
    }
  }

  public var isEmpty: Bool { words.isEmpty }

  /// `strings`: the name and its alternative names (any may match, as networkd tests them).
  public func test(_ strings: [String]) -> Bool {
    guard !words.isEmpty else { return true }
    var matched = false
    var positive = false
    for word in words {
      let invert = word.hasPrefix("!")
      let glob = Glob(invert ? String(word.dropFirst()) : word)
      if !invert { positive = true }
      if strings.contains(where: glob.matches) {
        if invert { return false }
        matched = true
      }
    }
    return positive ? matched : true
  }
}

/// systemd's `extract_first_word` with `EXTRACT_UNQUOTE`: white-space separated words, where
/// single or double quotes group; with `EXTRACT_RETAIN_ESCAPE` (as config_parse_match_strv asks) a
/// backslash stays in the word, so fnmatch later reads `\*` as a literal star.
enum SystemdWords {
  static func split(_ text: String) -> [String] {
    var words: [String] = []
    var current = ""
    var inWord = false
    var quote: Character? = nil
    var escape = false
    for c in text {
      if escape {
        current.append("\\")
        current.append(c)
        escape = false
        continue
      }
      if c == "\\" {
        escape = true
        inWord = true
        continue
      }
      if let q = quote {
        if c == q { quote = nil } else { current.append(c) }
        continue
      }
      if c == "\"" || c == "'" {
        quote = c
        inWord = true
        continue
      }
      if c == " " || c == "\t" || c == "\n" {
        if inWord {
          words.append(current)
          current = ""
          inWord = false
        }
        continue
      }
      current.append(c)
      inWord = true
    }
    if inWord { words.append(current) }
    return words
  }
}
