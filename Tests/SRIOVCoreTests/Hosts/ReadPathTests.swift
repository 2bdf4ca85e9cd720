import Foundation
import Synchronization
import Testing

@testable import SRIOVCore

/// The read path of a listing: attributes read relative to directory fds (without `fstat` where
/// the directory is sysfs itself), and facts read only when something needs them.
@Suite("Read path")
struct ReadPathTests {
  /// On the live host the function directories are sysfs: their attributes are read beneath the
  /// directory without crossing a mount (no `fstat` needed there). What `show` reports must be what
  /// the files say, read plainly.
  @Test(.enabled(if: FileManager.default.fileExists(atPath: "/sys/bus/pci/devices"), "no /sys/bus/pci here"))
  func liveSysfsAttributesReadWithoutFstatMatchThePlainFiles() throws {
    let devices = "/sys/bus/pci/devices"
    let names = try FileManager.default.contentsOfDirectory(atPath: devices).sorted()
    try #require(!names.isEmpty)
    let value = { (path: String) -> String? in
      (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    for name in names.prefix(12) {
      let r = try runCLI(["--root", "/", "show", name, "--json"])
      try #require(r.status == 0, "show \(name): \(r.stderr)")
      let device = try #require(try JSONValue(parsing: r.stdout)["device"])
      #expect(device["vendor_id"] == value("\(devices)/\(name)/vendor").map { .string(String($0.dropFirst(2))) }, "\(name)")
      #expect(device["device_id"] == value("\(devices)/\(name)/device").map { .string(String($0.dropFirst(2))) }, "\(name)")
      let numa = value("\(devices)/\(name)/numa_node").flatMap { Int($0) }.flatMap { $0 < 0 ? nil : $0 }
      #expect(device["numa_node"] == numa.map { .int($0) } ?? .null, "\(name)")
    }
  }

  /// A netdev's MAC is read when an owner file asks for it, once, and never for a report that
  /// does not (`show` of a PF with hundreds of VFs).
  @Test func aNetdevsMACIsReadOnlyWhenAskedAndOnce() {
    let reads = Mutex(0)
    let netdev = OwnerDevice.Netdev(name: "eth0") {
      reads.withLock { $0 += 1 }
      return "02:00:00:00:00:01"
    }
    let copy = netdev
    #expect(reads.withLock { $0 } == 0)
    #expect(copy.mac == "02:00:00:00:00:01" && netdev.mac == "02:00:00:00:00:01")
    #expect(reads.withLock { $0 } == 1)
  }

  /// A path below a missing directory is missing, however deep, with the same answer as before
  /// the walk stopped asking `lstat` below it.
  @Test func pathsBelowAMissingDirectoryAreMissing() throws {
    try withTempCopy(of: "x710-demo") { root in
      let sysfs = RootedHostFiles(root: root).cachingResolutions()
      for path in ["etc/NetworkManager/system-connections/a.nmconnection", "etc/nonexistent/x/y", "run/none"] {
        #expect(throws: SysfsError.self) { try sysfs.read(HostPath(path)) }
        #expect(!sysfs.exists(HostPath(path)))
        #expect(try sysfs.realPath(HostPath(path)) == HostPath(path))
      }
      // A missing directory that appears is not remembered across passes (a new caching copy).
      try FileManager.default.createDirectory(atPath: root + "/etc/nonexistent/x", withIntermediateDirectories: true)
      try "v\n".write(toFile: root + "/etc/nonexistent/x/y", atomically: false, encoding: .utf8)
      #expect(try RootedHostFiles(root: root).cachingResolutions().read(HostPath("etc/nonexistent/x/y")) == "v\n")
    }
  }
}
