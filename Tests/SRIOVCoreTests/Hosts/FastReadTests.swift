import Foundation
import SRIOVCore
import Testing

/// The fast paths of read-only reports (directory-fd reads in `FunctionDirectories`, the checked
/// pci.ids table in `PCILibrary`) give the same answers as the slow ones, and hand every unusual
/// case to them: errors, links out of the root and damaged pci.ids files included.
@Suite("Fast reads")
struct FastReadTests {
  /// A link out of the root is never followed, but its last component is what the kernel named:
  /// the fd reader hands it to the slow path, which names the driver by it (issue 17).
  @Test func vfDriverLinkOutOfTheRootNamesTheDriverByItsLastComponent() throws {
    try withTempCopy(of: "x710-demo") { root in
      let driver = root + "/sys/bus/pci/devices/0000:3b:02.1/driver"
      try FileManager.default.removeItem(atPath: driver)
      try FileManager.default.createSymbolicLink(atPath: driver, withDestinationPath: "/nonexistent/drivers/iavf-escaped")
      let r = try runCLI(["--root", root, "list", "--vfs"])
      #expect(r.status == 0 && r.stderr == "", "stderr: \(r.stderr)")
      #expect(r.stdout.contains("  0000:3b:02.1  enp59s0f0v1  iavf-escaped  8086:154c  vf 1"), "\(r.stdout)")
      let show = try runCLI(["--root", root, "show", "3b:02.1"])
      #expect(show.stdout.contains("  driver:        iavf-escaped\n") || show.stdout.contains("  driver:       iavf-escaped\n"), "\(show.stdout)")
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
      let pci = PCILibrary(sysfsBusPCI: dir, idsPath: dir + "/pci.ids")
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
      let pci = PCILibrary(sysfsBusPCI: dir, idsPath: ids)
      // libpci loads the file once: the first lookup is the one that reports.
      let error = #expect(throws: PCIError.self) { _ = try pci.vendorName(PCIID(0x8086)) }
      #expect(error?.message == "\(message) at \(ids), line \(line)")
    }
  }

  /// Randomly damaged copies (a seeded generator: the same copies every run) of a real pci.ids
  /// excerpt: characters cut or inserted, lines duplicated, swapped, re-indented, given trailing
  /// blanks or CRs, removed. Whenever libpci rejects a copy, the table path reports libpci's own
  /// error (the table refused it); otherwise it gives libpci's names.
  @Test func randomlyDamagedFilesAreRefusedOrNamedAsLibpciDoes() throws {
    let system = "/usr/share/misc/pci.ids"
    let source = FileManager.default.fileExists(atPath: system) ? system : fixtureRoot("x710-demo") + "/usr/share/misc/pci.ids"
    let lines = try String(contentsOfFile: source, encoding: .isoLatin1).split(separator: "\n", omittingEmptySubsequences: false)
    // Vendors with devices and subsystems, then the classes (they come last in the file).
    let classes = lines.firstIndex { $0.hasPrefix("C ") } ?? lines.count
    let excerpt = Array(lines.prefix(min(2500, classes))) + lines[classes...]
    var random = SplitMix(seed: 0x5151_0cd5)
    var rejected = 0
    try withTempDirectory { dir in
      for copy in 0..<30 {
        var damaged = excerpt
        for _ in 0...random.next(below: 2) { damage(&damaged, &random) }
        let ids = dir + "/pci-\(copy).ids"
        try damaged.joined(separator: "\n").write(toFile: ids, atomically: false, encoding: .isoLatin1)
        let libpci = PCILibrary(sysfsBusPCI: dir, idsPath: ids, names: .libpci)
        do {
          _ = try libpci.vendorName(PCIID(0x8086))
        } catch {
          rejected += 1
          let table = PCILibrary(sysfsBusPCI: dir, idsPath: ids)
          let tableError = #expect(throws: PCIError.self, "copy \(copy)") { _ = try table.vendorName(PCIID(0x8086)) }
          #expect(tableError?.message == (error as? PCIError)?.message, "copy \(copy)")
          continue
        }
        try expectSameNames(ids: ids, bus: dir)
      }
    }
    // Both kinds were tried.
    #expect(rejected > 3 && rejected < 27, "\(rejected) of 30 copies rejected")
  }

  private func damage(_ lines: inout [Substring], _ random: inout SplitMix) {
    let line = random.next(below: lines.count)
    var text = String(lines[line])
    switch random.next(below: 8) {
    case 0 where !text.isEmpty:
      text.remove(at: text.index(text.startIndex, offsetBy: random.next(below: text.count)))
    case 1:
      let inserts: [Character] = [" ", "\t", "g", "0", "f", "#", "\r", "C", "S", "X"]
      text.insert(inserts[random.next(below: inserts.count)], at: text.index(text.startIndex, offsetBy: random.next(below: text.count + 1)))
    case 2: lines.insert(lines[line], at: line)
    case 3 where line + 1 < lines.count: lines.swapAt(line, line + 1)
    case 4: text = "\t" + text
    case 5 where text.hasPrefix("\t"): text.removeFirst()
    case 6: text += [" ", "\t", "  ", "\r"][random.next(below: 4)]
    default: lines.remove(at: line); return
    }
    if line < lines.count { lines[line] = Substring(text) }
  }

  /// Every vendor, the devices the file names (and neighbours it does not), every class code.
  private func expectSameNames(ids: String, bus: String) throws {
    let table = PCILibrary(sysfsBusPCI: bus, idsPath: ids)
    let libpci = PCILibrary(sysfsBusPCI: bus, idsPath: ids, names: .libpci)
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

/// A small seeded generator (SplitMix64): damaged copies are the same on every run.
struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9e37_79b9_7f4a_7c15
    var z = state
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
  }
  mutating func next(below bound: Int) -> Int { bound <= 1 ? 0 : Int(next() % UInt64(bound)) }
}
