import Foundation
import SRIOVCore
import Testing

/// `show` finds netdevs from the shown functions' own directories, and libpci is loaded only when
/// config space or libpci's names are needed: same answers as reading everything, and a missing
/// libpci is still a clear error where it matters.
@Suite("Lazy reads")
struct LazyReadTests {
  static let pf = "0000:3b:00.0"
  static let pfDir = "/sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0"

  /// A netdev under a child device of the function (virtio: `<function>/virtio3/net/eth7`) belongs
  /// to the function, in `show` as in `list`; one under a PCI function below it does not.
  @Test func showFindsNetdevsOfChildDevicesAsListDoes() throws {
    try withTempCopy(of: "x710-demo") { root in
      let fm = FileManager.default
      try fm.createDirectory(atPath: root + Self.pfDir + "/virtio3/net/eth7", withIntermediateDirectories: true)
      try fm.createSymbolicLink(atPath: root + "/sys/class/net/eth7",
        withDestinationPath: "../../devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0/virtio3/net/eth7")
      // A function's net/ holding a name whose class/net link leads elsewhere: not this function's.
      try fm.createDirectory(atPath: root + Self.pfDir + "/net/eno1", withIntermediateDirectories: true)
      let show = try runCLI(["--root", root, "show", Self.pf, "--json"])
      let list = try runCLI(["--root", root, "list", "--json"])
      try #require(show.status == 0 && list.status == 0, "stderr: \(show.stderr)\(list.stderr)")
      let showPF = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any]
      let listed = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any]
      let listPF = (listed?["pfs"] as? [[String: Any]])?.first { $0["address"] as? String == Self.pf }
      let showNetdevs = (showPF?["device"] as? [String: Any])?["netdevs"] as? [String]
      #expect(showNetdevs == ["enp59s0f0", "eth7"], "show: \(show.stdout)")
      #expect(listPF?["netdevs"] as? [String] == ["enp59s0f0", "eth7"], "list: \(list.stdout)")
    }
  }

  /// `list` and `--version` never map libpci (names come from the checked pci.ids table); `show`,
  /// which reads config space, does. Seen through the dynamic loader's own log.
  @Test func onlyCommandsThatNeedLibpciLoadIt() throws {
    let root = fixtureRoot("x710-demo")
    let loads = { (args: [String]) throws -> Bool in
      let r = try runCLI(args, env: ["LD_DEBUG": "libs"])
      #expect(r.status == 0, "\(args): \(r.stderr.suffix(300))")
      return r.stderr.contains("libpci.so.3")
    }
    #expect(try !loads(["--version"]))
    #expect(try !loads(["--root", root, "list", "--vfs", "--json"]))
    #expect(try loads(["--root", root, "show", Self.pf]))
  }

  @Test func aMissingLibpciIsAClearError() throws {
    let host = try Host(root: fixtureRoot("x710-demo"))
    let error = #expect(throws: SRIOVError.self) { _ = try host.openPCI(library: "libpci-not-installed.so.3") }
    #expect(error?.subject == "libpci")
    #expect(error?.problem.hasPrefix("cannot load the PCI library: libpci-not-installed.so.3: cannot open shared object file") == true,
      "\(String(describing: error?.problem))")
    #expect(error?.hint == "install libpci3 (apt install libpci3)")
  }

  /// Opened lazily, names from a checked pci.ids need no libpci; a name only libpci can give (no
  /// pci.ids given: libpci's default) reports the missing library.
  @Test func lazilyOpenedNamesNeedLibpciOnlyWithoutACheckedTable() throws {
    let root = fixtureRoot("x710-demo")
    let table = PCILibrary(sysfsBusPCI: root + "/sys/bus/pci", idsPath: root + "/usr/share/misc/pci.ids",
      library: "libpci-not-installed.so.3")
    #expect(try table.vendorName(PCIID(0x8086)) == "Intel Corporation")
    let libpciOnly = PCILibrary(sysfsBusPCI: root + "/sys/bus/pci", idsPath: nil, library: "libpci-not-installed.so.3")
    let error = #expect(throws: PCIError.self) { _ = try libpciOnly.vendorName(PCIID(0x8086)) }
    #expect(error?.libraryMissing == true)
    #expect(throws: PCIError.self) { _ = try libpciOnly.config(of: PCIAddress(strict: Self.pf)!) }
  }
}
