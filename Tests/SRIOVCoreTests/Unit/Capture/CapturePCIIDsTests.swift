import Foundation
@testable import SRIOVCore
import Testing

/// `capture` stores pci.ids cut to the captured functions and the class list.
@Suite("Capture pci.ids subset")
struct CapturePCIIDsTests {
  static let source = """
    # header comment
    1234  Other Vendor
    \t0001  Other Device
    8086  Intel Corporation
    \t1521  I350 Gigabit Network Connection
    \t\t8086 0001  Ethernet Server Adapter I350-T4
    \t1572  Ethernet Controller X710 for 10GbE SFP+
    \t\t1028 0000  Ethernet 10G 4P X710/I350 rNDC
    \t\t8086 0000  Ethernet Converged Network Adapter X710
    \t\t8086 0001  Ethernet Converged Network Adapter X710-4
    1028  Dell

    # List of known device classes, subclasses and programming interfaces
    C 02  Network controller
    \t00  Ethernet controller
    C 0c  Serial bus controller
    \t03  USB controller
    \t\t30  XHCI

    """

  @Test func keepsTheCapturedFunctionsAndEveryClass() {
    let subset = PCIIDsSubset([
      .init(vendor: 0x8086, device: 0x1572, subsystem: (0x8086, 0x0000)),
      .init(vendor: 0x8086, device: 0x1572, subsystem: (0x1028, 0x0000)),
    ])
    let text = String(decoding: subset.filter(Array(Self.source.utf8)), as: UTF8.self)
    #expect(text == """
      # pci.ids subset written by sriovctl capture: the captured functions and every class
      8086  Intel Corporation
      \t1572  Ethernet Controller X710 for 10GbE SFP+
      \t\t1028 0000  Ethernet 10G 4P X710/I350 rNDC
      \t\t8086 0000  Ethernet Converged Network Adapter X710
      1028  Dell
      C 02  Network controller
      \t00  Ethernet controller
      C 0c  Serial bus controller
      \t03  USB controller
      \t\t30  XHCI

      """)
  }

  /// The acceptance test: a capture of a root carrying the full pci.ids answers `list` and `show`
  /// exactly as the root does, its pci.ids is a small fraction of the original, libpci accepts it,
  /// and `list` on the capture never loads libpci (the checked table names everything).
  @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/share/misc/pci.ids"), "needs the pci.ids package"))
  func aCaptureNamesItsDevicesFromASmallPCIIDs() throws {
    try withTempCopy(of: "x710-demo") { root in
      let ids = root + "/usr/share/misc/pci.ids"
      try FileManager.default.removeItem(atPath: ids)
      try FileManager.default.copyItem(atPath: "/usr/share/misc/pci.ids", toPath: ids)
      try withCaptureDir { _, capture in
        let r = try runCLI(["--root", root, "capture", capture])
        try #require(r.status == 0, "\(r.stderr)")
        for args in [["list"], ["list", "--vfs", "--json"], ["show", "3b:00.0"], ["show", "3b:02.0", "--json"]] {
          let original = try runCLI(["--root", root] + args)
          let captured = try runCLI(["--root", capture] + args)
          #expect(captured.stdout == original.stdout, "\(args)")
          #expect(captured.status == original.status)
        }
        let captured = capture + "/usr/share/misc/pci.ids"
        let size = try #require(FileManager.default.attributesOfItem(atPath: captured)[.size] as? Int)
        let full = try #require(FileManager.default.attributesOfItem(atPath: ids)[.size] as? Int)
        #expect(size * 50 < full, "captured pci.ids is \(size) bytes of \(full)")
        let listed = try runCLI(["--root", capture, "list", "--vfs"], env: ["LD_DEBUG": "libs"])
        #expect(listed.status == 0)
        #expect(!listed.stderr.contains("libpci.so.3"), "list on the capture loaded libpci")
        #expect(listed.stdout.contains("X710"))
        if Repo.hasLspci {
          let lspci = try run(Repo.lspci, ["-A", "linux-sysfs", "-O", "sysfs.path=\(capture)/sys/bus/pci", "-i", captured, "-s", "3b:00.0"], env: [:])
          #expect(lspci.status == 0, "\(lspci.stderr)")
          #expect(lspci.stdout.contains("Intel Corporation Ethernet Controller X710 for 10GbE SFP+"), "\(lspci.stdout)")
        }
      }
    }
  }
}
