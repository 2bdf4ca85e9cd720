import Foundation
import SRIOVCore
import SystemPackage
import Testing

private let nvmePF = "0000:01:00.0"
private let x710PF = "0000:3b:00.0"

private func addr(_ text: String) -> PCIAddress { PCIAddress(strict: text)! }
private func ref(_ text: String) -> DeviceRef { .address(addr(text)) }
private func numVFsPath(_ pf: String) -> HostPath { SysfsLayout.attribute(.sriovNumVFs, of: addr(pf)) }
private func autoprobePath(_ pf: String) -> HostPath { SysfsLayout.attribute(.sriovDriversAutoprobe, of: addr(pf)) }
private let vfio = try! DriverName(parsing: "vfio-pci")

/// A fake kernel over a private copy of `scenario`, removed afterwards.
private func withKernel<T>(_ scenario: String, _ body: (FakeKernel, Lifecycle, FakeClock) throws -> T) throws -> T {
  let kernel = try FakeKernel(copying: scenario)
  defer { kernel.remove() }
  let clock = FakeClock()
  return try body(kernel, Lifecycle(sysfs: kernel, clock: clock), clock)
}

/// The error a throwing call throws, as a user-facing error.
private func refusal(_ body: () throws -> Void) -> SRIOVError? {
  do { try body() } catch let e as SRIOVError { return e } catch { Issue.record("unexpected \(error)") }
  return nil
}

@Suite("VF count planner (pure)")
struct VFCountPlannerTests {
  private func pf(num: Int, total: Int = 8, driver: String? = "i40e", autoprobe: Bool? = true, vfs: [ObservedVF] = []) -> ObservedPF {
    ObservedPF(address: addr(x710PF), totalVFs: total, numVFs: num, driver: driver, driversAutoprobe: autoprobe, vfs: vfs)
  }
  private func vf(_ i: Int, _ driver: String?, up: [String] = []) -> ObservedVF {
    ObservedVF(index: i, address: PCIAddress(bus: 0x3b, device: 2, function: UInt8(i)), driver: driver, driverOverride: nil, upNetdevs: up)
  }

  @Test func equalCountPlansNothing() throws {
    let plan = try VFCountChange.plan(pf(num: 4, vfs: (0..<4).map { vf($0, "iavf") }), to: 4)
    #expect(plan.isNoop)
    // Only when the VFs are there: otherwise nothing to write but two to wait for.
    let interrupted = try VFCountChange.plan(pf(num: 4, vfs: [vf(0, "iavf"), vf(1, "iavf")]), to: 4)
    #expect(!interrupted.isNoop && interrupted.writes.isEmpty && interrupted.awaitsVFs == 2)
  }

  @Test func aboveTotalIsRefusedNamingBothNumbers() {
    let e = refusal { _ = try VFCountChange.plan(pf(num: 0, total: 64), to: 72) }
    #expect(e?.message == "0000:3b:00.0: cannot create 72 VFs: the device supports at most 64 (sriov_totalvfs)")
  }

  @Test func nonzeroToNonzeroGoesThroughZero() throws {
    let plan = try VFCountChange.plan(pf(num: 2, vfs: [vf(0, "iavf"), vf(1, "iavf")]), to: 3)
    #expect(plan.writes.map(\.description) == [
      "/sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs <- '0'", "/sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs <- '3'",
    ])
    #expect(plan.destroys.map(\.index) == [0, 1])
  }

  @Test func usualDriverIsTheMostCommonOne() {
    let observed = pf(num: 3, vfs: [vf(0, "iavf"), vf(1, "iavf"), vf(2, "vfio-pci")])
    #expect(observed.usualVFDriver == "iavf")
    #expect(observed.vfsInUse.map(\.vf.index) == [2])
  }

  @Test func vfioCountsAsInUseEvenWhenEveryVFHasIt() {
    let observed = pf(num: 2, vfs: [vf(0, "vfio-pci"), vf(1, "vfio-pci")])
    #expect(observed.vfsInUse.count == 2)
  }

  @Test func upNetdevIsInUseAndRefusalNamesTheVF() {
    let observed = pf(num: 2, vfs: [vf(0, "iavf"), vf(1, "iavf", up: ["enp59s0f0v1"])])
    let e = refusal { _ = try VFCountChange.plan(observed, to: 1) }
    #expect(e?.message.contains("0000:3b:02.1 (netdev enp59s0f0v1 is up)") == true)
    #expect(e?.hint?.contains("--force") == true)
    #expect(throws: Never.self) { try VFCountChange.plan(observed, to: 1, options: .init(force: true)) }
  }

  @Test func driverWrapsCreationInAutoprobeOffAndRestoresIt() throws {
    let plan = try VFCountChange.plan(pf(num: 0), to: 2, options: .init(driver: vfio))
    #expect(plan.writes.map(\.description) == [
      "/sys/bus/pci/devices/0000:3b:00.0/sriov_drivers_autoprobe <- '0'",
      "/sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs <- '2'",
      "/sys/bus/pci/devices/0000:3b:00.0/virtfn0/driver_override <- 'vfio-pci'",
      "/sys/bus/pci/drivers_probe <- '<address of virtfn0>'",
      "/sys/bus/pci/devices/0000:3b:00.0/virtfn1/driver_override <- 'vfio-pci'",
      "/sys/bus/pci/drivers_probe <- '<address of virtfn1>'",
      "/sys/bus/pci/devices/0000:3b:00.0/sriov_drivers_autoprobe <- '1'",
    ])
  }

  @Test func noPFDriverIsRefusedWithTheHint() {
    let e = refusal { _ = try VFCountChange.plan(pf(num: 0, driver: nil), to: 2) }
    #expect(e?.message == "0000:3b:00.0: cannot create 2 VFs: no driver is bound to the PF")
    #expect(e?.hint?.contains("pci-pf-stub") == true)
  }
}

@Suite("VF lifecycle against the fake kernel")
struct LifecycleTests {
  @Test func sameCountWritesNothing() throws {
    try withKernel("nvme-sriov") { kernel, life, _ in
      let outcome = try life.setVFCount(2, on: ref(nvmePF))
      #expect(outcome.summary == "already has 2 VFs")
      #expect(!outcome.changed)
      #expect(kernel.log.isEmpty)
      #expect(!FileManager.default.fileExists(atPath: kernel.root + "/run"))
    }
  }

  @Test func aboveTotalIsRefusedBeforeAnyWriteOrLock() throws {
    try withKernel("nvme-sriov") { kernel, life, _ in
      let e = refusal { _ = try life.setVFCount(200, on: ref(nvmePF)) }
      #expect(e?.message == "0000:01:00.0: cannot create 200 VFs: the device supports at most 32 (sriov_totalvfs)")
      #expect(kernel.log.isEmpty)
      #expect(!FileManager.default.fileExists(atPath: kernel.root + "/run"))
    }
  }

  @Test func resizeGoesThroughZeroAndMaterialisesVFs() throws {
    try withKernel("nvme-sriov") { kernel, life, _ in
      let outcome = try life.setVFCount(4, on: ref(nvmePF))
      #expect(outcome.error == nil)
      #expect(kernel.applied == ["/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs <- 0", "/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs <- 4"])
      #expect(outcome.summary == "now has 4 VFs (was 2)")
      #expect(kernel.virtfns(of: nvmePF) == ["0000:01:00.1", "0000:01:00.2", "0000:01:00.3", "0000:01:00.4"])
      // The inventory reads the new tree like a real one: physfn, groups, IDs.
      let inventory = Inventory(sysfs: kernel.base)
      let vf = try inventory.device(addr("0000:01:00.4"))
      #expect(vf.physfn == addr(nvmePF) && vf.vfIndex == 3 && vf.driver == nil)
      #expect(vf.iommuGroup != nil)
      #expect(try inventory.iommuGroup(vf.iommuGroup!).members == [addr("0000:01:00.4")])
      #expect(FileManager.default.fileExists(atPath: kernel.root + "/run/sriovctl.lock"))
    }
  }

  @Test func removeLeavesNoVFsLinksOrGroups() throws {
    try withKernel("nvme-sriov") { kernel, life, _ in
      let outcome = try life.setVFCount(0, on: ref(nvmePF))
      #expect(outcome.error == nil)
      #expect(kernel.applied == ["/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs <- 0"])
      #expect(kernel.virtfns(of: nvmePF).isEmpty)
      #expect(!kernel.exists(SysfsLayout.device(addr("0000:01:00.1"))))
      #expect(!kernel.exists(SysfsLayout.iommuGroups.appending("5")))
      #expect(outcome.destroys == [addr("0000:01:00.1"), addr("0000:01:00.2")])
    }
  }

  @Test func dryRunWritesNothingAndSaysWhatItDestroys() throws {
    try withKernel("nvme-sriov") { kernel, life, _ in
      let outcome = try life.setVFCount(3, on: ref(nvmePF), options: .init(driver: vfio), dryRun: true)
      #expect(kernel.log.isEmpty)
      #expect(kernel.virtfns(of: nvmePF).count == 2)
      #expect(!FileManager.default.fileExists(atPath: kernel.root + "/run"))
      let text = outcome.text()
      #expect(text.hasPrefix("0000:01:00.0: would change from 2 to 3 VFs; would write, in order:\n  /sys/bus/pci/devices/0000:01:00.0/sriov_numvfs <- '0'\n"))
      #expect(text.contains("this destroys 2 VF(s): 0000:01:00.1 0000:01:00.2\n"))
      #expect(outcome.planned.count == 2 + 3 * 2)  // autoprobe is already 0 in this fixture
    }
  }

  @Test func inUseVFRefusesResizeUntilForce() throws {
    try withKernel("nvme-sriov") { kernel, life, _ in
      _ = try life.bind(ref("0000:01:00.1"), to: vfio)
      #expect(kernel.driver(of: "0000:01:00.1") == "vfio-pci")
      let before = kernel.log.count
      let e = refusal { _ = try life.setVFCount(1, on: ref(nvmePF)) }
      #expect(e?.message == "0000:01:00.0: refusing to change from 2 to 1 VFs: it destroys every VF and 1 in use: 0000:01:00.1 (bound to vfio-pci)")
      let removeRefused = refusal { _ = try life.setVFCount(0, on: ref(nvmePF)) }
      #expect(removeRefused?.message.hasPrefix("0000:01:00.0: refusing to remove its VFs") == true)
      #expect(kernel.log.count == before)
      // A dry run shows the writes and what they destroy, and that the change would be refused.
      let dry = try life.setVFCount(1, on: ref(nvmePF), dryRun: true)
      #expect(dry.planned.count == 2 && dry.destroys.count == 2)
      #expect(dry.error?.message == e?.message)
      #expect(kernel.log.count == before)
      let outcome = try life.setVFCount(1, on: ref(nvmePF), options: .init(force: true))
      #expect(outcome.error == nil)
      #expect(Array(kernel.applied.suffix(2)) == ["/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs <- 0", "/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs <- 1"])
      #expect(kernel.driver(of: "0000:01:00.1") == nil)
      #expect(!kernel.exists(SysfsLayout.pciDrivers.appending("vfio-pci").appending("0000:01:00.1")))
    }
  }

  @Test func createWithDriverBindsRaceFreeAndRestoresAutoprobe() throws {
    try withKernel("nvme-sriov") { kernel, life, _ in
      kernel.vfDriver = "nvme"  // with autoprobe on, new VFs would go to nvme
      try kernel.setValue("1\n", autoprobePath(nvmePF))
      _ = try life.setVFCount(0, on: ref(nvmePF))
      let outcome = try life.setVFCount(3, on: ref(nvmePF), options: .init(driver: vfio))
      #expect(outcome.error == nil, "\(outcome.error.map(\.message) ?? "")")
      #expect(Array(kernel.applied.dropFirst()) == [
        "/sys/bus/pci/devices/0000:01:00.0/sriov_drivers_autoprobe <- 0",
        "/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs <- 3",
        "/sys/bus/pci/devices/0000:01:00.1/driver_override <- vfio-pci", "/sys/bus/pci/drivers_probe <- 0000:01:00.1",
        "/sys/bus/pci/devices/0000:01:00.2/driver_override <- vfio-pci", "/sys/bus/pci/drivers_probe <- 0000:01:00.2",
        "/sys/bus/pci/devices/0000:01:00.3/driver_override <- vfio-pci", "/sys/bus/pci/drivers_probe <- 0000:01:00.3",
        "/sys/bus/pci/devices/0000:01:00.0/sriov_drivers_autoprobe <- 1",
      ])
      for vf in ["0000:01:00.1", "0000:01:00.2", "0000:01:00.3"] { #expect(kernel.driver(of: vf) == "vfio-pci") }
      #expect(kernel.value(autoprobePath(nvmePF)) == "1")
      // The outcome lists the writes as made (the kernel's addresses), the restore last.
      #expect(outcome.applied.map { "\($0.path) <- \($0.value)" } == Array(kernel.applied.dropFirst()))
      #expect(outcome.summary == "now has 3 VFs (was 0), bound to vfio-pci")
    }
  }

  @Test func sameCountWithDriverBindsTheExistingVFsOnce() throws {
    try withKernel("x710-demo") { kernel, life, _ in
      try kernel.loadDriver("vfio-pci")
      let outcome = try life.setVFCount(4, on: ref(x710PF), options: .init(driver: vfio))
      #expect(outcome.error == nil)
      #expect(outcome.summary == "has 4 VFs, bound to vfio-pci")
      #expect(outcome.destroys.isEmpty)
      #expect(Array(kernel.applied.prefix(3)) == [
        "/sys/bus/pci/devices/0000:3b:02.0/driver_override <- vfio-pci",
        "/sys/bus/pci/drivers/iavf/unbind <- 0000:3b:02.0",
        "/sys/bus/pci/drivers_probe <- 0000:3b:02.0",
      ])
      #expect(!kernel.applied.contains { $0.contains("sriov_numvfs") })
      for i in 0..<4 { #expect(kernel.driver(of: "0000:3b:02.\(i)") == "vfio-pci") }
      let count = kernel.log.count
      let again = try life.setVFCount(4, on: ref(x710PF), options: .init(driver: vfio))
      #expect(again.summary == "already has 4 VFs, all bound to vfio-pci" && !again.changed)
      #expect(kernel.log.count == count)
    }
  }

  @Test func unloadedDriverIsRefusedBeforeWriting() throws {
    try withKernel("nvme-sriov") { kernel, life, _ in
      let e = refusal { _ = try life.setVFCount(3, on: ref(nvmePF), options: .init(driver: try DriverName(parsing: "igb_uio"))) }
      #expect(e?.hint == "load it first: modprobe igb_uio")
      #expect(kernel.log.isEmpty)
    }
  }

  @Test func noPFDriverGivesTheENOENTHintWithoutWriting() throws {
    try withKernel("nvme-sriov") { kernel, life, _ in
      _ = try life.setVFCount(0, on: ref(nvmePF))
      try kernel.write(nvmePF, to: SysfsLayout.driverUnbind(try DriverName(parsing: "nvme")))
      let count = kernel.log.count
      let e = refusal { _ = try life.setVFCount(3, on: ref(nvmePF)) }
      #expect(e?.message == "0000:01:00.0: cannot create 3 VFs: no driver is bound to the PF")
      #expect(e?.hint?.contains("bind the PF's driver first") == true)
      #expect(kernel.log.count == count)
    }
  }

  @Test func driverWithoutSRIOVSupportTranslatesENOENT() throws {
    try withKernel("nvme-sriov") { kernel, life, _ in
      _ = try life.setVFCount(0, on: ref(nvmePF))
      kernel.driverLacksSRIOV = true
      let outcome = try life.setVFCount(3, on: ref(nvmePF))
      #expect(outcome.error?.message == "0000:01:00.0: writing sriov_numvfs=3 failed: No such file or directory (\(kernel.root)/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs)")
      #expect(outcome.error?.hint?.contains("does not support SR-IOV configuration via sysfs") == true)
      #expect(outcome.failed.map(\.write.value) == ["3"])
    }
  }

  @Test(arguments: [
    (Errno.noMemory, "BIOS"), (Errno.noSpace, "MSI-X"), (Errno.permissionDenied, "run as root"), (Errno.notPermitted, "run as root"),
  ])
  func enableErrorsGetHints(errno: Errno, hint: String) throws {
    try withKernel("nvme-sriov") { kernel, life, _ in
      _ = try life.setVFCount(0, on: ref(nvmePF))
      try kernel.setValue("1\n", autoprobePath(nvmePF))
      kernel.failEnableWith = errno
      let outcome = try life.setVFCount(2, on: ref(nvmePF), options: .init(driver: vfio))
      #expect(outcome.error?.message.contains("writing sriov_numvfs=2 failed: \(errno.description)") == true)
      #expect(outcome.error?.hint?.contains(hint) == true)
      // The autoprobe restore still ran; the per-VF writes were skipped.
      #expect(kernel.value(autoprobePath(nvmePF)) == "1")
      #expect(outcome.skipped.count == 4)
      #expect(outcome.applied.map(\.value) == ["0", "1"])
    }
  }

  @Test func kernelRangeAndBusyErrorsAreExplained() throws {
    try withKernel("nvme-sriov") { kernel, _, _ in
      #expect(throws: SysfsError.self) { try kernel.write("33", to: numVFsPath(nvmePF)) }
      #expect(throws: SysfsError.self) { try kernel.write("3", to: numVFsPath(nvmePF)) }
      #expect(kernel.log.map(\.errno) == [.outOfRange, .resourceBusy])
      let write = SysfsWrite("3", to: numVFsPath(nvmePF))
      let busy = SysfsError(.write("3"), path: "/x", cause: .errno(.resourceBusy))
      let range = SysfsError(.write("33"), path: "/x", cause: .errno(.outOfRange))
      #expect(WriteErrors.explain(busy, subject: nvmePF, write: write).hint?.contains("write 0 first") == true)
      #expect(WriteErrors.explain(range, subject: nvmePF, write: write, totalVFs: 32).hint == "the device supports at most 32 VFs (sriov_totalvfs)")
    }
  }

  @Test func driverEnablingFewerIsReported() throws {
    try withKernel("nvme-sriov") { kernel, life, _ in
      kernel.enableLimit = 2
      let outcome = try life.setVFCount(4, on: ref(nvmePF))
      #expect(outcome.error?.message == "0000:01:00.0: asked for 4 VFs but the driver enabled 2 (sriov_numvfs reads 2)")
      #expect(kernel.virtfns(of: nvmePF).count == 2)
    }
  }

  @Test func slowVFsAreAwaitedWithTheClock() throws {
    try withKernel("nvme-sriov") { kernel, life, clock in
      _ = try life.setVFCount(0, on: ref(nvmePF))
      kernel.appearAfterPolls = 40
      let outcome = try life.setVFCount(4, on: ref(nvmePF), timeout: 10)
      #expect(outcome.error == nil)
      #expect(clock.sleeps > 0)
      #expect(kernel.virtfns(of: nvmePF).count == 4)
    }
  }

  @Test func timeoutNamesTheDeadline() throws {
    try withKernel("nvme-sriov") { kernel, life, clock in
      _ = try life.setVFCount(0, on: ref(nvmePF))
      kernel.appearAfterPolls = 1_000_000
      let outcome = try life.setVFCount(4, on: ref(nvmePF), timeout: 5)
      #expect(outcome.error?.message == "0000:01:00.0: timed out after 5 s waiting for VFs: 0/4 appeared (virtfnN on the PF and physfn on each VF)")
      #expect(outcome.error?.hint?.contains("--timeout") == true)
      #expect(clock.now() >= 5 && clock.now() < 5.2)
    }
  }

  @Test func changesMadeBeforeTheLockAreSeen() throws {
    try withKernel("nvme-sriov") { kernel, life, _ in
      kernel.beforeLock = {
        try! kernel.write("0", to: numVFsPath(nvmePF))
        try! kernel.write("4", to: numVFsPath(nvmePF))
      }
      let outcome = try life.setVFCount(4, on: ref(nvmePF))
      #expect(outcome.summary == "already has 4 VFs")
      #expect(kernel.applied.count == 2)  // only the other process's writes
    }
  }

  @Test func fakeKernelFollowsTheOrderOfChecks() throws {
    try withKernel("nvme-sriov") { kernel, _, _ in
      #expect(throws: SysfsError.self) { try kernel.write("3", to: numVFsPath(nvmePF)) }  // EBUSY: 2 VFs exist
      try kernel.write("2", to: numVFsPath(nvmePF))                                       // same value: no-op
      try kernel.write("0", to: numVFsPath(nvmePF))
      try kernel.write(nvmePF, to: SysfsLayout.driverUnbind(try DriverName(parsing: "nvme")))
      #expect(throws: SysfsError.self) { try kernel.write("33", to: numVFsPath(nvmePF)) }  // ERANGE before ENOENT
      #expect(throws: SysfsError.self) { try kernel.write("3", to: numVFsPath(nvmePF)) }   // ENOENT: no PF driver
      #expect(throws: SysfsError.self) { try kernel.write(nvmePF, to: SysfsLayout.driverUnbind(try DriverName(parsing: "nvme"))) }
      #expect(kernel.log.map(\.errno) == [.resourceBusy, nil, nil, nil, .outOfRange, .noSuchFileOrDirectory, .operationNotSupportedByDevice])
      #expect(kernel.value(numVFsPath(nvmePF)) == "0")
    }
  }

  @Test func lockHeldByAnotherProcessIsAClearError() throws {
    try withKernel("nvme-sriov") { kernel, life, _ in
      let held = try HostLock.acquire(kernel)
      let e = refusal { _ = try life.setVFCount(4, on: ref(nvmePF)) }
      #expect(e?.message == "\(kernel.root)/run/sriovctl.lock: another sriovctl is changing this host (it holds the lock)")
      #expect(kernel.log.isEmpty)
      withExtendedLifetime(held) {}
    }
  }
}

@Suite("bind / unbind against the fake kernel")
struct BindTests {
  @Test func bindUnbindRoundTripIsIdempotent() throws {
    try withKernel("nvme-sriov") { kernel, life, _ in
      let vf = "0000:01:00.1"
      let bound = try life.bind(ref(vf), to: vfio)
      #expect(bound.error == nil)
      #expect(kernel.applied == ["/sys/bus/pci/devices/0000:01:00.1/driver_override <- vfio-pci", "/sys/bus/pci/drivers_probe <- 0000:01:00.1"])
      #expect(kernel.driver(of: vf) == "vfio-pci")
      let again = try life.bind(ref(vf), to: vfio)
      #expect(again.summary == "already bound to vfio-pci" && !again.changed)
      let unbound = try life.unbind(ref(vf))
      #expect(unbound.error == nil)
      #expect(Array(kernel.applied.suffix(2)) == ["/sys/bus/pci/drivers/vfio-pci/unbind <- 0000:01:00.1", "/sys/bus/pci/devices/0000:01:00.1/driver_override <- \n"])
      #expect(kernel.driver(of: vf) == nil)
      #expect(kernel.value(SysfsLayout.attribute(.driverOverride, of: addr(vf))) == "(null)")
      let count = kernel.log.count
      #expect(try life.unbind(ref(vf)).summary == "already has no driver")
      #expect(kernel.log.count == count)
    }
  }

  @Test func bindMovesFromTheCurrentDriver() throws {
    try withKernel("x710-demo") { kernel, life, _ in
      try kernel.loadDriver("vfio-pci")
      let outcome = try life.bind(ref("0000:3b:02.0"), to: vfio, dryRun: false)
      #expect(outcome.error == nil)
      #expect(kernel.applied == [
        "/sys/bus/pci/devices/0000:3b:02.0/driver_override <- vfio-pci",
        "/sys/bus/pci/drivers/iavf/unbind <- 0000:3b:02.0",
        "/sys/bus/pci/drivers_probe <- 0000:3b:02.0",
      ])
      #expect(kernel.driver(of: "0000:3b:02.0") == "vfio-pci")
      #expect(!kernel.exists(SysfsLayout.pciDrivers.appending("iavf").appending("0000:3b:02.0")))
    }
  }

  @Test func unbindRefusesAPFWithVFsUnlessForced() throws {
    try withKernel("nvme-sriov") { kernel, life, _ in
      let e = refusal { _ = try life.unbind(ref(nvmePF)) }
      #expect(e?.message == "0000:01:00.0: refusing to unbind it from nvme: it is a PF with 2 VFs, which most PF drivers remove when unbound")
      #expect(e?.hint == "remove the VFs first (sriovctl remove 0000:01:00.0), or pass --force")
      #expect(kernel.log.isEmpty)
      _ = try life.setVFCount(0, on: ref(nvmePF))
      let outcome = try life.unbind(ref(nvmePF))
      #expect(outcome.error == nil && kernel.driver(of: nvmePF) == nil)
    }
  }

  @Test func unbindRefusesAnUpNetdevUnlessForced() throws {
    try withKernel("x710-demo") { kernel, life, _ in
      kernel.vfDriver = "iavf"
      _ = try life.setVFCount(0, on: ref(x710PF))
      let before = kernel.log.count
      let e = refusal { _ = try life.unbind(ref(x710PF)) }
      #expect(e?.message == "0000:3b:00.0: refusing to unbind it from i40e: its netdev enp59s0f0 is up")
      #expect(kernel.log.count == before)
      let forced = try life.unbind(ref(x710PF), force: true)
      #expect(forced.error == nil)
      #expect(kernel.applied.last == "/sys/bus/pci/drivers/i40e/unbind <- 0000:3b:00.0")
    }
  }

  @Test func dryRunBindWritesNothing() throws {
    try withKernel("nvme-sriov") { kernel, life, _ in
      let outcome = try life.bind(ref("0000:01:00.2"), to: vfio, dryRun: true)
      #expect(outcome.planned.count == 2)
      #expect(kernel.log.isEmpty)
      let json = outcome.json().rendered()
      #expect(json.contains("\"dry_run\": true"))
      #expect(json.contains("\"changed\": false"))
    }
  }

  @Test func x710ResizeWithUsualDriverNeedsNoForce() throws {
    try withKernel("x710-demo") { kernel, life, _ in
      kernel.vfDriver = "iavf"
      let outcome = try life.setVFCount(2, on: ref(x710PF))
      #expect(outcome.error == nil)
      #expect(kernel.virtfns(of: x710PF) == ["0000:3b:02.0", "0000:3b:02.1"])
      #expect(kernel.driver(of: "0000:3b:02.1") == "iavf")  // autoprobe 1: the VF driver binds
    }
  }
}
