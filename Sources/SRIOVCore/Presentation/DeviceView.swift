extension DeviceReport {
  public func json() -> JSON {
    let d = device
    let ownersJSON: JSON = owners.map { o in JSON.array(o.claims(on: d.address).map(OwnersReport.json)) } ?? .null
    let groupJSON: JSON = iommuGroup.map { group in
      JSON.object([
        ("id", .int(group.id)), ("type", .optional(group.type)),
        ("members", group.membersUnknown == nil ? .strings(group.members.map(\.description)) : .null),
        ("members_reason", .optional(group.membersUnknown?.reason)),
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
        ("config_readable_bytes", .optional(config.readableBytes > 0 ? config.readableBytes : nil)),
        ("config_space", Self.json(config)),
        ("iommu_group", groupJSON),
        ("sriov", sriovJSON()),
        ("settings", settings.map(VFSettingsView.json) ?? .null),
        ("vf_settings", vfSettings?.json() ?? .null),
        ("eswitch", eswitch?.json() ?? .null),
        ("representor", .optional(representor)),
        ("owners", ownersJSON),
        ("acs", Self.json(config.acs, config)),
        ("upstream", .array(upstream.map { hop in
          .object([
            ("address", .string(hop.address.description)), ("port_type", .optional(hop.config.portType?.name)),
            ("acs", Self.json(hop.config.acs, hop.config)), ("config_space", Self.json(hop.config)),
          ])
        })),
        ("unknown_reasons", Self.json(unknowns: d.unknowns)),
      ])),
    ])
  }

  /// `{status, reason, bytes}`: whether config space is all there, and why not.
  static func json(_ config: ConfigFacts) -> JSON {
    .object([
      ("status", .string(config.status)), ("reason", .optional(config.unknown?.reason)), ("bytes", .optional(config.bytes)),
    ])
  }

  /// `{fact: {status, reason}}` for each fact that is null because it could not be read.
  static func json(unknowns: [String: Unknown]) -> JSON {
    .object(unknowns.sorted { $0.key < $1.key }.map { fact, unknown in
      (fact, .object([("status", .string(unknown.cause.rawValue)), ("reason", .string(unknown.reason))]))
    })
  }

  private func sriovJSON() -> JSON {
    let capability = config.sriov.value ?? nil
    guard device.sriov != nil || capability != nil else { return .null }
    let state = device.sriov
    let hex = { (v: UInt32) in JSON.string("0x" + Hex.format(v, width: 8)) }
    return .object([
      ("status", .string(config.sriov == .unreadable ? "unreadable" : "present")),
      ("reason", .optional(config.sriov == .unreadable ? config.unreadableReason : nil)),
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

  static func json(_ acs: ACSStatus, _ config: ConfigFacts) -> JSON {
    let hex = { (f: ACSFlags) in JSON.string("0x" + Hex.format(f.rawValue, width: 4)) }
    switch acs {
    case .present(let cap, let ctl):
      return .object([
        ("status", .string(acs.label)), ("cap", hex(cap)), ("ctl", hex(ctl)),
        ("cap_flags", .strings(cap.names)), ("ctl_flags", .strings(ctl.names)), ("reason", .null),
      ])
    case .absent, .unreadable:
      return .object([
        ("status", .string(acs.label)), ("cap", .null), ("ctl", .null), ("cap_flags", .null), ("ctl_flags", .null),
        ("reason", .optional(acs == .unreadable ? config.unreadableReason : nil)),
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
    lines.append(("driver", d.driver ?? d.unknowns["driver"].map(Self.text) ?? "none"))
    lines.append(("netdevs", joined(netdevs)))
    lines.append(("numa node", d.numaNode.map { String($0) } ?? d.unknowns["numa_node"].map(Self.text) ?? unknownText))
    if let unknown = config.unknown { lines.append(("config space", Self.text(config, unknown))) }
    let unreadable = config.readableBytes < 256
    lines.append(("port type", config.portType?.name ?? (unreadable ? "unknown (" + config.unreadableReason + ")" : unknownText)))
    lines.append(("iommu group", iommuGroupText()))
    lines.append(("acs", Self.text(config.acs, config)))
    lines.append(contentsOf: sriovText())
    if let eswitch { lines.append(("eswitch", eswitch.text)) }
    if let representor { lines.append(("representor", representor)) }
    if let owners { lines.append(("owners", escaped(owners.summary(of: d.address)))) }
    if device.kind == .vf, let settings { lines.append(("settings", VFSettingsView.text(settings))) }
    for (i, hop) in upstream.enumerated() {
      let portType: String = hop.config.portType?.name ?? "(port type unknown)"
      let acs: String = Self.text(hop.config.acs, hop.config)
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
        "vf \(vf.index)", vf.device.address.description,
        vf.device.driver ?? (vf.device.unknowns["driver"] == nil ? "no driver" : "driver unknown"), joined(vf.netdevs),
        "group " + orUnknown(vf.device.iommuGroup),
      ] + (vf.representor.map { ["rep \($0)"] } ?? []) + (vf.settings.map { [VFSettingsView.text($0)] } ?? [])
      out += TerminalText.line("    " + parts.joined(separator: "  "))
    }
    if let note = VFLinkView.note(device.sriov, pf: device.address) { out += "  " + TerminalText.line(note) }
    if let note = vfSettings?.note, device.kind != .vf || settings == nil { out += "  " + note + "\n" }
    // Facts shown as unknown above, with why (the same words `check` uses).
    var shown: Set<String> = ["driver", "numa_node", "drivers_autoprobe"]
    // The capability line already gives offset, stride and VF device from config space.
    if case .known(_?) = config.sriov { shown.formUnion(["vf_offset", "vf_stride", "vf_device_id"]) }
    for (fact, unknown) in device.unknowns.sorted(by: { $0.key < $1.key }) where !shown.contains(fact) {
      out += "  " + fact.replacingUnderscores + ": " + Self.text(unknown) + "\n"
    }
    return out
  }

  /// How much config space there is when not all of it.
  static func text(_ config: ConfigFacts, _ unknown: Unknown) -> String {
    switch (unknown.cause, config.bytes) {
    case (.truncated, let bytes?) where bytes >= 64, (.needsPrivilege, let bytes?):
      return "\(bytes) bytes, the rest " + text(unknown)
    case (.invalid, _): return "ignored, " + text(unknown)
    default: return text(unknown)
    }
  }

  /// `unknown (<reason>)`, the one form every unknown fact takes in text.
  static func text(_ unknown: Unknown) -> String { "unknown (" + unknown.reason + ")" }

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
    guard let group = iommuGroup else {
      return device.unknowns["iommu_group"].map(Self.text) ?? "none (no IOMMU groups on this host)"
    }
    let type: String = group.type ?? "type unknown"
    let members: String = group.membersUnknown.map { "members " + Self.text($0) } ?? group.members.map(\.description).joined(separator: " ")
    return "\(group.id) (" + type + "): " + members
  }

  private func sriovText() -> [(String, String)] {
    guard let state = device.sriov else { return [] }
    let autoprobe: String = state.driversAutoprobe.map(onOff) ?? device.unknowns["drivers_autoprobe"].map(Self.text) ?? unknownText
    var lines = [("sr-iov", "\(state.numVFs) of \(state.totalVFs) VFs enabled (sriov_totalvfs), autoprobe " + autoprobe)]
    switch config.sriov {
    case .unreadable:
      lines.append(("capability", "unknown (" + config.unreadableReason + ")"))
    case .known(nil):
      lines.append(("capability", "none in config space"))
    case .known(let cap?):
      lines.append(("capability", "initial \(cap.initialVFs), total \(cap.totalVFs), num \(cap.numVFs), offset \(cap.firstVFOffset), stride \(cap.vfStride), VF device \(cap.vfDeviceID)"))
      let pages = "page sizes 0x" + Hex.format(cap.supportedPageSizes, width: 8) + " (system 0x" + Hex.format(cap.systemPageSize, width: 8) + ")"
      lines.append(("", "VF enable " + onOff(cap.vfEnabled) + ", ARI " + onOff(cap.ariHierarchy) + ", " + pages))
    }
    return lines
  }

  static func text(_ acs: ACSStatus, _ config: ConfigFacts) -> String {
    switch acs {
    case .present(let cap, let ctl):
      return "cap " + flagList(cap) + "; ctl " + flagList(ctl)
    case .absent: return "absent"
    case .unreadable: return "unknown (" + config.unreadableReason + ")"
    }
  }

  private static func flagList(_ flags: ACSFlags) -> String {
    flags.isEmpty ? "none" : flags.names.joined(separator: " ")
  }
}

func onOff(_ value: Bool) -> String { value ? "on" : "off" }

func orUnknown(_ value: Int?) -> String { value.map { String($0) } ?? unknownText }
