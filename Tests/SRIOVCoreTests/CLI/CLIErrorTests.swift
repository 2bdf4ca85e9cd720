import Foundation
import Testing

/// A user-facing failure: nothing on stdout, one `Error:` line, at most one `hint:` line.
private func expectError(
  _ r: (stdout: String, stderr: String, status: Int32), status: Int32, _ firstLine: String,
  hint: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(r.status == status, "exit status; stderr: \(r.stderr)", sourceLocation: sourceLocation)
  #expect(r.stdout == "", sourceLocation: sourceLocation)
  let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  #expect(lines.last == "" && (lines.count == 2 || lines.count == 3), "stderr must be 1-2 lines: \(r.stderr)", sourceLocation: sourceLocation)
  #expect(lines.first == "Error: " + firstLine, sourceLocation: sourceLocation)
  if lines.count == 3 {
    #expect(lines[1].hasPrefix("hint: "), sourceLocation: sourceLocation)
    if let hint { #expect(lines[1] == "hint: " + hint, sourceLocation: sourceLocation) }
  } else {
    #expect(hint == nil, "expected a hint line: \(hint ?? "")", sourceLocation: sourceLocation)
  }
  #expect(!r.stderr.contains("pcilib") && !r.stderr.contains("Fatal error"), sourceLocation: sourceLocation)
}

private let x710 = fixtureRoot("x710-demo")

@Suite("CLI errors")
struct CLIErrorTests {
  @Test func unknownDevice() throws {
    expectError(try runCLI(["--root", x710, "show", "0000:3b:00.7"]), status: 1,
      "0000:3b:00.7: no such PCI device (nothing at \(x710)/sys/bus/pci/devices/0000:3b:00.7)",
      hint: "run 'sriovctl list --all' to see the devices on this host")
  }

  @Test func unknownInterface() throws {
    expectError(try runCLI(["--root", x710, "show", "eth9"]), status: 1,
      "eth9: no such network interface (nothing at \(x710)/sys/class/net/eth9)",
      hint: "run 'ip link' to see interface names, or give a PCI address")
  }

  @Test func interfaceNotBackedByPCI() throws {
    let r = try runCLI(["--root", x710, "show", "lo"])
    expectError(r, status: 1, "lo: the interface is not backed by a PCI device (it is /sys/devices/virtual/net/lo)")
  }

  @Test("malformed addresses are usage errors", arguments: ["3b:00.9", "0000:3b:0.0"])
  func malformedAddress(text: String) throws {
    expectError(try runCLI(["--root", x710, "show", text]), status: 64,
      "'\(text)' is not a PCI address (expected DDDD:BB:DD.F or BB:DD.F, e.g. 0000:3b:00.0)")
  }

  @Test("names that could leave /sys/class/net are refused", arguments: ["../etc", "a/b", "..", "/etc/passwd"])
  func unsafeNetdevName(text: String) throws {
    expectError(try runCLI(["--root", x710, "show", text]), status: 64,
      "'\(text)' is not a PCI address or network interface name (expected 0000:3b:00.0, 3b:00.0 or an interface name like enp59s0f0)")
  }

  @Test func nonexistentRoot() throws {
    for args in [["--root", "/nonexistent", "list"], ["show", "3b:00.0", "--root", "/nonexistent"]] {
      expectError(try runCLI(args), status: 1, "/nonexistent: cannot use it as the host root: no such directory",
        hint: "pass a directory that contains sys/ (a capture or a fixture), or omit --root to use this host")
    }
    expectError(try runCLI(["list"], env: ["SRIOVCTL_ROOT": "/nonexistent"]), status: 1,
      "/nonexistent: cannot use it as the host root: no such directory",
      hint: "pass a directory that contains sys/ (a capture or a fixture), or omit --root to use this host")
  }

  @Test func rootWithoutSysBusPCI() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sriovctl-empty-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir + "/sys", withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let r = try runCLI(["--root", dir, "list"])
    expectError(r, status: 1, "\(dir): cannot use it as the host root: \(dir)/sys/bus/pci/devices does not exist")
  }

  @Test func missingVendor() throws {
    try withTempCopy(of: "x710-demo") { root in
      let vendor = root + "/sys/bus/pci/devices/0000:3b:00.0/vendor"
      try FileManager.default.removeItem(atPath: vendor)
      for args in [["list"], ["show", "3b:00.0"], ["list", "--json"]] {
        expectError(try runCLI(["--root", root] + args), status: 1,
          "0000:3b:00.0: cannot read its vendor ID: \(root)/sys/bus/pci/devices/0000:3b:00.0/vendor is missing",
          hint: "the sysfs tree is incomplete; if it is a capture, capture it again")
      }
    }
  }

  @Test func garbledVendor() throws {
    try withTempCopy(of: "x710-demo") { root in
      let vendor = root + "/sys/bus/pci/devices/0000:3b:00.0/vendor"
      try "zz\n".write(toFile: vendor, atomically: false, encoding: .utf8)
      for args in [["list"], ["show", "enp59s0f0"]] {
        expectError(try runCLI(["--root", root] + args), status: 1,
          "0000:3b:00.0: unexpected vendor ID in \(vendor): 'zz' is not a PCI ID (expected four hex digits, e.g. 0x8086)",
          hint: "the sysfs tree looks damaged; if it is a capture, capture it again")
      }
    }
  }

  /// Config space a root lacks is unknown with the reason, never the whole answer (issue 17).
  @Test func missingConfigIsUnknownNotAnError() throws {
    try withTempCopy(of: "x710-demo") { root in
      let config = root + "/sys/bus/pci/devices/0000:3b:00.0/config"
      try FileManager.default.removeItem(atPath: config)
      let r = try runCLI(["--root", root, "show", "3b:00.0"])
      #expect(r.status == 0 && r.stderr == "", "\(r.stderr)")
      #expect(r.stdout.contains("  config space:  unknown (this root has no config file for it)\n"), "\(r.stdout)")
      #expect(r.stdout.contains("  driver:        i40e\n"))
      // A bridge's config is read for every device below it.
      try FileManager.default.removeItem(atPath: root + "/sys/bus/pci/devices/0000:3a:00.0/config")
      let below = try runCLI(["--root", root, "show", "3b:00.1", "--json"])
      #expect(below.status == 0 && below.stderr == "", "\(below.stderr)")
      let hop = try JSONValue(parsing: below.stdout)["device"]?["upstream"]?.array?.first
      #expect(hop?["config_space"] == .object(["status": "not_in_root", "reason": "this root has no config file for it", "bytes": .null]))
      #expect(hop?["acs"]?["status"] == "unreadable" && hop?["acs"]?["reason"] == "this root has no config file for it")
    }
  }

  @Test func garbledPCIIDs() throws {
    try withTempCopy(of: "x710-demo") { root in
      let ids = root + "/usr/share/misc/pci.ids"
      try ("xyz\n" + String(contentsOfFile: ids, encoding: .utf8)).write(toFile: ids, atomically: false, encoding: .utf8)
      for args in [["list"], ["show", "3b:00.0"], ["list", "--all", "--json"]] {
        expectError(try runCLI(["--root", root] + args), status: 1,
          "pci.ids: cannot look up device names: Parse error at \(ids), line 1",
          hint: "the PCI ID database is damaged; reinstall the pci.ids package (or remove usr/share/misc/pci.ids from the capture)")
      }
    }
  }

  @Test func absoluteSymlinkOutOfTheRootIsNotFollowed() throws {
    try withTempCopy(of: "x710-demo") { root in
      let driver = root + "/sys/bus/pci/devices/0000:3b:00.0/driver"
      try FileManager.default.removeItem(atPath: driver)
      try FileManager.default.createSymbolicLink(atPath: driver, withDestinationPath: "/etc")
      // Not followed (nothing outside is read), but its last component names the driver.
      for args in [["list"], ["show", "3b:00.0"]] {
        let r = try runCLI(["--root", root] + args)
        #expect(r.status == 0 && r.stderr == "", "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("0000:3b:00.0 ") && $0.contains("  etc  ") || $0.hasPrefix("  driver:") && $0.hasSuffix(" etc") },
          "\(r.stdout)")
      }
    }
  }

  @Test func relativeSymlinkClimbingOutOfTheRootIsNotFollowed() throws {
    try withTempCopy(of: "x710-demo") { root in
      let group = root + "/sys/bus/pci/devices/0000:3b:00.1/iommu_group"
      let escape = String(repeating: "../", count: 12) + "etc"
      try FileManager.default.removeItem(atPath: group)
      try FileManager.default.createSymbolicLink(atPath: group, withDestinationPath: escape)
      let r = try runCLI(["--root", root, "show", "enp59s0f1"])
      #expect(r.status == 0 && r.stderr == "", "\(r.stderr)")
      #expect(r.stdout.contains("  iommu group:  unknown (iommu_group points to 'etc', not to an IOMMU group)\n"), "\(r.stdout)")
    }
  }

  /// A temp copy whose bus link for 0000:3b:00.1 is absolute and points outside the root, at the pristine
  /// fixture's I210 (a real device directory without `sriov_totalvfs`), so the test does not depend on
  /// this machine. Nothing may be read through it, and the device must not vanish silently.
  private func withEscapingBusLink(_ body: (_ root: String, _ outside: String) throws -> Void) throws {
    try withTempCopy(of: "x710-demo") { root in
      let link = root + "/sys/bus/pci/devices/0000:3b:00.1"
      let outside = x710 + "/sys/devices/pci0000:00/0000:00:1c.0/0000:04:00.0"
      try FileManager.default.removeItem(atPath: link)
      try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: outside)
      try body(root, outside)
    }
  }

  @Test("an absolute bus link out of the root is an error for show and list --all", arguments: [["show", "3b:00.1"], ["list", "--all", "--json"]])
  func absoluteDeviceLinkOutOfTheRoot(args: [String]) throws {
    try withEscapingBusLink { root, outside in
      let r = try runCLI(["--root", root] + args)
      #expect(r.status == 1 && r.stdout == "", "exited \(r.status), stdout:\n\(r.stdout)")
      #expect(r.stderr.hasPrefix("Error: 0000:3b:00.1: ") && r.stderr.contains("points outside the host root (\(outside))"),
        "stderr: \(r.stderr)")
    }
  }

  @Test
  func absoluteDeviceLinkOutOfTheRootForList() throws {
    try withEscapingBusLink { root, outside in
      let r = try runCLI(["--root", root, "list"])
      #expect(r.status == 1 && r.stdout == "", "exited \(r.status), stdout:\n\(r.stdout)")
      #expect(r.stderr.hasPrefix("Error: 0000:3b:00.1: ") && r.stderr.contains("points outside the host root (\(outside))"),
        "stderr: \(r.stderr)")
    }
  }
}
