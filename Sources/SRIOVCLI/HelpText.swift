/// Pieces every command's help repeats, so the sections read the same everywhere (the style is in
/// docs/help-style.md). Codes follow DESIGN.md: 0 success, 1 failure, 2 changes with
/// `apply --detailed-exitcode`, 64 usage.
enum HelpText {
  /// The `EXIT STATUS:` section: what 0 and 1 mean for this command, then any extra codes, then 64.
  static func exitStatus(success: String, failure: String, extra: [(code: Int, meaning: String)] = []) -> String {
    var rows: [(code: Int, meaning: String)] = [(0, success), (1, failure)]
    rows.append(contentsOf: extra)
    rows.append((64, "usage error: unknown option, bad address or name, missing argument"))
    var lines: [String] = ["EXIT STATUS:"]
    for row in rows {
      let code = String(row.code)
      let label = "  " + code + String(repeating: " ", count: 4 - code.count)
      lines.append(contentsOf: wrapped(row.meaning, firstPrefix: label, indent: "      "))
    }
    return lines.joined(separator: "\n")
  }

  /// Word-wraps to 78 columns with a hanging indent: swift-argument-parser re-wraps longer lines
  /// at the terminal width without keeping the indent.
  static func wrapped(_ text: String, firstPrefix: String, indent: String, width: Int = 78) -> [String] {
    var lines: [String] = []
    var line = firstPrefix
    var lineHasWord = false
    for word in text.split(separator: " ") {
      if lineHasWord && line.count + 1 + word.count > width {
        lines.append(line)
        line = indent
        lineHasWord = false
      }
      line += (lineHasWord ? " " : "") + word
      lineHasWord = true
    }
    lines.append(line)
    return lines
  }
}

extension HelpText {
  /// The root command's discussion: `sriovctl --help` and the man page's DESCRIPTION.
  static let overview: String = """
    Safer than echo N > sriov_numvfs, clearer than lspci -vvv, and scriptable: every command that \
    shows state or reports a result takes --json (schema_version 1). Run 'sriovctl help COMMAND' \
    for a command's details, examples and exit status.

    EXAMPLES:
      $ sriovctl list --vfs
      $ sriovctl check enp59s0f0
      $ sriovctl create enp59s0f0 8 --driver vfio-pci --dry-run

    ENVIRONMENT:
      SRIOVCTL_ROOT  the host root when --root is not given (default /)

    \(exitStatus(
      success: "success, also when nothing needed changing",
      failure: "the operation failed, was refused, or a check failed",
      extra: [(code: 2, meaning: "apply --detailed-exitcode: changes were made (or would be, with --dry-run)")]))
    """
}
