import Foundation
import Testing

@testable import SRIOVCore

/// The matching rules of each tool, against their documentation (see the comments in Owners/).
@Suite("Owners matching")
struct OwnersMatchingTests {
  // MARK: fnmatch(3) with no flags

  @Test(arguments: [
    ("enp59s0f*", "enp59s0f0", true), ("enp59s0f*", "enp59s0", false),
    ("*", "a/b", true),  // no FNM_PATHNAME: '*' crosses '/'
    ("*", ".hidden", true),  // no FNM_PERIOD
    ("eth?", "eth0", true), ("eth?", "eth10", false),
    ("enp59s0f[01]", "enp59s0f1", true), ("enp59s0f[01]", "enp59s0f2", false),
    ("enp59s0f[!0]", "enp59s0f0", false), ("enp59s0f[^0]", "enp59s0f3", true),
    ("[]x]", "]", true), ("[a-c]x", "bx", true), ("[a-c]x", "dx", false),
    ("a\\*", "a*", true), ("a\\*", "ab", false),
    ("[ab", "[ab", true),  // an unterminated set is a literal '['
    ("pci-0000:3b:00.*", "pci-0000:3b:00.1", true),
    ("*a*b*c", "xxaxxbxxc", true), ("*a*b*c", "xxaxxbxx", false),
  ])
  func globFollowsFnmatch(pattern: String, text: String, expected: Bool) {
    #expect(Glob(pattern).matches(text) == expected, "\(pattern) vs \(text)")
  }

  // MARK: systemd [Match] lists

  @Test func systemdListNegationAppliesToTheWholeValue() {
    var list = SystemdMatchList()
    list.assign("!eth0 eth1")
    #expect(list.words == ["!eth0", "!eth1"])
    #expect(list.test(["eth2"]))  // only negative words: everything else matches
    #expect(!list.test(["eth1"]))
  }

  @Test func systemdListAccumulatesAndEmptyResets() {
    var list = SystemdMatchList()
    list.assign("enp59s0f*")
    list.assign("!enp59s0f0")
    #expect(list.test(["enp59s0f1"]))
    #expect(!list.test(["enp59s0f0"]))
    #expect(!list.test(["eno1"]))  // a positive word exists and none matched
    list.assign("")
    #expect(list.isEmpty && list.test(["anything"]))
  }

  @Test func systemdWordsUnquoteAndKeepEscapes() {
    #expect(SystemdWords.split("a \"b c\" 'd'  e\\*") == ["a", "b c", "d", "e\\*"])
  }

  @Test func continuationJoinsAndSkipsCommentsInside() {
    let lines = LogicalLines.split("A=1 \\\n# skipped\n  2\n\n; c\nB=3\n", comment: ["#", ";"], continuation: true)
    #expect(lines == [LogicalLine(line: 1, text: "A=1    2"), LogicalLine(line: 6, text: "B=3")])
  }

  // MARK: .link: directory precedence, masking, first match

  static let pf0 = OwnerDevice(
    address: PCIAddress(bus: 0x3b, device: 0, function: 0), pf: PCIAddress(bus: 0x3b, device: 0, function: 0), vfIndex: nil,
    driver: "i40e", vendorID: PCIID(0x8086), deviceID: PCIID(0x1572),
    netdevs: [OwnerDevice.Netdev(name: "enp59s0f0", mac: "3c:fd:fe:3b:00:00")])
  static let pf = OwnerPF(device: pf0, vfs: [], numVFs: 4, totalVFs: 64)

  func withRoot(_ files: [String: String], links: [String: String] = [:], _ body: (RootedHostFiles) throws -> Void) throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("owners-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    for (rel, text) in files {
      let path = dir + "/" + rel
      try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try text.write(toFile: path, atomically: false, encoding: .utf8)
    }
    for (rel, target) in links {
      let path = dir + "/" + rel
      try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
    }
    try body(RootedHostFiles(root: dir))
  }

  func owners(_ sysfs: RootedHostFiles) -> [OwnerFinding] {
    OwnersReport.build(sysfs: sysfs, pfs: [Self.pf]).findings
  }

  @Test func etcReplacesRunReplacesUsrLibByName() throws {
    let link = { (n: Int) in "[Match]\nDriver=i40e\n[Link]\nSR-IOVVirtualFunctions=\(n)\n" }
    try withRoot([
      "usr/lib/systemd/network/10-x.link": link(1), "run/systemd/network/10-x.link": link(2),
      "etc/systemd/network/10-x.link": link(3),
    ]) { sysfs in
      #expect(owners(sysfs).map(\.settings) == [[OwnerSetting("vf_count", "3")]])
      #expect(owners(sysfs).map(\.file) == [HostPath("etc/systemd/network/10-x.link")])
    }
    try withRoot(["usr/lib/systemd/network/10-x.link": link(1), "run/systemd/network/10-x.link": link(2)]) { sysfs in
      #expect(owners(sysfs).map(\.settings) == [[OwnerSetting("vf_count", "2")]])
    }
  }

  @Test func emptyFileAndDevNullLinkMask() throws {
    let link = "[Match]\nDriver=i40e\n[Link]\nSR-IOVVirtualFunctions=8\n"
    try withRoot(["usr/lib/systemd/network/10-x.link": link, "etc/systemd/network/10-x.link": ""]) { sysfs in
      #expect(owners(sysfs).isEmpty)
    }
    try withRoot(["usr/lib/systemd/network/10-x.link": link], links: ["etc/systemd/network/10-x.link": "/dev/null"]) { sysfs in
      #expect(owners(sysfs).isEmpty)
    }
  }

  @Test func firstMatchingLinkFileWinsInLexicalOrderAcrossDirectories() throws {
    try withRoot([
      // /run/.../05 sorts before /etc/.../10: it matches first and sets nothing about SR-IOV.
      "run/systemd/network/05-name.link": "[Match]\nPath=pci-0000:3b:00.*\n[Link]\nNamePolicy=path\n",
      "etc/systemd/network/10-sriov.link": "[Match]\nOriginalName=*\n[Link]\nSR-IOVVirtualFunctions=8\n",
    ]) { sysfs in
      #expect(owners(sysfs).isEmpty)
    }
    try withRoot([
      "run/systemd/network/05-name.link": "[Match]\nPath=pci-0000:3c:*\n[Link]\nNamePolicy=path\n",
      "etc/systemd/network/10-sriov.link": "[Match]\nMACAddress=3C-FD-FE-3B-00-00\n[Link]\nSR-IOVVirtualFunctions=8\n",
    ]) { sysfs in
      let found = owners(sysfs)
      #expect(found.count == 1 && found.first?.line == 4 && found.first?.uncertain == nil)
    }
  }

  /// systemd.link(5): `foo.link.d/*.conf` from every network directory, merged by name, parsed
  /// after `foo.link` (a later assignment wins); the finding names the drop-in that sets the count.
  @Test func dropInsOverrideTheMainFile() throws {
    try withRoot([
      "usr/lib/systemd/network/10-x.link": "[Match]\nDriver=i40e\n[Link]\nSR-IOVVirtualFunctions=2\n",
      "usr/lib/systemd/network/10-x.link.d/50-vfs.conf": "[Link]\nSR-IOVVirtualFunctions=4\n",
      "etc/systemd/network/10-x.link.d/50-vfs.conf": "[Link]\nSR-IOVVirtualFunctions=6\n",
      "run/systemd/network/10-x.link.d/60-more.conf": "# later by name\n[Link]\nSR-IOVVirtualFunctions=7\n",
    ]) { sysfs in
      let found = owners(sysfs)
      #expect(found.map(\.settings) == [[OwnerSetting("vf_count", "7")]])
      #expect(found.first?.location == "/run/systemd/network/10-x.link.d/60-more.conf:3")
    }
  }

  @Test func linkWithoutMatchMatchesAllButNetworkIsIgnored() throws {
    try withRoot([
      "etc/systemd/network/10-all.link": "[Link]\nSR-IOVVirtualFunctions=2\n",
      "etc/systemd/network/10-all.network": "[SR-IOV]\nVirtualFunction=0\nTrust=yes\n",
    ]) { sysfs in
      #expect(owners(sysfs).map(\.kind) == [.systemdLink])
    }
  }

  @Test func originalNameIsUndecidableOffline() throws {
    try withRoot(["etc/systemd/network/10-x.link": "[Match]\nOriginalName=eth0\n[Link]\nSR-IOVVirtualFunctions=2\n"]) { sysfs in
      let found = owners(sysfs)
      #expect(found.count == 1 && found[0].uncertain?.contains("OriginalName") == true)
    }
  }

  // MARK: hostile files

  @Test func hostileFilesAreFindingsNotCrashes() throws {
    let big = String(repeating: "#", count: ConfigFileReader.maxSize + 1)
    try withRoot([
      "etc/systemd/network/10-bin.link": "[Match]\u{0}\n", "etc/systemd/network/20-big.link": big,
      "etc/netplan/10-deep.yaml": String(repeating: "[", count: 500),
    ], links: ["etc/systemd/network/30-out.link": "../../../../etc/passwd"]) { sysfs in
      let errors = owners(sysfs).filter { $0.error != nil }
      let byFile = Dictionary(errors.map { ($0.file.lastComponent ?? "", $0.error ?? "") }, uniquingKeysWith: { a, _ in a })
      #expect(byFile["10-bin.link"]?.contains("binary") == true)
      #expect(byFile["20-big.link"]?.contains("larger") == true)
      #expect(byFile["30-out.link"]?.contains("leaves the host root") == true, "\(byFile)")
      #expect(byFile["10-deep.yaml"] != nil)
    }
  }

  @Test func absoluteLinkStaysInsideTheRoot() throws {
    try withRoot(["usr/lib/custom/x.link": "[Match]\nDriver=i40e\n[Link]\nSR-IOVVirtualFunctions=5\n"],
      links: ["etc/systemd/network/10-x.link": "/usr/lib/custom/x.link"]) { sysfs in
      #expect(owners(sysfs).first?.settings == [OwnerSetting("vf_count", "5")])
    }
  }

  // MARK: netplan

  @Test func netplanShadowsByNameAndMergesTheRest() throws {
    try withRoot([
      "lib/netplan/10-a.yaml": "network:\n  ethernets:\n    enp59s0f0:\n      virtual-function-count: 9\n",
      "etc/netplan/10-a.yaml": "network:\n  ethernets:\n    enp59s0f0:\n      virtual-function-count: 3\n",
      "etc/netplan/20-vfs.yaml": "network:\n  ethernets:\n    vf0:\n      link: enp59s0f0\n",
    ]) { sysfs in
      #expect(owners(sysfs).map(\.settings) == [[OwnerSetting("vf_count", "3")]])
    }
    try withRoot([
      "etc/netplan/20-vfs.yaml": "network:\n  ethernets:\n    p:\n      match:\n        macaddress: \"3c:fd:fe:3b:00:00\"\n    a:\n      link: p\n    b:\n      link: p\n",
    ]) { sysfs in
      #expect(owners(sysfs).map(\.settings) == [[OwnerSetting("vf_count", "2")]])  // implied by the VFs declared
    }
  }

  /// The SR-IOV example of netplan's YAML reference (a space before a colon, a quoted flow list,
  /// a VF matched by a name glob).
  @Test func netplanReferenceExample() throws {
    let eno1 = OwnerDevice(address: Self.pf0.address, pf: Self.pf0.address, vfIndex: nil, driver: "igb",
      vendorID: PCIID(0x8086), deviceID: PCIID(0x1521), netdevs: [OwnerDevice.Netdev(name: "eno1", mac: nil)])
    try withRoot(["etc/netplan/50.yaml": """
      network:
        version: 2
        renderer: networkd
        ethernets:
          eno1:
            mtu: 9000
            virtual-function-count: 8
            embedded-switch-mode: switchdev
            delay-virtual-functions-rebind: true
          enp1s16f1:
            link: eno1
            addresses : [ "10.15.98.25/24" ]
          vf1:
            match:
              name: enp1s16f[2-4]
            link: eno1
            set-name: myvf1

      """]) { sysfs in
      let found = OwnersReport.build(sysfs: sysfs, pfs: [OwnerPF(device: eno1, vfs: [], numVFs: 0, totalVFs: 7)]).findings
      #expect(found.map(\.settings) == [[OwnerSetting("vf_count", "8"), OwnerSetting("eswitch_mode", "switchdev")]])
      #expect(found.first?.line == 7)
    }
  }

  // MARK: NetworkManager

  @Test(arguments: [
    ("interface-name:enp59s0f*", true), ("interface-name:=enp59s0f", false), ("mac:3C:FD:FE:3B:00:00", true),
    ("driver:i40e,except:interface-name:enp59s0f0", false), ("except:interface-name:eno1", true),
    ("3c:fd:fe:3b:00:00", true), ("path:pci-0000:3b:00.0", true), ("type:wifi", false),
  ])
  func nmDeviceSpecs(spec: String, expected: Bool) {
    #expect((NMDeviceSpec.match(spec, Self.pf0) == .yes) == expected, "\(spec)")
  }

  struct RootOnly: FileModes {
    func mode(of path: HostPath) -> FileMode? {
      path.lastComponent == "open.nmconnection" ? FileMode(uid: 0, mode: 0o644) : FileMode(uid: 0, mode: 0o600)
    }
  }

  @Test func nmIgnoresKeyfilesOthersCanRead() throws {
    let profile = "[connection]\nid=x\ninterface-name=enp59s0f0\n[sriov]\ntotal-vfs=4\n"
    try withRoot([
      "etc/NetworkManager/system-connections/open.nmconnection": profile,
      "etc/NetworkManager/system-connections/ok.nmconnection": profile,
    ]) { sysfs in
      let found = OwnersReport.build(sysfs: sysfs, pfs: [Self.pf], modes: RootOnly()).findings
      #expect(found.map { $0.file.lastComponent } == ["ok.nmconnection"])
    }
  }

  // MARK: udev

  @Test func udevTokenizerReadsRulesAndRefusesBrokenOnes() {
    let t = UdevRules.tokenize(#"ACTION=="add", SUBSYSTEM=="net",ATTR{device/sriov_numvfs}="6""#)
    #expect(t?.map(\.key) == ["ACTION", "SUBSYSTEM", "ATTR"] && t?.last?.attribute == "device/sriov_numvfs" && t?.last?.op == "=")
    #expect(UdevRules.tokenize(#"KERNEL=="eth0" ATTR{x}="2"#) == nil)
    #expect(UdevRules.tokenize(#"KERNEL=<"eth0""#) == nil)
  }

  @Test func modprobePerPortListFollowsProbeOrder() throws {
    let other = OwnerDevice(address: PCIAddress(bus: 1, device: 0, function: 1), pf: PCIAddress(bus: 1, device: 0, function: 1),
      vfIndex: nil, driver: "igb", vendorID: PCIID(0x8086), deviceID: PCIID(0x1521), netdevs: [])
    let first = OwnerDevice(address: PCIAddress(bus: 1, device: 0, function: 0), pf: PCIAddress(bus: 1, device: 0, function: 0),
      vfIndex: nil, driver: "igb", vendorID: PCIID(0x8086), deviceID: PCIID(0x1521), netdevs: [])
    try withRoot(["etc/modprobe.d/igb.conf": "options igb max_vfs=7,3\n"]) { sysfs in
      let pfs = [OwnerPF(device: other, vfs: [], numVFs: 0, totalVFs: 7), OwnerPF(device: first, vfs: [], numVFs: 0, totalVFs: 7)]
      let found = OwnersReport.build(sysfs: sysfs, pfs: pfs).findings
      #expect(found.map { "\($0.pf!) \($0.settings[0].value)" } == ["0000:01:00.0 7", "0000:01:00.1 3"])
    }
  }
}
