import Foundation
import SRIOVCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

private let pfDir = "/sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0"

/// `capture` is honest (issue 15, item 6): what it cannot copy whole is listed, never cut or
/// silently left out, and a signal leaves no staging directory behind.
@Suite("capture: honest about what it did not copy")
struct CaptureHonestyTests {
  /// x710-demo with allow-listed entries of the wrong kind: a FIFO, a directory and an oversized
  /// file where attributes belong; and a directory where the `driver` link belongs (which a copy
  /// that followed links makes: that one is captured as the link).
  private func withOddSource<T>(_ body: (String) throws -> T) throws -> T {
    try withTempCopy(of: "x710-demo") { root in
      let fm = FileManager.default
      let dir = root + pfDir
      try fm.removeItem(atPath: dir + "/local_cpulist")
      #expect(mkfifo(dir + "/local_cpulist", 0o644) == 0)
      try fm.removeItem(atPath: dir + "/irq")
      try fm.createDirectory(atPath: dir + "/irq", withIntermediateDirectories: false)
      try String(repeating: "0x0000000000000000 0x0000000000000000 0x0000000000000000\n", count: 2000)
        .write(toFile: dir + "/resource", atomically: false, encoding: .utf8)
      let vfDir = root + "/sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:02.1"
      try fm.removeItem(atPath: vfDir + "/driver")
      try fm.createDirectory(atPath: vfDir + "/driver", withIntermediateDirectories: false)
      return try body(root)
    }
  }

  @Test func whatCannotBeCopiedWholeIsListedWithWhy() throws {
    try withOddSource { root in
      try withCaptureDir { _, capture in
        let r = try runCLI(["--root", root, "capture", capture, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let unreadable = try #require(JSONValue(parsing: r.stdout)["capture"]?["unreadable"]?.array).compactMap(\.string)
        let vfDir = root + "/sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:02.1"
        #expect(Set(unreadable) == [
          root + pfDir + "/irq: a directory where a regular file belongs; not copied",
          root + pfDir + "/local_cpulist: a FIFO where a regular file belongs; not copied",
          root + pfDir + "/resource: larger than 65536 bytes (not an attribute); not copied",
        ])
        // A `driver` copied as a directory is an honest copy (issue 17): captured as the link it was.
        #expect(!unreadable.contains { $0.hasPrefix(vfDir + "/driver") })
        // Absent from the capture, never cut; the manifest says the same.
        let fm = FileManager.default
        let captured = capture + pfDir
        #expect(fm.fileExists(atPath: captured + "/vendor"))
        for name in ["irq", "local_cpulist", "resource"] { #expect(!fm.fileExists(atPath: captured + "/" + name), "\(name)") }
        let manifest = try JSONValue(parsing: try String(contentsOfFile: capture + "/sriovctl/capture.json", encoding: .utf8))
        #expect(manifest["capture"]?["unreadable"]?.array?.count == 3)
        // And what was captured reads back.
        let list = try runCLI(["--root", capture, "list", "--vfs"])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("0000:3b:02.1"))
      }
    }
  }

  @Test func theTextReportListsThem() throws {
    try withOddSource { root in
      try withCaptureDir { _, capture in
        let r = try runCLI(["--root", root, "capture", capture])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("  not copied (3, also in \(capture)/sriovctl/capture.json):\n"))
        #expect(r.stdout.contains("    \(root + pfDir)/local_cpulist: a FIFO where a regular file belongs; not copied\n"))
      }
    }
  }

  @Test func everyFixtureCaptureListsLikeItsSource() throws {
    for scenario in Repo.scenarios {
      try withCaptureDir { _, capture in
        let made = try runCLI(["--root", fixtureRoot(scenario), "capture", capture])
        #expect(made.status == 0, "\(scenario): \(made.stderr)")
        for args in [["list"], ["list", "--vfs"]] {
          let source = try runCLI(["--root", fixtureRoot(scenario)] + args)
          let copy = try runCLI(["--root", capture] + args)
          #expect(copy.status == 0 && copy.stdout == source.stdout, "\(scenario) \(args): \(copy.stderr)")
        }
      }
    }
  }

  // MARK: signals

  /// A root large enough that the capture is still writing when the signal comes (a few seconds).
  private func withLargeRoot<T>(_ body: (String) throws -> T) throws -> T {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sriovctl-large-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let made = try run("/usr/bin/python3", [Repo.root + "/Benchmarks/make-root.py", dir + "/root", "2", "96"], env: [:])
    try #require(made.status == 0, "make-root.py: \(made.stderr)")
    return try body(dir + "/root")
  }

  @Test(arguments: [SIGTERM, SIGINT])
  func aSignalMidwayLeavesNoStagingDirectory(signal: Int32) throws {
    try withLargeRoot { root in
      try withCaptureDir { parent, capture in
        // Started through python3, which clears the signal mask and dispositions and execs (same
        // pid): the test runner may block or ignore SIGINT/SIGTERM, and a child inherits both.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", """
          import os, signal, sys
          signal.pthread_sigmask(signal.SIG_SETMASK, [])
          for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP): signal.signal(s, signal.SIG_DFL)
          os.execv(sys.argv[1], sys.argv[1:])
          """, Repo.binary, "--root", root, "capture", capture]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until the staging tree is being filled, then signal.
        let fm = FileManager.default
        var staging: String? = nil
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline {
          if let name = (try? fm.contentsOfDirectory(atPath: parent))?.first(where: { $0.hasPrefix(".capture.capture-") }),
            fm.fileExists(atPath: parent + "/" + name + "/sys/devices")
          {
            staging = name
            break
          }
          usleep(1000)
        }
        try #require(staging != nil, "the capture never started writing (or finished first)")
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        // Ended by the signal itself (its default disposition), after removing what it had written.
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == signal)
        #expect(try fm.contentsOfDirectory(atPath: parent) == [])
      }
    }
  }
}
