/// `sriovctl list` in its common forms, recognised without swift-argument-parser: scripts call
/// `list` in loops, and building the parser's command tree (runtime type lookups for every command
/// and option) cost about as many instructions as listing a small host.
///
/// Accepted: the word `list` once; `--json` and `--root DIR` (separate value, not empty, not
/// starting with `-`) before or after it; `--vfs` and `--all` after it; each at most once. Anything
/// else (`--root=DIR`, repeats, `-h`, other words) returns nil and goes to the parser, which gives
/// the same result or its own error. A test runs every accepted form against its `--root=DIR`
/// spelling, which the parser handles.
struct QuickList {
  var root: String?
  var json = false
  var vfs = false
  var all = false

  init?(_ arguments: ArraySlice<String>) {
    var seen: Set<String> = []
    var index = arguments.startIndex
    while index < arguments.endIndex {
      let token = arguments[index]
      guard seen.insert(token).inserted else { return nil }
      switch token {
      case "list": break
      case "--json": json = true
      case "--vfs", "--all":
        // Options of the subcommand: before `list` the parser refuses them.
        guard seen.contains("list") else { return nil }
        if token == "--vfs" { vfs = true } else { all = true }
      case "--root":
        index += 1
        guard index < arguments.endIndex, case let value = arguments[index], !value.isEmpty, value.first != "-" else { return nil }
        root = value
      default: return nil
      }
      index += 1
    }
    guard seen.contains("list") else { return nil }
  }
}
