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

  /// A function's netdevs are its `net/` entries (the kernel's definition), in `show` as in
  /// `list`: a name there belongs to it even when `sys/class/net` says nothing of it; a function
  /// without `net/` has the netdevs of a child device (virtio: `<function>/virtio3/net/eth7`).
  @Test func showAndListTakeNetdevsFromTheFunctionsOwnNetDirectory() throws {
    try withTempCopy(of: "x710-demo") { root in
      let fm = FileManager.default
      // No class/net link for eth5: net/ alone decides.
      try fm.createDirectory(atPath: root + Self.pfDir + "/net/eth5", withIntermediateDirectories: true)
      // PF1 has no net/ of its own, only a child device's.
      let pf1Dir = "/sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:00.1"
      try fm.removeItem(atPath: root + pf1Dir + "/net")
      try fm.createDirectory(atPath: root + pf1Dir + "/virtio3/net/eth7", withIntermediateDirectories: true)
      let show = try runBinary(["--root", root, "show", Self.pf, "--json"])
      let showPF1 = try runBinary(["--root", root, "show", "0000:3b:00.1", "--json"])
      let list = try runBinary(["--root", root, "list", "--json"])
      try #require(show.status == 0 && showPF1.status == 0 && list.status == 0, "stderr: \(show.stderr)\(list.stderr)")
      let netdevs = { (text: String) throws -> JSONValue? in try JSONValue(parsing: text)["device"]?["netdevs"] }
      #expect(try netdevs(show.stdout) == ["enp59s0f0", "eth5"], "show: \(show.stdout)")
      #expect(try netdevs(showPF1.stdout) == ["eth7"], "show: \(showPF1.stdout)")
      let pfs = try JSONValue(parsing: list.stdout)["pfs"]?.array ?? []
      #expect(pfs.map { $0["netdevs"] } == [["enp59s0f0", "eth5"], ["eth7"]], "list: \(list.stdout)")
      // A name given by the user resolves through the function whose net/ holds it.
      #expect(try runBinary(["--root", root, "show", "eth5"]).stdout == (try runBinary(["--root", root, "show", Self.pf])).stdout)
    }
  }

  /// `list` and `--version` never map libpci (names come from the checked pci.ids table); `show`,
  /// which reads config space, does. Seen through the dynamic loader's own log.
  @Test func onlyCommandsThatNeedLibpciLoadIt() throws {
    let root = fixtureRoot("x710-demo")
    let loads = { (args: [String]) throws -> Bool in
      let r = try runBinary(args, env: ["LD_DEBUG": "libs"])
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
