extension DeviceReport {
  public func json() -> JSON {
    let d = device
    let ownersJSON: JSON = owners.map { o in JSON.array(o.claims(on: d.address).map(OwnersReport.json)) } ?? .null
    let groupJSON: JSON = iommuGroup.map { group in
      JSON.object([
        ("id", .int(group.id)), ("type", .optional(group.type)),
        ("members", .strings(group.members.map(\.description))),
      ])
    } ?? .null
    return .document([
      ("device", .object([
        ("address", .string(d.address.description)),
        ("kind", .string(d.kind.rawValue)),
        ("vendor_id", .string(d.vendorID.description)),
        ("device_id", .string(d.deviceID.description)),
        ("subsystem_vendor_id", .optional(d.subsystemVendorID?.description)),
        ("subsystem_device_id", .optional(d.subsystemDeviceID?.description)),
        ("class", .string(d.pciClass.description)),
        ("vendor_name", .optional(vendorName)),
        ("device_name", .optional(deviceName)),
        ("class_name", .optional(className)),
        ("driver", .optional(d.driver)),
        ("netdevs", .strings(netdevs)),
        ("numa_node", .optional(d.numaNode)),
        ("physfn", .optional(d.physfn?.description)),
        ("vf_index", .optional(d.vfIndex)),
        ("port_type", .optional(config.portType?.name)),
        ("config_readable_bytes", .int(config.readableBytes)),
        ("iommu_group", groupJSON),
        ("sriov", sriovJSON()),
        ("settings", settings.map(VFSettingsView.json) ?? .null),
        ("vf_settings", vfSettings?.json() ?? .null),
        ("eswitch", eswitch?.json() ?? .null),
        ("representor", .optional(representor)),
        ("owners", ownersJSON),
        ("acs", Self.json(config.acs)),
        ("upstream", .array(upstream.map { hop in
          .object([
            ("address", .string(hop.address.description)), ("port_type", .optional(hop.config.portType?.name)),
            ("acs", Self.json(hop.config.acs)),
          ])
        })),
      ])),
    ])
  }

  private func sriovJSON() -> JSON {
    let capability = config.sriov.value ?? nil
    guard device.sriov != nil || capability != nil else { return .null }
    let state = device.sriov
    let hex = { (v: UInt32) in JSON.string("0x" + Hex.format(v, width: 8)) }
    return .object([
      ("status", .string(config.sriov == .unreadable ? "unreadable" : "present")),
      ("initial_vfs", .optional(capability.map { Int($0.initialVFs) })),
      ("total_vfs", .optional(capability.map { Int($0.totalVFs) })),
      ("num_vfs", .optional(capability.map { Int($0.numVFs) })),
      ("vf_offset", .optional(capability.map { Int($0.firstVFOffset) })),
      ("vf_stride", .optional(capability.map { Int($0.vfStride) })),
      ("vf_device_id", .optional(capability?.vfDeviceID.description)),
      ("supported_page_sizes", capability.map { hex($0.supportedPageSizes) } ?? .null),
      ("system_page_size", capability.map { hex($0.systemPageSize) } ?? .null),
      ("vf_enable", .optional(capability?.vfEnabled)),
      ("ari_hierarchy", .optional(capability?.ariHierarchy)),
      ("max_vfs", .optional(state?.totalVFs)),
      ("enabled_vfs", .optional(state?.numVFs)),
      ("drivers_autoprobe", .optional(state?.driversAutoprobe)),
      ("vfs", .array(vfs.map(ListReport.json))),
      ("extra_virtfn_links", VFLinkView.extraLinksJSON(state)),
    ])
  }

  static func json(_ acs: ACSStatus) -> JSON {
    let hex = { (f: ACSFlags) in JSON.string("0x" + Hex.format(f.rawValue, width: 4)) }
    switch acs {
    case .present(let cap, let ctl):
      return .object([
        ("status", .string(acs.label)), ("cap", hex(cap)), ("ctl", hex(ctl)),
        ("cap_flags", .strings(cap.names)), ("ctl_flags", .strings(ctl.names)),
      ])
    case .absent, .unreadable:
      return .object([
        ("status", .string(acs.label)), ("cap", .null), ("ctl", .null), ("cap_flags", .null), ("ctl_flags", .null),
      ])
    }
  }

  public func text() -> String {
    let d = device
    var lines: [(String, String)] = []
    lines.append(("kind", kindText()))
    var ids = "\(d.vendorID):\(d.deviceID)"
    if let sv = d.subsystemVendorID, let sd = d.subsystemDeviceID { ids += " (subsystem \(sv):\(sd))" }
    lines.append(("ids", ids))
    lines.append(("class", [d.pciClass.description, className].compactMap { $0 }.joined(separator: " ")))
    lines.append(("driver", d.driver ?? "none"))
    lines.append(("netdevs", joined(netdevs)))
    lines.append(("numa node", orUnknown(d.numaNode)))
    let unreadable = config.readableBytes < 256
    lines.append(("port type", config.portType?.name ?? (unreadable ? "unknown (config space unreadable)" : unknownText)))
    lines.append(("iommu group", iommuGroupText()))
    lines.append(("acs", Self.text(config.acs)))
    lines.append(contentsOf: sriovText())
    if let eswitch { lines.append(("eswitch", eswitch.text)) }
    if let representor { lines.append(("representor", representor)) }
    if let owners { lines.append(("owners", escaped(owners.summary(of: d.address)))) }
    if device.kind == .vf, let settings { lines.append(("settings", VFSettingsView.text(settings))) }
    for (i, hop) in upstream.enumerated() {
      let portType: String = hop.config.portType?.name ?? "(port type unknown)"
      let acs: String = Self.text(hop.config.acs)
      lines.append((i == 0 ? "upstream" : "", hop.address.description + " " + portType + ": acs " + acs))
    }
    let title = [d.address.description, vendorName, deviceName].compactMap { $0 }.joined(separator: " ")
    let width = lines.map(\.0.count).max() ?? 0
    var out = TerminalText.line(title)
    for (key, value) in lines {
      let label = key.isEmpty ? String(repeating: " ", count: width + 1) : key + ":" + String(repeating: " ", count: width - key.count)
      out += "  " + label + "  " + TerminalText.line(value)
    }
    if !vfs.isEmpty { out += "  vfs:\n" }
    for vf in vfs {
      let parts: [String] = [
        "vf \(vf.index)", vf.device.address.description, vf.device.driver ?? "no driver", joined(vf.netdevs),
        "group " + orUnknown(vf.device.iommuGroup),
      ] + (vf.representor.map { ["rep \($0)"] } ?? []) + (vf.settings.map { [VFSettingsView.text($0)] } ?? [])
      out += TerminalText.line("    " + parts.joined(separator: "  "))
    }
    if let note = VFLinkView.note(device.sriov, pf: device.address) { out += "  " + TerminalText.line(note) }
    if let note = vfSettings?.note, device.kind != .vf || settings == nil { out += "  " + note + "\n" }
    return out
  }

  private func kindText() -> String {
    switch device.kind {
    case .pf: return "SR-IOV physical function"
    case .vf:
      let index: String = device.vfIndex.map { String($0) } ?? "?"
      let pf: String = device.physfn?.description ?? "?"
      return "virtual function " + index + " of " + pf
    case .bridge: return "bridge"
    case .endpoint: return "endpoint"
    }
  }

  private func iommuGroupText() -> String {
    guard let group = iommuGroup else { return "none (no IOMMU groups on this host)" }
    let type: String = group.type ?? "type unknown"
    let members: String = group.members.map(\.description).joined(separator: " ")
    return "\(group.id) (" + type + "): " + members
  }

  private func sriovText() -> [(String, String)] {
    guard let state = device.sriov else { return [] }
    let autoprobe: String = state.driversAutoprobe.map(onOff) ?? unknownText
    var lines = [("sr-iov", "\(state.numVFs) of \(state.totalVFs) VFs enabled (sriov_totalvfs), autoprobe " + autoprobe)]
    switch config.sriov {
    case .unreadable:
      lines.append(("capability", "unreadable (config space beyond 64 bytes needs root)"))
    case .known(nil):
      lines.append(("capability", "none in config space"))
    case .known(let cap?):
      lines.append(("capability", "initial \(cap.initialVFs), total \(cap.totalVFs), num \(cap.numVFs), offset \(cap.firstVFOffset), stride \(cap.vfStride), VF device \(cap.vfDeviceID)"))
      let pages = "page sizes 0x" + Hex.format(cap.supportedPageSizes, width: 8) + " (system 0x" + Hex.format(cap.systemPageSize, width: 8) + ")"
      lines.append(("", "VF enable " + onOff(cap.vfEnabled) + ", ARI " + onOff(cap.ariHierarchy) + ", " + pages))
    }
    return lines
  }

  static func text(_ acs: ACSStatus) -> String {
    switch acs {
    case .present(let cap, let ctl):
      return "cap " + flagList(cap) + "; ctl " + flagList(ctl)
    case .absent: return "absent"
    case .unreadable: return "unreadable (needs root)"
    }
  }

  private static func flagList(_ flags: ACSFlags) -> String {
    flags.isEmpty ? "none" : flags.names.joined(separator: " ")
  }
}

func onOff(_ value: Bool) -> String { value ? "on" : "off" }

func orUnknown(_ value: Int?) -> String { value.map { String($0) } ?? unknownText }
