/// Per-device checks: pure functions over `DeviceFacts` (and the host facts they depend on).
public enum DeviceChecks {
  public static func all(_ d: DeviceFacts, host: HostFacts) -> [Finding] {
    sriov(d) + physfn(d) + isolation(d, host: host) + viability(d)
  }

  /// A VF whose PF does not list it (sysfs mid-change, or an inconsistent capture).
  static func physfn(_ d: DeviceFacts) -> [Finding] {
    guard let pf = d.device.physfn, d.device.vfIndex == nil else { return [] }
    let why = d.device.unknowns["vf_index"]
    return [Finding("sriov.physfn", d.device.address.description, .warn,
      "VF of \(pf) by its physfn link, but " + (why?.reason ?? "its PF does not list it"),
      hint: why?.hint ?? "read sysfs again once VFs are no longer being created or removed")]
  }

  // MARK: SR-IOV readiness

  public static func sriov(_ d: DeviceFacts) -> [Finding] {
    let subject = d.device.address.description
    guard let state = d.device.sriov else { return [] }
    var found: [Finding] = []
    let capability: Readable<SRIOVCapability?> = d.config.facts.sriov
    if state.totalVFs <= 0 {
      found.append(Finding("sriov.capable", subject, .fail, "sriov_totalvfs is 0: SR-IOV is disabled",
        hint: "enable SR-IOV for this device in the BIOS/UEFI (and in the NIC firmware, e.g. mlxconfig SRIOV_EN=1 NUM_OF_VFS=N)"))
    } else if case .known(let cap?) = capability, Int(cap.totalVFs) > state.totalVFs {
      found.append(Finding("sriov.capable", subject, .pass,
        "SR-IOV capable: up to \(state.totalVFs) VFs (the capability's TotalVFs is \(cap.totalVFs); the driver or firmware lowers it), \(state.numVFs) enabled"))
    } else {
      found.append(Finding("sriov.capable", subject, .pass, "SR-IOV capable: up to \(state.totalVFs) VFs, \(state.numVFs) enabled"))
    }
    if case .unreadable = capability {
      found.append(Finding("sriov.capability", subject, .unknown,
        "SR-IOV capability in config space unknown: \(d.config.facts.unreadableReason)", hint: d.config.facts.unknown?.hint))
    }
    if state.vfs.count != state.numVFs {
      // list and show print what sysfs says; the disagreement is reported here.
      let why = d.device.unknowns["vfs"]
      found.append(Finding("sriov.vf_links", subject, why == nil ? .warn : .unknown,
        "sriov_numvfs is \(state.numVFs) but \(state.vfs.count) virtfn link(s) exist" + (why.map { ": " + $0.reason } ?? ""),
        hint: "VFs are being created or removed (read again when done), or the capture missed virtfn links (capture again)"))
    }
    if let unknown = d.device.unknowns["driver"] {
      found.append(Finding("sriov.driver", subject, .unknown, "PF driver unknown: \(unknown.reason)", hint: unknown.hint))
    } else if let driver = d.device.driver {
      found.append(Finding("sriov.driver", subject, .pass, "PF driver \(driver) bound"))
    } else {
      found.append(Finding("sriov.driver", subject, .fail, "no driver bound: sriov_numvfs writes fail (ENOENT)",
        hint: "bind the PF's driver (modprobe it, or sriovctl bind \(subject) DRIVER)"))
    }
    found.append(vfBARs(d, subject: subject))
    if let f = busRange(d, state: state, subject: subject) { found.append(f) }
    return found
  }

  static func vfBARs(_ d: DeviceFacts, subject: String) -> Finding {
    guard let lines = d.iovResources else {
      return Finding("sriov.vf_bars", subject, .unknown, "cannot read the IOV BARs (resource lines 7-12)",
        hint: "check \(subject)'s resource attribute")
    }
    if lines.contains(where: \.isAssigned) {
      return Finding("sriov.vf_bars", subject, .pass, "VF BARs have MMIO assigned")
    }
    return Finding("sriov.vf_bars", subject, .fail,
      "VF BARs unassigned (resource lines 7-12 are all zero): creating VFs will fail with ENOMEM",
      hint: Hints.enomem)
  }

  static func busRange(_ d: DeviceFacts, state: SRIOVState, subject: String) -> Finding? {
    guard state.totalVFs > 0, let offset = state.offset, let stride = state.stride else { return nil }
    let a = d.device.address
    let devfn: Int = Int(a.device) << 3 | Int(a.function)
    let lastRID: Int = devfn + offset + stride * (state.totalVFs - 1)
    let lastBus: Int = Int(a.bus) + (lastRID >> 8)
    guard let parent = d.upstream.first else {
      return Finding("sriov.bus_range", subject, .pass, "on a root bus: VF bus numbers need no bridge range (last VF on bus \(hex2(lastBus)))")
    }
    guard let sub = parent.config.subordinateBus else {
      let why = parent.config.facts.unknown
      return Finding("sriov.bus_range", subject, .unknown,
        "cannot read the subordinate bus of \(parent.address)" + (why.map { ": " + $0.reason } ?? ""),
        hint: why?.hint ?? "check \(parent.address)'s config attribute")
    }
    if lastBus <= Int(sub) {
      return Finding("sriov.bus_range", subject, .pass,
        "the last VF (\(state.totalVFs - 1)) lands on bus \(hex2(lastBus)), within \(parent.address)'s range (subordinate \(hex2(Int(sub))))")
    }
    let room: Int = ((Int(sub) - Int(a.bus)) << 8) + 255 - devfn - offset
    let fitting: Int = stride > 0 && room >= 0 ? room / stride + 1 : 0
    return Finding("sriov.bus_range", subject, .fail,
      "the last VF (\(state.totalVFs - 1)) needs bus \(hex2(lastBus)) but \(parent.address) ends at subordinate bus \(hex2(Int(sub))): creating that many VFs fails with ENOMEM",
      hint: "boot with pci=assign-busses (or pci=realloc), or enable SR-IOV in the BIOS so it reserves bus numbers"
        + (fitting > 0 ? "; at most \(fitting) VFs fit the current range" : ""))
  }

  static func hex2(_ v: Int) -> String { Hex.format(UInt8(truncatingIfNeeded: v), width: 2) }

  // MARK: isolation

  public static func isolation(_ d: DeviceFacts, host: HostFacts) -> [Finding] {
    let subject = d.device.address.description
    let p = Isolation.predict(d)
    var found: [Finding] = []
    let path = d.upstream.isEmpty ? "no bridge above (root bus)" : p.hops.map(\.address.description).joined(separator: " -> ")
    if !p.breaking.isEmpty || p.selfBreaks {
      var parts: [String] = p.breaking.map { "\($0.label): \($0.verdict.reason)" }
      if p.selfBreaks { parts.append("\(subject) itself (multifunction): \(p.selfVerdict.reason)") }
      var message = "isolation breaks at " + parts.joined(separator: "; ")
      if let g = d.group {
        message += "; IOMMU group \(g.id) holds " + g.members.map(\.description).joined(separator: ", ")
      }
      let noACSCap = p.breaking.contains { $0.verdict.reason == "no ACS capability" }
      var hint: String
      if !host.iommuActive {
        hint = "the kernel enables ACS only with an active IOMMU: enable the IOMMU first"
      } else if noACSCap {
        hint = "the port has no ACS: use a slot under a root port with ACS; pcie_acs_override only hides the problem (it removes isolation)"
      } else {
        hint = "the port can do ACS but it is off: check pci=disable_acs_redir= / pci=config_acs= on the kernel command line and the BIOS ACS setting"
      }
      if p.selfBreaks && p.breaking.isEmpty {
        hint = "the functions of this device share a group; pass them through together"
      }
      found.append(Finding("isolation.acs_path", subject, .warn, message, hint: hint))
    } else if !p.unknown.isEmpty || (p.isolated == nil) {
      // The reason each config gives (the same as `show`'s), not a blanket "needs root".
      let configs: [(String, DeviceReport.ConfigFacts)] =
        d.upstream.filter { hop in p.unknown.contains { $0.address == hop.address } }.map { ($0.address.description, $0.config.facts) }
      let ownUnknown: Bool = if case .unknown = p.selfVerdict { true } else { false }
      let own: [(String, DeviceReport.ConfigFacts)] = configs.isEmpty || ownUnknown ? [(subject, d.config.facts)] : []
      let reasons: [String] = (configs + own).map { "\($0.0): \($0.1.unreadableReason)" }
      let hint: String? = (configs + own).lazy.compactMap { $0.1.unknown?.hint }.first
      found.append(Finding("isolation.acs_path", subject, .unknown,
        "cannot decide ACS: " + reasons.joined(separator: "; "), hint: hint))
    } else {
      found.append(Finding("isolation.acs_path", subject, .pass, "ACS isolates every hop: " + path))
    }
    if let g = d.group, let unknown = g.membersUnknown {
      found.append(Finding("iommu.group", subject, .unknown, "IOMMU group \(g.id): \(unknown.reason)", hint: unknown.hint))
    } else if let g = d.group {
      found.append(reconcile(d, group: g, prediction: p, subject: subject))
    } else if let unknown = d.device.unknowns["iommu_group"] {
      found.append(Finding("iommu.group", subject, .unknown, "IOMMU group unknown: \(unknown.reason)", hint: unknown.hint))
    } else {
      found.append(Finding("iommu.group", subject, .fail, "in no IOMMU group",
        hint: host.iommuActive ? "the IOMMU does not cover this device; check dmesg for DMAR/AMD-Vi errors" : "enable the IOMMU (see iommu.kernel)"))
    }
    return found
  }

  static func reconcile(_ d: DeviceFacts, group g: IOMMUGroup, prediction p: Isolation.Prediction, subject: String) -> Finding {
    let me = d.device.address
    let others: [PCIAddress] = g.members.filter { $0 != me }
    let list = g.members.map(\.description).joined(separator: ", ")
    switch p.isolated {
    case true?:
      if others.isEmpty { return Finding("iommu.group", subject, .pass, "alone in IOMMU group \(g.id), as the ACS path predicts") }
      return Finding("iommu.group", subject, .warn,
        "IOMMU group \(g.id) holds \(list) although ACS isolates the path: a kernel quirk or a DMA alias joined them",
        hint: "treat the group as one unit: assign all of its devices together")
    case false?:
      let predicted: [PCIAddress] = p.breaking.map(\.address)
      if others.isEmpty || others.allSatisfy({ $0 == me }) {
        return Finding("iommu.group", subject, .pass,
          "alone in IOMMU group \(g.id) although ACS predicts sharing with \(predicted.map(\.description).joined(separator: ", ")): a kernel quirk (pci_dev_specific_acs_enabled) isolates it")
      }
      return Finding("iommu.group", subject, .pass, "IOMMU group \(g.id): \(list), as the ACS path predicts")
    case nil:
      return Finding("iommu.group", subject, .pass,
        "IOMMU group \(g.id): \(list)" + (others.isEmpty ? " (alone)" : "") + " (from sysfs; the ACS prediction is unknown)")
    }
  }

  // MARK: viability

  static let vfioDrivers: Set<String> = ["vfio-pci", "pci-stub"]

  public static func viability(_ d: DeviceFacts) -> [Finding] {
    let subject = d.device.address.description
    guard let g = d.group else { return [] }
    if let unknown = g.membersUnknown {
      return [Finding("group.viable", subject, .unknown, "cannot tell whether IOMMU group \(g.id) is viable: \(unknown.reason)",
        hint: unknown.hint)]
    }
    let me = d.device.address
    let blocking: [GroupMember] = d.groupMembers.filter { m in
      m.address != me && !m.isBridge && m.driver.map { !vfioDrivers.contains($0) } == true
    }
    let describe = { (m: GroupMember) -> String in "\(m.address) (\(m.driver ?? "no driver"))" }
    let unsure: [GroupMember] = d.groupMembers.filter { $0.address != me && $0.unknown }
    if blocking.isEmpty, !unsure.isEmpty {
      return [Finding("group.viable", subject, .unknown,
        "cannot tell whether IOMMU group \(g.id) is viable: the driver of " + unsure.map(\.address.description).joined(separator: ", ") + " is unknown")]
    }
    if blocking.isEmpty {
      let members = d.groupMembers.map(describe).joined(separator: ", ")
      return [Finding("group.viable", subject, .pass, "IOMMU group \(g.id) is viable for vfio: \(members)")]
    }
    let names = blocking.map(describe).joined(separator: ", ")
    let fix = blocking.map { "sriovctl bind \($0.address) vfio-pci" }.joined(separator: "; ")
    return [Finding("group.viable", subject, .fail,
      "IOMMU group \(g.id) is not viable for vfio: \(names) bound to a host driver",
      hint: "bind every device of the group to vfio-pci (\(fix)) or unbind them, or move the device to a slot with its own group")]
  }
}
