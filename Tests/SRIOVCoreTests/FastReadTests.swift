import Foundation
import SRIOVCore
import Testing

/// The fast paths of read-only reports (directory-fd reads in `FunctionDirectories`, the checked
/// pci.ids table in `PCILibrary`) give the same answers as the slow ones, and hand every unusual
/// case to them: errors, links out of the root and damaged pci.ids files included.
@Suite("Fast reads")
struct FastReadTests {
  @Test func vfDriverLinkOutOfTheRootIsAnErrorInList() throws {
    try withTempCopy(of: "x710-demo") { root in
      let driver = root + "/sys/bus/pci/devices/0000:3b:02.1/driver"
      try FileManager.default.removeItem(atPath: driver)
      try FileManager.default.createSymbolicLink(atPath: driver, withDestinationPath: "/etc")
      let r = try runCLI(["--root", root, "list", "--vfs"])
      #expect(r.status == 1 && r.stdout == "")
      #expect(r.stderr.hasPrefix(
        "Error: 0000:3b:02.1: cannot read its driver link: reading link \(driver) failed: it points outside the host root (/etc)\n"),
        "stderr: \(r.stderr)")
    }
  }

  /// A VF directory that is itself a symlink (to a copy elsewhere inside the root) is not read through
  /// the fd reader, which follows no links; the rooted walk follows it, so the listing is unchanged.
  @Test func functionDirectoryBehindALinkInsideTheRootReadsTheSame() throws {
    let pristine = try runCLI(["--root", fixtureRoot("x710-demo"), "list", "--vfs", "--json"])
    try #require(pristine.status == 0)
    try withTempCopy(of: "x710-demo") { root in
      let parent = root + "/sys/devices/pci0000:3a/0000:3a:00.0"
      let vf = parent + "/0000:3b:02.2"
      try #require(FileManager.default.fileExists(atPath: vf), "fixture layout changed")
      // Same depth, so the VF's relative links (iommu_group, driver) still resolve inside the root.
      try FileManager.default.createDirectory(atPath: root + "/sys/devices/pci0000:3a/elsewhere", withIntermediateDirectories: false)
      try FileManager.default.moveItem(atPath: vf, toPath: root + "/sys/devices/pci0000:3a/elsewhere/0000:3b:02.2")
      try FileManager.default.createSymbolicLink(atPath: vf, withDestinationPath: "../elsewhere/0000:3b:02.2")
      let r = try runCLI(["--root", root, "list", "--vfs", "--json"])
      #expect(r.status == 0, "stderr: \(r.stderr)")
      #expect(r.stdout == pristine.stdout)
    }
  }

  @Test(arguments: ["x710-demo", "connectx5", "nvme-sriov"])
  func namesFromTheCheckedTableAreLibpcis(scenario: String) throws {
    let root = fixtureRoot(scenario)
    try expectSameNames(ids: root + "/usr/share/misc/pci.ids", bus: root + "/sys/bus/pci")
  }

  /// Shapes libpci accepts that a naive reader would get wrong: CRLF, one trailing blank dropped (not
  /// two), comments inside blocks, a class without the subclass asked for ("Name [0280]"), unknown
  /// blocks, a last line without a newline.
  @Test func namesFromAnUnusualButValidFileAreLibpcis() throws {
    let text = "# comment\n8086  Intel Corporation  \r\n\t1572  Ethernet Controller X710 for 10GbE SFP+\n"
      + "#\tcomment in a block\n\t\t8086 0001  Ethernet Converged Network Adapter X710-4\n"
      + "\t1889  Ethernet Adaptive Virtual Function\t\n15b3  Mellanox Technologies\n"
      + "\t1017  MT27800 Family [ConnectX-5]\nX  unknown block\n\tskipped\n"
      + "C 02  Network controller\n\t00  Ethernet controller\n\t\t01  progif\n\t80  Network controller\n"
      + "C 0c  Serial bus controller\n\t03  USB controller"
    try withTempDirectory { dir in
      try text.write(toFile: dir + "/pci.ids", atomically: false, encoding: .utf8)
      try expectSameNames(ids: dir + "/pci.ids", bus: dir)
      let pci = try PCILibrary(sysfsBusPCI: dir, idsPath: dir + "/pci.ids")
      #expect(try pci.vendorName(PCIID(0x8086)) == "Intel Corporation ")
      #expect(try pci.className(PCIClass(0x0c0500)) == "Serial bus controller [0c05]")
      #expect(try pci.deviceName(vendor: PCIID(0x8086), device: PCIID(0x1017)) == nil)
    }
  }

  /// Files libpci rejects: the table refuses them too, so libpci's own message reaches the user.
  @Test(arguments: [
    ("8086  Intel\n8086  Intel again\n", "Duplicate entry", 2),
    ("8086  Intel\n\t1572  X710\n\t1572  X710 again\n", "Duplicate entry", 3),
    ("8086  Intel\n\t\t\t1572  too deep\n", "Parse error", 2),
    ("\t1572  device before any vendor\n", "Parse error", 1),
    ("8086  Intel\nS 1234\n", "Vendor does not exist", 2),
    ("8086\n", "Parse error", 1),
  ])
  func damagedFilesGetLibpcisError(text: String, message: String, line: Int) throws {
    try withTempDirectory { dir in
      let ids = dir + "/pci.ids"
      try text.write(toFile: ids, atomically: false, encoding: .utf8)
      let pci = try PCILibrary(sysfsBusPCI: dir, idsPath: ids)
      // libpci loads the file once: the first lookup is the one that reports.
      let error = #expect(throws: PCIError.self) { _ = try pci.vendorName(PCIID(0x8086)) }
      #expect(error?.message == "\(message) at \(ids), line \(line)")
    }
  }

  /// Every vendor, the devices the file names (and neighbours it does not), every class code.
  private func expectSameNames(ids: String, bus: String) throws {
    let table = try PCILibrary(sysfsBusPCI: bus, idsPath: ids)
    let libpci = try PCILibrary(sysfsBusPCI: bus, idsPath: ids, names: .libpci)
    var devices: [(UInt16, UInt16)] = []
    var vendor: UInt16?
    for line in try String(contentsOfFile: ids, encoding: .isoLatin1).split(separator: "\n") {
      if let v = UInt16(line.prefix(4), radix: 16), line.first != "\t" { vendor = v }
      if line.hasPrefix("\t"), !line.hasPrefix("\t\t"), let v = vendor, let d = UInt16(line.dropFirst().prefix(4), radix: 16) {
        devices.append((v, d))
        devices.append((v, d &+ 1))
      }
    }
    var checked = 0
    for v in 0...0xffff {
      #expect(try table.vendorName(PCIID(UInt16(v))) == libpci.vendorName(PCIID(UInt16(v))), "vendor \(v)")
      #expect(try table.className(PCIClass(UInt32(v) << 8)) == libpci.className(PCIClass(UInt32(v) << 8)), "class \(v)")
      checked += 2
    }
    for (v, d) in devices {
      #expect(try table.deviceName(vendor: PCIID(v), device: PCIID(d)) == libpci.deviceName(vendor: PCIID(v), device: PCIID(d)))
      checked += 1
    }
    #expect(checked > 131_072)
  }

  private func withTempDirectory(_ body: (String) throws -> Void) throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sriovctl-ids-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try body(dir)
  }
}
