import Foundation
import Testing

/// The lifecycle commands through the CLI (in-process), on private copies of fixtures. Plain
/// files do not act like the kernel (see FakeKernel for that), so these cover parsing, refusals,
/// dry runs and rendering.
@Suite("CLI: create / remove / bind / unbind")
struct LifecycleCLITests {
  @Test func equalCountSaysSoAndWritesNothing() throws {
    try withTempCopy(of: "nvme-sriov") { root in
      let r = try runCLI(["--root", root, "create", "01:00.0", "2"])
      #expect(r.status == 0 && r.stderr.isEmpty)
      #expect(r.stdout == "0000:01:00.0: already has 2 VFs\n")
      #expect(!FileManager.default.fileExists(atPath: root + "/run"))
    }
  }

  /// Counts and timeouts are checked by `validate()`, before any host is opened.
  @Test func negativeCountAndZeroTimeoutAreUsageErrors() throws {
    let x710 = fixtureRoot("x710-demo")
    let count = try runCLI(["--root", x710, "create", "--dry-run", "3b:00.0", "--", "-1"])
    #expect(count.status == 64 && count.stdout.isEmpty)
    #expect(count.stderr.hasPrefix("Error: COUNT must be 0 or more (got -1)\nUsage: sriovctl create"))
    let timeout = try runCLI(["--root", x710, "remove", "3b:00.0", "--timeout", "0"])
    #expect(timeout.status == 64 && timeout.stderr.hasPrefix("Error: --timeout must be more than 0 seconds (got 0.0)\nUsage: sriovctl remove"))
  }

  @Test func aboveTotalIsOneLinePlusHint() throws {
    try withTempCopy(of: "nvme-sriov") { root in
      let r = try runCLI(["--root", root, "create", "0000:01:00.0", "200"])
      #expect(r.status == 1)
      #expect(r.stdout.isEmpty)
      #expect(r.stderr == """
        Error: 0000:01:00.0: cannot create 200 VFs: the device supports at most 32 (sriov_totalvfs)
        hint: choose a count from 0 to 32

        """)
      #expect(!FileManager.default.fileExists(atPath: root + "/run"))
    }
  }

  @Test func dryRunText() throws {
    try withTempCopy(of: "nvme-sriov") { root in
      let before = try String(contentsOfFile: root + "/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs", encoding: .utf8)
      let r = try runCLI(["--root", root, "create", "01:00.0", "3", "--driver", "vfio-pci", "--dry-run"])
      #expect(r.status == 0 && r.stderr.isEmpty)
      #expect(r.stdout == """
        0000:01:00.0: would change from 2 to 3 VFs; would write, in order:
          /sys/bus/pci/devices/0000:01:00.0/sriov_numvfs <- '0'
          /sys/bus/pci/devices/0000:01:00.0/sriov_numvfs <- '3'
          /sys/bus/pci/devices/0000:01:00.0/virtfn0/driver_override <- 'vfio-pci'
          /sys/bus/pci/drivers_probe <- '<address of virtfn0>'
          /sys/bus/pci/devices/0000:01:00.0/virtfn1/driver_override <- 'vfio-pci'
          /sys/bus/pci/drivers_probe <- '<address of virtfn1>'
          /sys/bus/pci/devices/0000:01:00.0/virtfn2/driver_override <- 'vfio-pci'
          /sys/bus/pci/drivers_probe <- '<address of virtfn2>'
        this destroys 2 VF(s): 0000:01:00.1 0000:01:00.2

        """)
      let after = try String(contentsOfFile: root + "/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs", encoding: .utf8)
      #expect(before == after)
      #expect(!FileManager.default.fileExists(atPath: root + "/run"))
    }
  }

  @Test func dryRunJSON() throws {
    try withTempCopy(of: "nvme-sriov") { root in
      let r = try runCLI(["--root", root, "remove", "01:00.0", "--dry-run", "--json"])
      #expect(r.status == 0 && r.stderr.isEmpty)
      let value = try JSONValue(parsing: r.stdout)
      #expect(value["schema_version"] == 1)
      let result = try #require(value["result"])
      #expect(result.keys == ["device", "dry_run", "planned", "applied", "skipped", "failed", "destroys", "changed", "message"])
      #expect(result["device"] == "0000:01:00.0")
      #expect(result["dry_run"] == true)
      #expect(result["planned"] == .array([.object(["path": "/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs", "value": "0"])]))
      #expect(result["applied"] == [])
      #expect(result["destroys"] == ["0000:01:00.1", "0000:01:00.2"])
      #expect(result["changed"] == false)
    }
  }

  @Test func upNetdevRefusesResizeAndNamesTheVF() throws {
    try withTempCopy(of: "x710-demo") { root in
      let operstate = root + "/sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:02.1/net/enp59s0f0v1/operstate"
      try "up\n".write(toFile: operstate, atomically: false, encoding: .utf8)
      let r = try runCLI(["--root", root, "create", "enp59s0f0", "2"])
      #expect(r.status == 1)
      #expect(r.stderr == """
        Error: 0000:3b:00.0: refusing to change from 4 to 2 VFs: it destroys every VF and 1 in use: 0000:3b:02.1 (netdev enp59s0f0v1 is up)
        hint: stop what uses them, or pass --force to destroy them anyway

        """)
      // The dry run shows the plan and says it would be refused.
      let dry = try runCLI(["--root", root, "create", "enp59s0f0", "2", "--dry-run", "--json"])
      #expect(dry.status == 1)
      let value = try JSONValue(parsing: dry.stdout)
      #expect(value["result"]?["planned"]?.array?.count == 2)
      #expect(value["result"]?["message"]?.string?.hasPrefix("0000:3b:00.0: refusing to change from 4 to 2 VFs") == true)
      #expect(!FileManager.default.fileExists(atPath: root + "/run"))
    }
  }

  @Test func timeoutIsReportedInJSONWithTheWriteApplied() throws {
    // Plain files never grow virtfn links: the wait runs into the deadline.
    try withTempCopy(of: "nvme-sriov") { root in
      try "1\n".write(toFile: root + "/sys/bus/pci/devices/0000:01:00.0/sriov_drivers_autoprobe", atomically: false, encoding: .utf8)
      try "0\n".write(toFile: root + "/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs", atomically: false, encoding: .utf8)
      for link in ["virtfn0", "virtfn1"] { try FileManager.default.removeItem(atPath: root + "/sys/bus/pci/devices/0000:01:00.0/" + link) }
      let r = try runCLI(["--root", root, "create", "01:00.0", "2", "--driver", "vfio-pci", "--timeout", "0.3", "--json"])
      #expect(r.status == 1)
      #expect(r.stderr.hasPrefix("Error: 0000:01:00.0: timed out after 0.3 s waiting for VFs: 0/2 appeared"))
      let result = try #require(try JSONValue(parsing: r.stdout)["result"])
      #expect(result["applied"] == .array([
        .object(["path": "/sys/bus/pci/devices/0000:01:00.0/sriov_drivers_autoprobe", "value": "0"]),
        .object(["path": "/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs", "value": "2"]),
        .object(["path": "/sys/bus/pci/devices/0000:01:00.0/sriov_drivers_autoprobe", "value": "1"]),
      ]))
      #expect(result["skipped"]?.array?.count == 4)
      #expect(result["changed"] == true)
      #expect(FileManager.default.fileExists(atPath: root + "/run/sriovctl.lock"))
    }
  }

  @Test func bindDryRunAndUnbindRefusal() throws {
    try withTempCopy(of: "x710-demo") { root in
      let bind = try runCLI(["--root", root, "bind", "3b:02.0", "iavf", "--dry-run"])
      #expect(bind.status == 0)
      #expect(bind.stdout == "0000:3b:02.0: already bound to iavf; nothing to write\n")
      let unbind = try runCLI(["--root", root, "unbind", "eno1"])
      #expect(unbind.status == 1)
      #expect(unbind.stderr == """
        Error: 0000:04:00.0: refusing to unbind it from igb: its netdev eno1 is up
        hint: bring it down first (ip link set eno1 down), or pass --force

        """)
      let pf = try runCLI(["--root", root, "unbind", "enp59s0f0"])
      #expect(pf.stderr == """
        Error: 0000:3b:00.0: refusing to unbind it from i40e: it is a PF with 4 VFs, which most PF drivers remove when unbound
        hint: remove the VFs first (sriovctl remove 0000:3b:00.0), or pass --force

        """)
      let dry = try runCLI(["--root", root, "unbind", "eno1", "--force", "--dry-run"])
      #expect(dry.stdout == """
        0000:04:00.0: would be unbound; would write, in order:
          /sys/bus/pci/drivers/igb/unbind <- '0000:04:00.0'

        """)
    }
  }

  @Test func usageErrors() throws {
    let root = fixtureRoot("nvme-sriov")
    #expect(try runCLI(["--root", root, "create", "01:00.0", "many"]).status == 64)
    let badDriver = try runCLI(["--root", root, "bind", "01:00.1", "../x"])
    #expect(badDriver.status == 64)
    #expect(badDriver.stderr.contains("is not a driver name") || badDriver.stderr.contains("driver name"))
    let unloaded = try runCLI(["--root", root, "bind", "01:00.1", "igb_uio"])
    #expect(unloaded.status == 1)
    #expect(unloaded.stderr.hasSuffix("hint: load it first: modprobe igb_uio\n"))
  }
}
