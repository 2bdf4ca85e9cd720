import Foundation
@testable import SRIOVCore
import Synchronization
import Testing

/// Large listings read VF rows and netdev links on several threads (`Parallel`): the report is the
/// one a one-by-one pass gives, and so is the first error.
@Suite("Parallel reads")
struct ParallelReadTests {
  @Test(arguments: [0, 1, 15, 16, 17, 1000], [1, 2, 4])
  func mapKeepsOrderAndComputesEachIndexOnce(count: Int, threads: Int) {
    let calls = Mutex([Int](repeating: 0, count: count))
    let result = Parallel.map(count, threads: threads, chunk: 16) { index in
      calls.withLock { $0[index] += 1 }
      return index * 3
    }
    #expect(result == (0..<count).map { $0 * 3 })
    #expect(calls.withLock { $0 }.allSatisfy { $0 == 1 })
  }

  @Test func mapSpreadsWorkOverThreads() {
    let threads = Mutex(Set<UInt>())
    _ = Parallel.map(64, threads: 4, chunk: 1) { _ in
      usleep(500)  // long enough for the started threads to take chunks too
      threads.withLock { _ = $0.insert(UInt(pthread_self())) }
    }
    #expect(threads.withLock { $0.count } > 1)
  }

  @Test(arguments: [true, false])
  func pendingGivesItsResult(onThread: Bool) {
    let runs = Mutex(0)
    let pending = Parallel.Pending(onThread: onThread) {
      runs.withLock { $0 += 1 }
      return "done"
    }
    #expect(pending.wait() == "done")
    #expect(pending.wait() == "done")
    #expect(runs.withLock { $0 } == 1)
  }

  /// 2 PFs × 160 VFs (above the threshold for reading rows side by side): every VF row says what
  /// the tree says, in index order.
  @Test func largeHostListsEveryVFAsTheTreeSays() throws {
    try withLargeRoot { root in
      let r = try runCLI(["--root", root, "list", "--vfs", "--json"])
      try #require(r.status == 0, "stderr: \(r.stderr)")
      let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
      let pfs = try #require(json["pfs"] as? [[String: Any]])
      #expect(pfs.count == 2)
      let devices = root + "/sys/bus/pci/devices/"
      for pf in pfs {
        let pfAddress = try #require(pf["address"] as? String)
        let vfs = try #require(pf["vfs"] as? [[String: Any]])
        #expect(vfs.count == 160)
        for (index, vf) in vfs.enumerated() {
          let address = try lastComponent(ofLink: devices + pfAddress + "/virtfn\(index)")
          #expect(vf["index"] as? Int == index)
          #expect(vf["address"] as? String == address)
          #expect(vf["driver"] as? String == (try lastComponent(ofLink: devices + address + "/driver")))
          #expect(vf["iommu_group"] as? Int == Int(try lastComponent(ofLink: devices + address + "/iommu_group")))
          let netdevs = try FileManager.default.contentsOfDirectory(atPath: devices + address + "/net").sorted()
          #expect(vf["netdevs"] as? [String] == netdevs)
        }
      }
      // On one CPU (affinity narrowed as a container or taskset would) the rows are read one by
      // one: the same listing.
      let taskset = "/usr/bin/taskset"
      if FileManager.default.isExecutableFile(atPath: taskset) {
        let single = try run(taskset, ["-c", "0", Repo.binary, "--root", root, "list", "--vfs", "--json"], env: [:])
        #expect(single.status == 0 && single.stdout == r.stdout)
      }
    }
  }

  /// Two broken VF rows, the later one read first or not: the error is the earlier VF's, as in a
  /// one-by-one pass.
  @Test func firstErrorIsTheEarliestVFs() throws {
    try withLargeRoot { root in
      let devices = root + "/sys/bus/pci/devices/"
      let pfs = try FileManager.default.contentsOfDirectory(atPath: devices).sorted()
        .filter { FileManager.default.fileExists(atPath: devices + $0 + "/sriov_totalvfs") }
      try #require(pfs.count == 2)
      let early = try lastComponent(ofLink: devices + pfs[0] + "/virtfn150")
      let late = try lastComponent(ofLink: devices + pfs[1] + "/virtfn3")
      // A missing device ID is an error (the function's identity); optional facts only degrade.
      for vf in [late, early] { try FileManager.default.removeItem(atPath: devices + vf + "/device") }
      let r = try runCLI(["--root", root, "list", "--vfs"])
      #expect(r.status == 1 && r.stdout == "")
      #expect(r.stderr.hasPrefix("Error: \(early): cannot read its device ID: "), "stderr: \(r.stderr)")
    }
  }

  private func lastComponent(ofLink path: String) throws -> String {
    try (FileManager.default.destinationOfSymbolicLink(atPath: path) as NSString).lastPathComponent
  }

  /// A generated root (Benchmarks/make-root.py: what the fixtures have, for many VFs).
  private func withLargeRoot(_ body: (String) throws -> Void) throws {
    let dir = "/tmp/sriovctl-large-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let made = try run("/usr/bin/env", [
      "python3", Repo.root + "/Benchmarks/make-root.py", dir, "2", "160",
      "--pci-ids", fixtureRoot("x710-demo") + "/usr/share/misc/pci.ids",
    ], env: [:])
    try #require(made.status == 0, "make-root.py: \(made.stderr)")
    try body(dir)
  }
}
