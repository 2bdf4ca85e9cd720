import Foundation
import Testing

private let realDevices: [String] =
  ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/bus/pci/devices")) ?? []).sorted()

@Suite("This machine (no --root)", .enabled(if: !realDevices.isEmpty, "this machine has no /sys/bus/pci/devices (container without sysfs?)"))
struct RealMachineTests {
  @Test func listOnThisMachine() throws {
    let hasSRIOV = realDevices.contains {
      FileManager.default.fileExists(atPath: "/sys/bus/pci/devices/\($0)/sriov_totalvfs")
    }
    let r = try runBinary(["list"])
    #expect(r.status == 0, "stderr: \(r.stderr)")
    #expect(r.stderr == "")
    if hasSRIOV {
      #expect(r.stdout.hasPrefix("DEVICE "))
    } else {
      #expect(r.stdout == "No SR-IOV capable devices found.\n")
    }
    let json = try JSONValue(parsing: try runBinary(["list", "--json"]).stdout)
    #expect(json["schema_version"] == 1)
    #expect((json["pfs"]?.array?.isEmpty) == !hasSRIOV)
  }

  @Test func showEveryDeviceOnThisMachine() throws {
    for address in realDevices {
      let text = try runBinary(["show", address])
      #expect(text.status == 0 && text.stderr == "", "show \(address): \(text.stderr)")
      #expect(text.stdout.hasPrefix(address + " "))
      let json = try runBinary(["show", address, "--json"])
      #expect(json.status == 0, "show \(address) --json: \(json.stderr)")
      #expect(try JSONValue(parsing: json.stdout)["device"]?["address"] == .string(address))
    }
  }
}
