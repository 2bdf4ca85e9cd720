import Foundation
import SRIOVCore
import SystemPackage
import Testing

private let cx5 = "0000:5e:00.0"
private let cx5Handle = DevlinkHandle(pci: PCIAddress(strict: cx5)!)
private let e810 = "0000:01:00.0"
private let e810Handle = DevlinkHandle(pci: PCIAddress(strict: e810)!)
private func addr(_ text: String) -> PCIAddress { PCIAddress(strict: text)! }

/// A fake kernel over a private copy of `scenario` and a fake devlink over it.
private func withEswitch<T>(
  _ scenario: String, _ state: [DevlinkHandle: EswitchQuery], _ body: (FakeKernel, FakeDevlink, Eswitch, FakeClock) throws -> T
) throws -> T {
  let kernel = try FakeKernel(copying: scenario)
  defer { kernel.remove() }
  let clock = FakeClock()
  let devlink = FakeDevlink(sysfs: kernel, state)
  return try body(kernel, devlink, Eswitch(sysfs: kernel, devlink: devlink, clock: clock), clock)
}

private let legacy = EswitchQuery.supported(EswitchSettings(mode: .legacy, inlineMode: EswitchInlineMode.none, encapMode: .basic))

@Suite("eSwitch planner (pure)")
struct EswitchPlannerTests {
  private func vf(_ i: Int, _ driver: String?, up: [String] = []) -> ObservedVF {
    ObservedVF(index: i, address: PCIAddress(bus: 0x5e, device: 0, function: UInt8(2 + i)), driver: driver, driverOverride: nil, upNetdevs: up)
  }
  private func observed(driver: String, vfs: [ObservedVF], mode: EswitchMode = .legacy) -> ObservedEswitch {
    let pf = ObservedPF(address: addr(cx5), totalVFs: 8, numVFs: vfs.count, driver: driver, driversAutoprobe: true, vfs: vfs)
    return ObservedEswitch(handle: cx5Handle, driver: driver, current: EswitchSettings(mode: mode, inlineMode: EswitchInlineMode.none),
      pf: pf, numVFs: vfs.count)
  }

  @Test func orderPerDriver() {
    #expect(EswitchOrder.forDriver("mlx5_core") == .unbindRebind)
    #expect(EswitchOrder.forDriver("ice") == .recreateVFs)
    #expect(EswitchOrder.forDriver("netdevsim") == .modeOnly)
    #expect(EswitchOrder.forDriver("bnxt_en") == .unbindRebind)  // unknown: the safe default
    #expect(EswitchOrder.forDriver(nil) == .unbindRebind)
  }

  @Test func mlx5UnbindsAroundTheModeChange() throws {
    let plan = try EswitchChange.plan(observed(driver: "mlx5_core", vfs: [vf(0, "mlx5_core"), vf(1, nil)]), to: EswitchTarget(mode: .switchdev), force: false)
    #expect(plan.order == .unbindRebind)
    #expect(plan.steps.map(\.description) == [
      "/sys/bus/pci/drivers/mlx5_core/unbind <- '0000:5e:00.2'",
      "devlink dev eswitch set pci/0000:5e:00.0 mode switchdev",
      "/sys/bus/pci/drivers_probe <- '0000:5e:00.2'",
    ])
    #expect(plan.unbinds == [addr("0000:5e:00.2")] && plan.destroys.isEmpty)
  }

  @Test func iceRecreatesTheVFs() throws {
    let plan = try EswitchChange.plan(observed(driver: "ice", vfs: [vf(0, "iavf"), vf(1, "iavf")]), to: EswitchTarget(mode: .switchdev), force: false)
    #expect(plan.order == .recreateVFs)
    #expect(plan.steps.map(\.description) == [
      "/sys/bus/pci/devices/0000:5e:00.0/sriov_numvfs <- '0'",
      "devlink dev eswitch set pci/0000:5e:00.0 mode switchdev",
      "/sys/bus/pci/devices/0000:5e:00.0/sriov_numvfs <- '2'",
    ])
    #expect(plan.destroys.count == 2)
  }

  @Test func equalModeAndAttributeOnlyChanges() throws {
    let noop = try EswitchChange.plan(observed(driver: "mlx5_core", vfs: [vf(0, "mlx5_core")]), to: EswitchTarget(mode: .legacy), force: false)
    #expect(noop.isNoop)
    let same = try EswitchChange.plan(observed(driver: "mlx5_core", vfs: []), to: EswitchTarget(mode: .legacy, inlineMode: EswitchInlineMode.none), force: false)
    #expect(same.isNoop)
    // An inline-mode change alone sends only that attribute and leaves the VFs alone.
    let inline = try EswitchChange.plan(observed(driver: "mlx5_core", vfs: [vf(0, "mlx5_core")]), to: EswitchTarget(mode: .legacy, inlineMode: .transport), force: false)
    #expect(inline.order == .modeOnly)
    #expect(inline.steps == [.setEswitch(cx5Handle, mode: nil, inlineMode: .transport, encapMode: nil)])
    let noVFs = try EswitchChange.plan(observed(driver: "ice", vfs: []), to: EswitchTarget(mode: .switchdev), force: false)
    #expect(noVFs.order == .modeOnly && noVFs.steps.count == 1)
  }

  @Test func vfsInUseAreRefusedLikeCreate() throws {
    let busy = observed(driver: "mlx5_core", vfs: [vf(0, "mlx5_core"), vf(1, "vfio-pci")])
    #expect {
      try EswitchChange.plan(busy, to: EswitchTarget(mode: .switchdev), force: false)
    } throws: { error in
      (error as? SRIOVError)?.message == "pci/0000:5e:00.0: refusing to change the eSwitch to switchdev: it unbinds every VF from its driver, and 1 in use: 0000:5e:00.3 (bound to vfio-pci)"
    }
    #expect(try EswitchChange.plan(busy, to: EswitchTarget(mode: .switchdev), force: true).unbinds.count == 2)
    let up = observed(driver: "ice", vfs: [vf(0, "iavf", up: ["ens1f0v0"])])
    #expect(throws: SRIOVError.self) { try EswitchChange.plan(up, to: EswitchTarget(mode: .switchdev), force: false) }
  }
}

@Suite("eSwitch over the fake kernel and a fake devlink")
struct EswitchExecutorTests {
  @Test func mlx5SwitchesWithVFsUnboundThenRebound() throws {
    try withEswitch("connectx5", [cx5Handle: legacy]) { kernel, devlink, eswitch, _ in
      devlink.rules[cx5Handle] = .busyWhileVFsBound
      kernel.vfDriver = "mlx5_core"
      let outcome = try eswitch.change(cx5, to: EswitchTarget(mode: .switchdev))
      #expect(outcome.error == nil, "\(String(describing: outcome.error))")
      #expect(kernel.applied == [
        "/sys/bus/pci/drivers/mlx5_core/unbind <- 0000:5e:00.2", "/sys/bus/pci/drivers/mlx5_core/unbind <- 0000:5e:00.3",
        "/sys/bus/pci/drivers_probe <- 0000:5e:00.2", "/sys/bus/pci/drivers_probe <- 0000:5e:00.3",
      ])
      #expect(devlink.requests == ["set pci/0000:5e:00.0 mode switchdev"])
      #expect(kernel.driver(of: "0000:5e:00.2") == "mlx5_core" && kernel.driver(of: "0000:5e:00.3") == "mlx5_core")
      #expect(outcome.representors == [0: "pf0vf0", 1: "pf0vf1"])
      #expect(outcome.after?.mode == .switchdev)
      #expect(outcome.text().hasPrefix("pci/0000:5e:00.0: the eSwitch is now switchdev (inline-mode none, encap-mode basic) (was legacy (inline-mode none, encap-mode basic)); 2 VF representor(s)\n"))

      // Again: nothing written, nothing sent.
      let again = try eswitch.change("pci/0000:5e:00.0", to: EswitchTarget(mode: .switchdev))
      #expect(again.plan.isNoop && !again.changed)
      #expect(kernel.applied.count == 4 && devlink.requests.count == 1)
      #expect(again.text() == "pci/0000:5e:00.0: the eSwitch is already switchdev (inline-mode none, encap-mode basic); nothing to change\n")
    }
  }

  @Test func iceRemovesTheVFsFirstAndCreatesThemAgain() throws {
    try withEswitch("check-bus-range", [e810Handle: legacy]) { kernel, devlink, eswitch, clock in
      devlink.rules[e810Handle] = .busyWhileVFsExist
      _ = try Lifecycle(sysfs: kernel, clock: clock).setVFCount(2, on: .address(addr(e810)))
      let outcome = try eswitch.change(e810, to: EswitchTarget(mode: .switchdev))
      #expect(outcome.error == nil, "\(String(describing: outcome.error))")
      #expect(outcome.plan.order == .recreateVFs)
      #expect(Array(kernel.applied.suffix(2)) == [
        "/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs <- 0", "/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs <- 2",
      ])
      #expect(kernel.virtfns(of: e810).count == 2)
      #expect(outcome.representors.keys.sorted() == [0, 1])
    }
  }

  @Test func theWrongOrderIsWhatTheDriverRefuses() throws {
    // The fake's mlx5 rule is real: setting the mode with VF drivers bound is EBUSY, one line + hint.
    try withEswitch("connectx5", [cx5Handle: legacy]) { kernel, devlink, _, _ in
      devlink.rules[cx5Handle] = .busyWhileVFsBound
      #expect(throws: NetlinkKernelError.self) { try devlink.setEswitch(cx5Handle, mode: .switchdev, inlineMode: nil, encapMode: nil) }
      let error = EswitchErrors.explain(NetlinkKernelError(errno: .resourceBusy, message: "Can't change mode while VFs are bound"),
        handle: cx5Handle, driver: "mlx5_core", attempt: "setting the eSwitch mode switchdev failed")
      #expect(error.message == "pci/0000:5e:00.0: setting the eSwitch mode switchdev failed: Device or resource busy (kernel: Can't change mode while VFs are bound)")
      #expect(error.hint?.hasPrefix("likely cause: VFs present or still bound") == true)
      _ = kernel
    }
  }

  @Test func aFailedSetStillRebindsTheVFs() throws {
    try withEswitch("connectx5", [cx5Handle: legacy]) { kernel, devlink, eswitch, _ in
      kernel.vfDriver = "mlx5_core"
      devlink.failNextSet = NetlinkKernelError(errno: .invalidArgument, message: "Failed setting eswitch to offloads")
      let outcome = try eswitch.change(cx5, to: EswitchTarget(mode: .switchdev))
      #expect(outcome.error?.message == "pci/0000:5e:00.0: setting the eSwitch mode switchdev failed: Invalid argument (kernel: Failed setting eswitch to offloads)")
      #expect(outcome.error?.hint?.contains("firmware") == true)
      #expect(outcome.failed.map(\.step.description) == ["devlink dev eswitch set pci/0000:5e:00.0 mode switchdev"])
      #expect(kernel.driver(of: "0000:5e:00.2") == "mlx5_core" && kernel.driver(of: "0000:5e:00.3") == "mlx5_core")
      #expect(devlink.mode(cx5Handle) == .legacy)
      // The rebind is the rollback of the unbinds; the plan's own rebind steps are skipped.
      #expect(outcome.rolledBack.count == 2 && outcome.skipped.count == 2)
    }
  }

  @Test func aFailedSetOnIceRollsBackAndWritesTheCountBack() throws {
    try withEswitch("check-bus-range", [e810Handle: legacy]) { kernel, devlink, eswitch, clock in
      devlink.rules[e810Handle] = .busyWhileVFsExist
      _ = try Lifecycle(sysfs: kernel, clock: clock).setVFCount(2, on: .address(addr(e810)))
      devlink.failNextSet = NetlinkKernelError(errno: .invalidArgument, message: "no")
      let outcome = try eswitch.change(e810, to: EswitchTarget(mode: .switchdev))
      #expect(outcome.error?.message.hasPrefix("pci/0000:01:00.0: setting the eSwitch mode switchdev failed: Invalid argument") == true)
      // The removed VFs are written back (as new VFs) and the count step after the set never runs.
      #expect(outcome.rolledBack.map(\.description) == ["/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs <- '0'"])
      #expect(outcome.skipped.map(\.description) == ["/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs <- '2'"])
      #expect(Array(kernel.applied.suffix(2)) == [
        "/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs <- 0", "/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs <- 2",
      ])
      #expect(kernel.virtfns(of: e810).count == 2 && devlink.mode(e810Handle) == .legacy)
      let json = try JSONValue(parsing: outcome.json().rendered())
      #expect(json["result"]?["rolled_back"]?.array?.count == 1)
      #expect(outcome.text().contains("  rolled back /sys/bus/pci/devices/0000:01:00.0/sriov_numvfs <- '0'\n"))
    }
  }

  @Test func dryRunWritesNothingAndShowsTheWholeOrder() throws {
    try withEswitch("connectx5", [cx5Handle: legacy]) { kernel, devlink, eswitch, _ in
      let outcome = try eswitch.change("enp94s0f0np0", to: EswitchTarget(mode: .switchdev, encapMode: EswitchEncapMode.none), dryRun: true)
      #expect(kernel.log.isEmpty && devlink.requests.isEmpty)
      #expect(outcome.text() == """
        pci/0000:5e:00.0: would change the eSwitch from legacy (inline-mode none, encap-mode basic) to switchdev (encap-mode none); mlx5_core order unbind-rebind (VFs unbound from their driver around the mode change, then rebound); would do, in order:
          /sys/bus/pci/drivers/mlx5_core/unbind <- '0000:5e:00.2'
          /sys/bus/pci/drivers/mlx5_core/unbind <- '0000:5e:00.3'
          devlink dev eswitch set pci/0000:5e:00.0 mode switchdev encap-mode none
          /sys/bus/pci/drivers_probe <- '0000:5e:00.2'
          /sys/bus/pci/drivers_probe <- '0000:5e:00.3'
        this unbinds 2 VF(s) from their driver and rebinds them: 0000:5e:00.2 0000:5e:00.3

        """)
    }
  }

  @Test func aVFInUseIsRefusedWithoutForceAndTheDryRunSaysSo() throws {
    try withEswitch("connectx5", [cx5Handle: legacy]) { kernel, devlink, eswitch, _ in
      try kernel.setValue("up\n", SysfsLayout.operstate(ofNetdev: "enp94s0f0v1", on: addr("0000:5e:00.3")))
      #expect {
        try eswitch.change(cx5, to: EswitchTarget(mode: .switchdev))
      } throws: { error in
        (error as? SRIOVError)?.message.hasSuffix("1 in use: 0000:5e:00.3 (netdev enp94s0f0v1 is up)") == true
      }
      let shown = try eswitch.change(cx5, to: EswitchTarget(mode: .switchdev), dryRun: true)
      #expect(shown.error != nil && shown.plan.steps.count == 5)
      #expect(kernel.log.isEmpty && devlink.requests.isEmpty)
      kernel.vfDriver = "mlx5_core"
      let forced = try eswitch.change(cx5, to: EswitchTarget(mode: .switchdev), force: true)
      #expect(forced.error == nil && devlink.mode(cx5Handle) == .switchdev)
    }
  }

  @Test func noDevlinkEswitchIsOneLine() throws {
    try withEswitch("connectx5", [cx5Handle: .unsupported("no devlink instance")]) { kernel, devlink, eswitch, _ in
      #expect {
        try eswitch.change(cx5, to: EswitchTarget(mode: .switchdev))
      } throws: { error in
        let e = error as? SRIOVError
        return e?.message == "pci/0000:5e:00.0: cannot set the eSwitch to switchdev: mlx5_core has no switchdev mode (no devlink instance)"
          && e?.hint != nil
      }
      #expect(kernel.log.isEmpty && devlink.requests.isEmpty)
    }
    let notSupported = EswitchErrors.explain(Errno(rawValue: 95), handle: cx5Handle, driver: "igb", attempt: "setting the eSwitch mode switchdev failed")
    #expect(notSupported.message == "pci/0000:5e:00.0: setting the eSwitch mode switchdev failed: igb has no switchdev mode (Operation not supported)")
    let other = EswitchErrors.explain(Errno.ioError, handle: cx5Handle, driver: "igb", attempt: "x")
    #expect(other.message == "pci/0000:5e:00.0: x: Input/output error" && other.hint == nil)
  }

  @Test func representorsThatNeverAppearTimeOut() throws {
    try withEswitch("connectx5", [cx5Handle: legacy]) { kernel, devlink, eswitch, clock in
      kernel.vfDriver = "mlx5_core"
      devlink.noRepresentors = true
      let outcome = try eswitch.change(cx5, to: EswitchTarget(mode: .switchdev), timeout: 5)
      #expect(outcome.error?.message == "pci/0000:5e:00.0: timed out after 5 s waiting for VF representors: 0/2 appeared (devlink ports of flavour pcivf with a netdev)")
      #expect(clock.sleeps > 0)
    }
  }

  @Test func aNonPCIDeviceChangesOnlyTheMode() throws {
    // netdevsim's VFs are no PCI functions: nothing in sysfs is written.
    try withTempCopy(of: "connectx5") { root in
      let dir = root + "/sys/bus/netdevsim/devices/netdevsim1"
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      try "2\n".write(toFile: dir + "/sriov_numvfs", atomically: false, encoding: .utf8)
      let sysfs = RootedHostFiles(root: root)
      let handle = try DevlinkHandle(parsing: "netdevsim/netdevsim1")
      let devlink = FakeDevlink(sysfs: sysfs, [handle: .supported(EswitchSettings(mode: .legacy))])
      devlink.otherBusVFs[handle] = 2
      let outcome = try Eswitch(sysfs: sysfs, devlink: devlink, clock: FakeClock()).change("netdevsim/netdevsim1", to: EswitchTarget(mode: .switchdev))
      #expect(outcome.error == nil && outcome.plan.order == .modeOnly && outcome.plan.observed.numVFs == 2)
      #expect(outcome.representors.count == 2)
      #expect(throws: SRIOVError.self) { try Eswitch(sysfs: sysfs, devlink: devlink).resolve("netdevsim/netdevsim9") }
    }
  }
}
