import Foundation
import SRIOVCore
import Testing

/// Control characters from the tree never reach the terminal raw (issue 15, item 3).
@Suite("Terminal escaping")
struct TerminalEscapeTests {
  @Test func escapesEachClass() {
    #expect(TerminalText.escaped("a\u{1b}[2Jb") == "a\\x1b[2Jb")
    #expect(TerminalText.escaped("bell\u{7}") == "bell\\x07")
    #expect(TerminalText.escaped("del\u{7f}") == "del\\x7f")
    #expect(TerminalText.escaped("csi\u{9b}31m") == "csi\\x9b31m")
    #expect(TerminalText.escaped("nul\u{0}") == "nul\\x00")
    #expect(TerminalText.escaped("rlo\u{202e}cba") == "rlo\\u{202e}cba")
    #expect(TerminalText.escaped("\u{202a}\u{2066}\u{2069}\u{200e}\u{200f}\u{61c}") == "\\u{202a}\\u{2066}\\u{2069}\\u{200e}\\u{200f}\\u{061c}")
    #expect(TerminalText.escaped("a\nb\tc\rd") == "a\\nb\\tc\\rd")
    #expect(TerminalText.escaped("a\nb\u{1b}", keepingLineBreaks: true) == "a\nb\\x1b")
  }

  @Test func leavesOrdinaryTextAlone() {
    for text in ["enp59s0f0", "Intel Corporation", "Ethernet Controller X710 for 10GbE SFP+", "é — ü 日本", "\u{a0}\u{2010}\u{2070}", "a\\x1b"] {
      #expect(TerminalText.escaped(text) == text)
    }
  }

  @Test func errorLinesUseTheSameEscaper() {
    #expect(ParseError.printable("x\u{202e}\u{9b}") == "x\\u{202e}\\x9b")
    #expect(ParseError.printable(String(repeating: "a", count: 100), limit: 3) == "aaa... (100 characters)")
  }

  @Test func aNewlineOrTabInACellKeepsTheTableAligned() {
    var table = TextTable(["A", "B", "C"])
    table.append(["x\ny", "1\t2", "end"])
    table.append(["long-cell", "b", "c"])
    let lines = table.rendered().split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    #expect(lines.count == 3)
    #expect(lines[1] == "x\\ny       1\\t2  end")
    // Every row's third column starts at the same offset.
    let starts = lines.map { $0.count - ($0.split(separator: " ").last?.count ?? 0) }
    #expect(Set(starts).count == 1)
  }

  // MARK: the CLI over a hostile tree

  static let driverName = "i40e\u{1b}]0;pwned\u{7}\u{9b}2J\u{202e}x"
  static let pfNetdev = "e\u{1b}[2J\u{202e}"
  static let vfNetdev = "v\u{7}\u{9b}1m\u{2066}"
  static let vendorName = "Intel\u{1b}[31m Corp\u{9b}\u{202e}"
  static let parameter = "pcie_acs_override=\u{1b}]2;t\u{7}\u{9b}\u{202e}"

  /// x710-demo with a hostile PF/VF driver name (a link target), PF and VF netdev names (directory
  /// entries), vendor name (pci.ids) and kernel parameter (proc/cmdline).
  static func withHostileTree<T>(_ body: (String) throws -> T) throws -> T {
    try withTempCopy(of: "x710-demo") { root in
      let fm = FileManager.default
      let devices = root + "/sys/devices/pci0000:3a/0000:3a:00.0"
      try fm.createDirectory(atPath: root + "/sys/bus/pci/drivers/" + driverName, withIntermediateDirectories: false)
      for function in ["0000:3b:00.0", "0000:3b:02.0"] {
        try fm.removeItem(atPath: devices + "/\(function)/driver")
        try fm.createSymbolicLink(atPath: devices + "/\(function)/driver", withDestinationPath: "../../../../bus/pci/drivers/" + driverName)
      }
      for (function, old, new) in [("0000:3b:00.0", "enp59s0f0", pfNetdev), ("0000:3b:02.0", "enp59s0f0v0", vfNetdev)] {
        try fm.moveItem(atPath: devices + "/\(function)/net/\(old)", toPath: devices + "/\(function)/net/\(new)")
        try fm.removeItem(atPath: root + "/sys/class/net/" + old)
        try fm.createSymbolicLink(atPath: root + "/sys/class/net/" + new,
          withDestinationPath: "../../devices/pci0000:3a/0000:3a:00.0/\(function)/net/\(new)")
      }
      let ids = root + "/usr/share/misc/pci.ids"
      let table = try String(contentsOfFile: ids, encoding: .utf8)
      try #require(table.contains("\n8086  Intel Corporation\n"))
      try table.replacingOccurrences(of: "\n8086  Intel Corporation\n", with: "\n8086  \(vendorName)\n")
        .write(toFile: ids, atomically: false, encoding: .utf8)
      let cmdline = try String(contentsOfFile: root + "/proc/cmdline", encoding: .utf8)
      try (cmdline.trimmingCharacters(in: .newlines) + " " + parameter + "\n")
        .write(toFile: root + "/proc/cmdline", atomically: false, encoding: .utf8)
      return try body(root)
    }
  }

  /// The scalars that must never reach stdout raw (line breaks are the renderer's own).
  static func rawControls(_ text: String) -> [String] {
    text.unicodeScalars.filter { s in
      (s.value < 0x20 && s != "\n") || s.value == 0x7f || (0x80..<0xa0).contains(s.value)
        || [0x61c, 0x200e, 0x200f].contains(s.value) || (0x202a...0x202e).contains(s.value) || (0x2066...0x2069).contains(s.value)
    }.map { String(format: "U+%04X", $0.value) }
  }

  @Test func everyTextOutputEscapesHostNames() throws {
    try Self.withHostileTree { root in
      let invocations: [([String], [String])] = [
        (["list"], [Self.driverName, Self.pfNetdev, Self.vendorName]),
        (["list", "--vfs"], [Self.driverName, Self.pfNetdev, Self.vfNetdev, Self.vendorName]),
        (["show", "3b:00.0"], [Self.driverName, Self.pfNetdev, Self.vfNetdev, Self.vendorName]),
        (["show", "3b:02.0"], [Self.driverName, Self.vfNetdev]),
        (["check"], [Self.parameter]),
      ]
      for (args, names) in invocations {
        let r = try runCLI(["--root", root] + args)
        #expect(r.status == 0 || args == ["check"], "\(args): \(r.stderr)")
        #expect(Self.rawControls(r.stdout) == [], "\(args) printed raw controls")
        for name in names {
          #expect(r.stdout.contains(TerminalText.escaped(name)), "\(args) does not show \(TerminalText.escaped(name))")
        }
      }
    }
  }

  /// A note line built from a netdev name without escaping it: only the CLI's last pass over text
  /// output (`Output.report`) stands between the name and the terminal.
  @Test func theLastPassCatchesWhatARendererMisses() throws {
    try withTempCopy(of: "x710-vf-settings") { root in
      let fm = FileManager.default
      let function = "/sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0"
      try fm.moveItem(atPath: root + function + "/net/enp59s0f0", toPath: root + function + "/net/" + Self.pfNetdev)
      try fm.removeItem(atPath: root + "/sys/class/net/enp59s0f0")
      try fm.createSymbolicLink(atPath: root + "/sys/class/net/" + Self.pfNetdev, withDestinationPath: "../../devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0/net/" + Self.pfNetdev)
      let r = try runCLI(["--root", root, "list", "--vfs"])
      #expect(r.status == 0, "\(r.stderr)")
      // The stored settings are keyed by the old name: the note names the new one.
      #expect(r.stdout.contains("note: \(TerminalText.escaped(Self.pfNetdev)): VF settings unavailable"), "\(r.stdout)")
      #expect(Self.rawControls(r.stdout) == [])
    }
  }

  @Test func theTableStaysAlignedAroundEscapedNames() throws {
    try Self.withHostileTree { root in
      let r = try runCLI(["--root", root, "list", "--vfs"])
      let lines = r.stdout.split(separator: "\n")
      let header = try #require(lines.first)
      let column = try #require(header.range(of: "DRIVER")).lowerBound.utf16Offset(in: header)
      // Every row's DRIVER cell starts under the header (cells are ASCII once escaped).
      for line in lines.dropFirst() {
        let chars = Array(line.utf8)
        #expect(chars.count > column && chars[column - 1] == UInt8(ascii: " ") && chars[column] != UInt8(ascii: " "), "\(line)")
      }
    }
  }

  @Test func jsonKeepsTheRawNames() throws {
    try Self.withHostileTree { root in
      let r = try runCLI(["--root", root, "list", "--vfs", "--json"])
      #expect(r.status == 0)
      let pf = try #require(JSONValue(parsing: r.stdout)["pfs"]?.array?.first { $0["address"] == "0000:3b:00.0" })
      #expect(pf["driver"] == .string(Self.driverName))
      #expect(pf["netdevs"] == [.string(Self.pfNetdev)])
      #expect(pf["vendor_name"] == .string(Self.vendorName))
      #expect(pf["vfs"]?.array?.first?["netdevs"] == [.string(Self.vfNetdev)])
      // JSON escapes C0 by its own rules (\u001b), never the terminal way.
      #expect(r.stdout.contains("\\u001b]0;pwned\\u0007"))
      #expect(!r.stdout.contains("\\x1b"))
    }
  }
}
