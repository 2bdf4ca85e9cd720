import Foundation
import SRIOVCore
import Testing

private let pf = "0000:3b:00.0"
private let devices = "/sys/devices/pci0000:3a/0000:3a:00.0/"
private func addr(_ text: String) -> PCIAddress { PCIAddress(strict: text)! }

/// A clock that runs `action` once, at the first sleep: "the kernel" finishes while the code waits.
private final class ActingClock: LifecycleClock, @unchecked Sendable {
  private let mutex = NSLock()
  private var time = 0.0
  private var action: (() -> Void)?
  init(_ action: (() -> Void)? = nil) { self.action = action }
  func now() -> Double { mutex.withLock { time } }
  func sleep(seconds: Double) {
    let run: (() -> Void)? = mutex.withLock {
      time += seconds
      defer { action = nil }
      return action
    }
    run?()
  }
}

/// The state a `kill -9` during `create` leaves: `sriov_numvfs` says 4, only `virtfn0`/`virtfn1` exist.
private func interruptCreate(_ root: String) throws {
  for index in [2, 3] { try FileManager.default.removeItem(atPath: root + devices + "\(pf)/virtfn\(index)") }
}

/// The links `interruptCreate` removed, back where the kernel puts them.
private func finishCreate(_ root: String) {
  for (index, vf) in [(2, "0000:3b:02.2"), (3, "0000:3b:02.3")] {
    try? FileManager.default.createSymbolicLink(atPath: root + devices + "\(pf)/virtfn\(index)", withDestinationPath: "../" + vf)
  }
}

@Suite("Verified idempotence and virtfn links (issue 15)")
struct VerifiedCountTests {
  // MARK: which links are VFs

  @Test func linksSplitAtTheCount() {
    let links = [0, 1, 1, 2, 3, 7].map { VFLink(index: $0, address: PCIAddress(bus: 0x3b, device: 2, function: UInt8($0))) }
    let (vfs, extra) = SRIOVState.split(links, numVFs: 4)
    #expect(vfs.map(\.index) == [0, 1, 2, 3])
    #expect(extra.map(\.index) == [7])
    #expect(SRIOVState.split(links, numVFs: 0).vfs.isEmpty)
  }

  @Test func anExtraLinkIsReportedNotListed() throws {
    try withTempCopy(of: "x710-demo") { root in
      try FileManager.default.createSymbolicLink(atPath: root + devices + "\(pf)/virtfn7", withDestinationPath: "../0000:3b:02.7")
      let table = try runCLI(["--root", root, "list", "--vfs"])
      #expect(table.status == 0, "\(table.stderr)")
      #expect(!table.stdout.contains("0000:3b:02.7 ") && !table.stdout.contains("vf 7"))
      #expect(table.stdout.contains("note: \(pf): virtfn links beyond sriov_numvfs 4, not listed as VFs: virtfn7 -> 0000:3b:02.7\n"))
      let listed = try JSONValue(parsing: try runCLI(["--root", root, "list", "--json"]).stdout)
      let entry = try #require(listed["pfs"]?.array?.first { $0["address"] == .string(pf) })
      #expect(entry["vfs"]?.array?.count == 4)
      #expect(entry["extra_virtfn_links"] == [.object(["index": 7, "address": "0000:3b:02.7"])])
      let other = try #require(listed["pfs"]?.array?.first { $0["address"] == "0000:3b:00.1" })
      #expect(other["extra_virtfn_links"] == [])

      let show = try runCLI(["--root", root, "show", pf])
      #expect(show.status == 0, "\(show.stderr)")
      #expect(show.stdout.contains("  note: \(pf): virtfn links beyond sriov_numvfs 4"))
      let shown = try JSONValue(parsing: try runCLI(["--root", root, "show", pf, "--json"]).stdout)
      #expect(shown["device"]?["sriov"]?["vfs"]?.array?.count == 4)
      #expect(shown["device"]?["sriov"]?["extra_virtfn_links"] == [.object(["index": 7, "address": "0000:3b:02.7"])])
      // Not a VF: removing the VFs does not claim to destroy it.
      let remove = try runCLI(["--root", root, "remove", pf, "--dry-run", "--force"])
      #expect(!remove.stdout.contains("0000:3b:02.7"))
      #expect(remove.stdout.contains("this destroys 4 VF(s)"))
    }
  }

  // MARK: an equal count with VFs missing

  @Test func anInterruptedCreateIsWaitedForNotCalledDone() throws {
    let kernel = try FakeKernel(copying: "x710-demo")
    defer { kernel.remove() }
    try interruptCreate(kernel.root)
    let lifecycle = Lifecycle(sysfs: kernel, clock: ActingClock(), pollInterval: 1)
    let outcome = try lifecycle.setVFCount(4, on: .address(addr(pf)), timeout: 5)
    #expect(outcome.error?.message == "0000:3b:00.0: sriov_numvfs already 4 but only 2 VFs present (virtfnN on the PF and physfn on each VF) after waiting 5 s")
    #expect(outcome.error?.hint?.contains("'sriovctl remove 0000:3b:00.0' then create again") == true)
    #expect(!outcome.summary.contains("already has"))
    #expect(kernel.log.isEmpty)
  }

  @Test func vfsThatAppearWhileWaitingEndTheWait() throws {
    let kernel = try FakeKernel(copying: "x710-demo")
    defer { kernel.remove() }
    try interruptCreate(kernel.root)
    let lifecycle = Lifecycle(sysfs: kernel, clock: ActingClock { finishCreate(kernel.root) }, pollInterval: 1)
    let dry = try lifecycle.setVFCount(4, on: .address(addr(pf)), dryRun: true)
    #expect(dry.text() == "0000:3b:00.0: sriov_numvfs already 4 but only 2 VFs present; would wait for them; nothing to write\n")
    let outcome = try lifecycle.setVFCount(4, on: .address(addr(pf)), timeout: 5)
    #expect(outcome.error == nil)
    #expect(outcome.summary == "now has 4 VFs (waited for 2 that sriov_numvfs counted but had no virtfn link)")
    #expect(kernel.log.isEmpty)
    #expect(kernel.virtfns(of: pf).count == 4)
  }

  @Test func applyWaitsForMissingVFsThenBindsThem() throws {
    let kernel = try FakeKernel(copying: "x710-demo")
    defer { kernel.remove() }
    try kernel.loadDriver("vfio-pci")
    try interruptCreate(kernel.root)
    let want = try DesiredState.parse("version: 1\npfs:\n  - address: \"\(pf)\"\n    vfs: {count: 4, driver: vfio-pci}\n", source: "want.yaml")
    let apply = Apply(sysfs: kernel, settingsControl: nil, clock: ActingClock { finishCreate(kernel.root) }, timeout: 5)
    let plan = try apply.run(want, dryRun: true)
    #expect(plan.steps.first?.action.description == "0000:3b:00.0: sriov_numvfs already 4 but only 2 VFs present: wait for them")
    #expect(plan.steps.count == 5)  // the wait, then four bindings (two of VFs not there yet)
    let outcome = try apply.run(want)
    #expect(outcome.error == nil, "\(outcome.text())")
    #expect(outcome.steps.map(\.status) == [.unchanged, .applied, .applied, .applied, .applied])
    for vf in kernel.virtfns(of: pf) { #expect(kernel.driver(of: vf) == "vfio-pci") }
  }

  @Test func applyFailsClearlyWhenTheyNeverCome() throws {
    let kernel = try FakeKernel(copying: "x710-demo")
    defer { kernel.remove() }
    try interruptCreate(kernel.root)
    let want = try DesiredState.parse("version: 1\npfs:\n  - address: \"\(pf)\"\n    vfs: {count: 4}\n", source: "want.yaml")
    let outcome = try Apply(sysfs: kernel, settingsControl: nil, clock: ActingClock(), timeout: 5).run(want)
    #expect(outcome.steps.map(\.status) == [.failed])
    #expect(outcome.error?.problem.hasPrefix("sriov_numvfs already 4 but only 2 VFs present") == true)
    #expect(kernel.log.isEmpty)
  }

  @Test func theCLISaysSoAndFailsAfterItsTimeout() throws {
    try withTempCopy(of: "x710-demo") { root in
      try interruptCreate(root)
      let dry = try runCLI(["--root", root, "create", pf, "4", "--dry-run"])
      #expect(dry.stdout == "0000:3b:00.0: sriov_numvfs already 4 but only 2 VFs present; would wait for them; nothing to write\n")
      let r = try runCLI(["--root", root, "create", pf, "4", "--timeout", "0.3"])
      #expect(r.status == 1)
      #expect(r.stderr == """
        Error: 0000:3b:00.0: sriov_numvfs already 4 but only 2 VFs present (virtfnN on the PF and physfn on each VF) after waiting 0.3 s
        hint: an interrupted create leaves this: 'sriovctl remove 0000:3b:00.0' then create again; or retry with a longer --timeout

        """)
      #expect(!r.stdout.contains("already has"))
      let list = try runCLI(["--root", root, "list"])
      #expect(list.stdout.hasSuffix("note: \(pf): sriov_numvfs is 4 but only 2 virtfn links exist\n"))
    }
  }
}
