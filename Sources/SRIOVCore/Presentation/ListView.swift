extension ListReport {
  public func json() -> JSON {
    .document([("pfs", .array(entries.map(Self.json)))])
  }

  static func json(_ entry: Entry) -> JSON {
    let d = entry.device
    return .object([
      ("address", .string(d.address.description)),
      ("vendor_id", .string(d.vendorID.description)),
      ("device_id", .string(d.deviceID.description)),
      ("vendor_name", .optional(entry.vendorName)),
      ("device_name", .optional(entry.deviceName)),
      ("driver", .optional(d.driver)),
      ("netdevs", .strings(entry.netdevs)),
      ("numa_node", .optional(d.numaNode)),
      ("sriov_capable", .bool(d.sriov != nil)),
      ("total_vfs", .optional(d.sriov?.totalVFs)),
      ("num_vfs", .optional(d.sriov?.numVFs)),
      ("drivers_autoprobe", .optional(d.sriov?.driversAutoprobe)),
      ("iommu_group", .optional(d.iommuGroup)),
      ("vfs", .array(entry.vfs.map(json))),
      ("vf_settings", entry.vfSettings?.json() ?? .null),
      ("extra_virtfn_links", VFLinkView.extraLinksJSON(d.sriov)),
      ("eswitch", entry.eswitch?.json() ?? .null),
      ("unknown_reasons", DeviceReport.json(unknowns: d.unknowns)),
    ])
  }

  static func json(_ vf: VFEntry) -> JSON {
    .object([
      ("index", .int(vf.index)),
      ("address", .string(vf.device.address.description)),
      ("device_id", .string(vf.device.deviceID.description)),
      ("driver", .optional(vf.device.driver)),
      ("netdevs", .strings(vf.netdevs)),
      ("iommu_group", .optional(vf.device.iommuGroup)),
      ("settings", vf.settings.map(VFSettingsView.json) ?? .null),
      ("representor", .optional(vf.representor)),
      ("unknown_reasons", DeviceReport.json(unknowns: vf.device.unknowns)),
    ])
  }

  public func text() -> String {
    guard !entries.isEmpty else {
      return includesAllNICs
        ? "No SR-IOV capable or network PCI devices found.\n"
        : "No SR-IOV capable devices found.\n"
    }
    var table = TextTable(["DEVICE", "NETDEV", "DRIVER", "ID", "VFS", "NUMA", "GROUP", "NAME"])
    for entry in entries {
      let d = entry.device
      let vfs = d.sriov.map { "\($0.numVFs)/\($0.totalVFs)" } ?? unknownText
      table.append([
        d.address.description, joined(entry.netdevs), d.driver ?? (d.unknowns["driver"] == nil ? unknownText : "?"), "\(d.vendorID):\(d.deviceID)", vfs,
        orUnknown(d.numaNode), d.iommuGroup.map { String($0) } ?? (d.unknowns["iommu_group"] == nil ? unknownText : "?"),
        [entry.vendorName, entry.deviceName].compactMap { $0 }.joined(separator: " ").nonEmpty ?? unknownText,
      ])
      guard showVFs else { continue }
      for vf in entry.vfs {
        table.append([
          "  " + vf.device.address.description, joined(vf.netdevs), vf.device.driver ?? (vf.device.unknowns["driver"] == nil ? unknownText : "?"),
          "\(vf.device.vendorID):\(vf.device.deviceID)", "vf \(vf.index)", orUnknown(vf.device.numaNode),
          orUnknown(vf.device.iommuGroup),
          ((vf.representor.map { ["rep \($0)"] } ?? []) + (vf.settings.map { [VFSettingsView.text($0)] } ?? [])).joined(separator: " "),
        ])
      }
    }
    let notes = entries.compactMap { VFLinkView.note($0.device.sriov, pf: $0.device.address) }
      + (showVFs ? entries.compactMap { $0.vfSettings?.note } : [])
    return table.rendered() + notes.map { $0 + "\n" }.joined()
  }
}

func joined(_ names: [String]) -> String { names.isEmpty ? unknownText : names.joined(separator: ",") }

extension String {
  var nonEmpty: String? { isEmpty ? nil : self }
}
