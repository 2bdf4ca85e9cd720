import Foundation
import SRIOVCore
import Testing

/// One device as `lspci -D -nn -vvv -s ADDR` prints it: the header line and the trimmed body lines.
private struct LspciStanza {
  let header: String
  let lines: [String]

  init(_ text: String) {
    let all = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    header = all.first ?? ""
    lines = all.dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }
  }

  /// The rest of the first line starting with `prefix`.
  func value(_ prefix: String) -> String? {
    lines.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces) }
  }

  func has(_ text: String) -> Bool { lines.contains { $0.contains(text) } }

  /// `[8086:1572]` at the end of the header: vendor and device ID.
  var ids: (String, String)? {
    let matches = header.matches(of: #/\[([0-9a-f]{4}):([0-9a-f]{4})\]/#)
    return matches.last.map { (String($0.1), String($0.2)) }
  }

  /// `Name: a: 1, b: 2` -> ["a": "1", "b": "2"] (for `Initial VFs: 64, Total VFs: 64, ...`).
  func fields(_ line: String) -> [String: String] {
    var result: [String: String] = [:]
    for part in line.split(separator: ",") {
      let kv = part.split(separator: ":", maxSplits: 1)
      guard kv.count == 2 else { continue }
      result[kv[0].trimmingCharacters(in: .whitespaces)] = kv[1].trimmingCharacters(in: .whitespaces)
    }
    return result
  }

  /// `SrcValid+ TransBlk- ...` -> (names with +, every name).
  static func flags(_ text: String) -> (on: [String], all: [String]) {
    let tokens = text.split(separator: " ").map(String.init)
    return (tokens.filter { $0.hasSuffix("+") }.map { String($0.dropLast()) }, tokens.map { String($0.dropLast()) })
  }

  /// The JSON `port_type` for lspci's `Express (v2) Root Port (Slot+), MSI 00`.
  var portType: String? {
    guard let line = lines.first(where: { $0.hasPrefix("Capabilities: [") && $0.contains("] Express (") }) else { return nil }
    let names: [(String, String)] = [
      ("Root Complex Integrated Endpoint", "rc_integrated_endpoint"), ("Root Complex Event Collector", "rc_event_collector"),
      ("Legacy Endpoint", "legacy_endpoint"), ("Endpoint", "endpoint"), ("Root Port", "root_port"),
      ("Upstream Port", "upstream_port"), ("Downstream Port", "downstream_port"),
      ("PCI-Express to PCI/PCI-X Bridge", "pcie_to_pci_bridge"), ("PCI/PCI-X to PCI-Express Bridge", "pci_to_pcie_bridge"),
    ]
    return names.first { line.contains(") " + $0.0) }?.1 ?? "unknown: \(line)"
  }
}

/// Compares and counts; every mismatch is an issue naming the device and the field.
private struct Comparison {
  let device: String
  var fields = 0

  mutating func check(_ field: String, lspci: JSONValue?, ours: JSONValue?, sourceLocation: SourceLocation = #_sourceLocation) {
    fields += 1
    #expect(ours == lspci, "\(device) \(field): lspci says \(lspci?.description ?? "nothing"), sriovctl says \(ours?.description ?? "no key")",
      sourceLocation: sourceLocation)
  }
}

@Suite("lspci oracle")
struct LspciOracleTests {
  @Test("every device of every fixture agrees with lspci -vvv", .enabled(if: Repo.hasLspci, "lspci not installed (/usr/bin/lspci missing; CI installs pciutils)"),
    arguments: Repo.scenarios)
  func agreesWithLspci(scenario: String) throws {
    let root = fixtureRoot(scenario)
    let host = try Host(root: root)
    let addresses = try deviceAddresses(root: root)
    try #require(!addresses.isEmpty)
    var devices = 0, fields = 0
    for address in addresses {
      let result = try run(Repo.lspci, [
        "-A", "linux-sysfs", "-O", "sysfs.path=\(root)/sys/bus/pci", "-i", "\(root)/usr/share/misc/pci.ids",
        "-D", "-nn", "-vvv", "-s", address,
      ], env: [:])
      try #require(result.status == 0, "lspci failed on \(scenario) \(address): \(result.stderr)")
      let lspci = LspciStanza(result.stdout)
      try #require(lspci.header.hasPrefix(address + " "), "lspci printed no stanza for \(address): \(result.stdout)")
      let report = try DeviceReport.build(host: host, device: .address(try PCIAddress(parsing: address)))
      let json = try JSONValue(parsing: report.json().rendered())
      let device = try #require(json["device"])
      var c = Comparison(device: "\(scenario) \(address)")

      c.check("address", lspci: .string(address), ours: device["address"])
      let ids = try #require(lspci.ids, "no [vendor:device] in \(lspci.header)")
      c.check("vendor_id", lspci: .string(ids.0), ours: device["vendor_id"])
      c.check("device_id", lspci: .string(ids.1), ours: device["device_id"])
      c.check("driver", lspci: lspci.value("Kernel driver in use:").map(JSONValue.string) ?? .null, ours: device["driver"])
      c.check("numa_node", lspci: lspci.value("NUMA node:").map { .int(Int($0)!) } ?? .null, ours: device["numa_node"])
      c.check("iommu_group", lspci: lspci.value("IOMMU group:").map { .int(Int($0)!) } ?? .null, ours: device["iommu_group"].map { $0["id"] ?? $0 })

      let denied = lspci.has("Capabilities: <access denied>")
      c.check("port_type", lspci: lspci.portType.map(JSONValue.string) ?? .null, ours: device["port_type"])

      // ACS: flags when present, "unreadable" exactly when lspci was denied, else "absent".
      let acs = try #require(device["acs"])
      if lspci.has("Access Control Services") {
        let cap = LspciStanza.flags(try #require(lspci.value("ACSCap:")))
        let ctl = LspciStanza.flags(try #require(lspci.value("ACSCtl:")))
        c.check("acs.status", lspci: "present", ours: acs["status"])
        c.check("acs.cap_flags", lspci: .array(cap.on.map(JSONValue.string)), ours: acs["cap_flags"])
        c.check("acs.ctl_flags", lspci: .array(ctl.on.map(JSONValue.string)), ours: acs["ctl_flags"])
        // Every flag lspci names is one we know, under the same name.
        #expect(Set(cap.all + ctl.all).isSubset(of: Set(ACSFlags.named.map(\.1))), "\(address): \(cap.all)")
      } else {
        c.check("acs.status", lspci: denied ? "unreadable" : "absent", ours: acs["status"])
        c.check("acs.cap_flags", lspci: .null, ours: acs["cap_flags"])
      }

      // SR-IOV capability fields.
      let sriov = try #require(device["sriov"])
      if lspci.has("Single Root I/O Virtualization") {
        let counts = lspci.fields("Initial VFs: " + (try #require(lspci.value("Initial VFs:"))))
        let routing = lspci.fields("VF offset: " + (try #require(lspci.value("VF offset:"))))
        let pages = lspci.fields("Supported Page Size: " + (try #require(lspci.value("Supported Page Size:"))))
        let ctl = LspciStanza.flags(try #require(lspci.value("IOVCtl:"))).on
        c.check("sriov.status", lspci: "present", ours: sriov["status"])
        c.check("sriov.initial_vfs", lspci: counts["Initial VFs"].flatMap { Int($0) }.map(JSONValue.int), ours: sriov["initial_vfs"])
        c.check("sriov.total_vfs", lspci: counts["Total VFs"].flatMap { Int($0) }.map(JSONValue.int), ours: sriov["total_vfs"])
        c.check("sriov.num_vfs", lspci: counts["Number of VFs"].flatMap { Int($0) }.map(JSONValue.int), ours: sriov["num_vfs"])
        c.check("sriov.vf_offset", lspci: routing["VF offset"].flatMap { Int($0) }.map(JSONValue.int), ours: sriov["vf_offset"])
        c.check("sriov.vf_stride", lspci: routing["stride"].flatMap { Int($0) }.map(JSONValue.int), ours: sriov["vf_stride"])
        c.check("sriov.vf_device_id", lspci: routing["Device ID"].map(JSONValue.string), ours: sriov["vf_device_id"])
        c.check("sriov.supported_page_sizes", lspci: pages["Supported Page Size"].map { .string("0x" + $0) }, ours: sriov["supported_page_sizes"])
        c.check("sriov.system_page_size", lspci: pages["System Page Size"].map { .string("0x" + $0) }, ours: sriov["system_page_size"])
        c.check("sriov.vf_enable", lspci: .bool(ctl.contains("Enable")), ours: sriov["vf_enable"])
        c.check("sriov.ari_hierarchy", lspci: .bool(ctl.contains("ARIHierarchy")), ours: sriov["ari_hierarchy"])
      } else if denied, sriov != .null {
        // A PF whose capability we cannot read: unknown, never absent or zero.
        c.check("sriov.status", lspci: "unreadable", ours: sriov["status"])
        c.check("sriov.total_vfs", lspci: .null, ours: sriov["total_vfs"])
      } else {
        c.check("sriov.total_vfs", lspci: .null, ours: sriov == .null ? .null : sriov["total_vfs"])
      }
      devices += 1
      fields += c.fields
    }
    #expect(devices == addresses.count)
    print("lspci oracle \(scenario): \(devices) devices, \(fields) fields compared")
  }
}
