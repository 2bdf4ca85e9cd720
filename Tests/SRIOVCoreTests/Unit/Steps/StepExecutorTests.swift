import Foundation
import SRIOVCore
import Testing

/// What the steps of one test did, in order (each test has its own).
private final class Journal: @unchecked Sendable {
  var lines: [String] = []
}

private struct Refused: Error {}

/// A step that logs its action and undo; `failing` makes the action (or the verification) throw.
private func step(_ name: String, _ journal: Journal, actionFails: Bool = false, verifyFails: Bool = false,
                  undoFails: Bool = false, undoable: Bool = true, need: StepNeed = .needed, restoreAtEnd: Bool = false) -> Step {
  Step(name, subject: "test",
    observe: { need },
    action: {
      journal.lines.append("do \(name)")
      if actionFails { throw Refused() }
    },
    verify: { if verifyFails { throw SRIOVError("test", "\(name) did not take") } },
    undo: undoable ? {
      journal.lines.append("undo \(name)")
      if undoFails { throw SRIOVError("test", "cannot undo \(name)") }
    } : nil,
    restoreAtEnd: restoreAtEnd)
}

@Suite("Step executor")
struct StepExecutorTests {
  @Test func aFailureRollsBackInReverseOrder() {
    let journal = Journal()
    let report = StepExecutor.execute([step("a", journal), step("b", journal), step("c", journal, actionFails: true), step("d", journal)])
    #expect(journal.lines == ["do a", "do b", "do c", "undo b", "undo a"])
    #expect(report.entries.map(\.status) == [.rolledBack, .rolledBack, .failed, .skipped])
    #expect(report.error?.message == "test: c: Refused()")
    #expect(report.entries[2].failedAt == .action && !report.changed)
  }

  @Test func aStepThatDoesNotVerifyIsUndoneFirst() {
    let journal = Journal()
    let report = StepExecutor.execute([step("a", journal), step("b", journal, verifyFails: true)])
    #expect(journal.lines == ["do a", "do b", "undo b", "undo a"])
    #expect(report.entries[1].status == .failed && report.entries[1].failedAt == .verify)
    #expect(report.entries[1].undoneAfterFailure == true)
    #expect(report.error?.message == "test: b did not take")
  }

  @Test func whatCannotBeUndoneStaysAndAFailedUndoIsReported() {
    let journal = Journal()
    let report = StepExecutor.execute([
      step("a", journal), step("count", journal, undoable: false), step("b", journal, undoFails: true), step("c", journal, actionFails: true),
    ])
    #expect(journal.lines == ["do a", "do count", "do b", "do c", "undo b", "undo a"])
    #expect(report.entries.map(\.status) == [.rolledBack, .applied, .rollbackFailed, .failed])
    #expect(report.entries[2].error?.message == "test: cannot undo b")
    #expect(report.changed)
  }

  @Test func reObservationDecidesBeforeTheAction() {
    let journal = Journal()
    let report = StepExecutor.execute([step("a", journal, need: .unchanged), step("b", journal, need: .skipped), step("c", journal)])
    #expect(journal.lines == ["do c"])
    #expect(report.entries.map(\.status) == [.unchanged, .skipped, .applied])
    #expect(report.error == nil)
  }

  @Test func temporaryChangesArePutBackLastOnSuccessAndFailure() {
    let ok = Journal()
    let done = StepExecutor.execute([step("autoprobe 0", ok, restoreAtEnd: true), step("a", ok)])
    #expect(ok.lines == ["do autoprobe 0", "do a", "undo autoprobe 0"])
    #expect(done.entries[0].status == .applied && done.entries[0].restored && done.error == nil)

    let failing = Journal()
    let stopped = StepExecutor.execute([step("autoprobe 0", failing, restoreAtEnd: true), step("a", failing), step("b", failing, actionFails: true)])
    #expect(failing.lines == ["do autoprobe 0", "do a", "do b", "undo a", "undo autoprobe 0"])
    #expect(stopped.entries.map(\.status) == [.applied, .rolledBack, .failed])
    #expect(stopped.entries[0].restored)
  }

  @Test func aDryRunPlansWithoutTheLockAndRunsNothing() throws {
    try withTempCopy(of: "nvme-sriov") { root in
      let journal = Journal()
      let executor = StepExecutor(sysfs: RootedHostFiles(root: root))
      let (plan, report) = try executor.run(dryRun: true, plan: { "p" }, steps: { _ in [step("a", journal)] })
      #expect(plan == "p" && journal.lines.isEmpty)
      #expect(report.entries.map(\.status) == [.planned])
      #expect(!FileManager.default.fileExists(atPath: root + "/run/sriovctl.lock"))
    }
  }

  @Test func aLockedHostIsRefusedBeforeThePlanIsMade() throws {
    try withTempCopy(of: "nvme-sriov") { root in
      let sysfs = RootedHostFiles(root: root)
      let held = try HostLock.acquire(sysfs)
      var planned = false
      #expect(throws: SRIOVError.self) {
        _ = try StepExecutor(sysfs: sysfs).run(dryRun: false, plan: { planned = true }, steps: { _ in [] })
      }
      #expect(!planned)
      withExtendedLifetime(held) {}
    }
  }
}

@Suite("Step report rendering")
struct StepReportViewTests {
  @Test func textAndJSONSayWhatHappenedToEachStep() throws {
    let journal = Journal()
    let report = StepExecutor.execute([step("a", journal), step("b\u{1b}", journal, actionFails: true), step("c", journal)])
    #expect(report.text() == "rolled back a\nFAILED b\\x1b: test: b\\x1b: Refused()\nskipped c\n")
    let value = try JSONValue(parsing: report.json().rendered())
    let steps = value["result"]?["steps"]?.array ?? []
    #expect(steps.map { $0["status"] ?? .null } == ["rolled_back", "failed", "skipped"])
    #expect(value["result"]?["changed"] == false)
  }
}
