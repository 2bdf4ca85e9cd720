/// Everything the host-wide checks need, read once.
public struct HostFacts: Sendable {
  /// The first `flags` line of /proc/cpuinfo, split; nil when unreadable.
  public var cpuFlags: [String]?
  /// ACPI tables present among DMAR, IVRS, IORT.
  public var acpiIOMMUTables: [String]
  /// `/sys/class/iommu` entries (a missing directory means none).
  public var iommuUnits: [String]
  /// Intel units' interrupt remapping (ecap bit 3), by unit; nil when the unit does not say.
  public var interruptRemapping: [String: Bool]
  /// Every IOMMU group (a missing directory means none).
  public var groups: [IOMMUGroup]
  /// /proc/cmdline split on white space; nil when unreadable.
  public var cmdline: [String]?
  /// vfio's `enable_unsafe_noiommu_mode`; nil when the module is not loaded.
  public var vfioNoIOMMUMode: Bool?
  /// vfio_iommu_type1's `allow_unsafe_interrupts`; nil when the module is not loaded.
  public var vfioAllowUnsafeInterrupts: Bool?
  public var vfioPCIAvailable: Bool
  /// Set when devices link to IOMMU groups this root does not hold (a capture without
  /// `sys/kernel/iommu_groups`): the groups are unknown, not absent.
  public var groupsUnknown: Unknown? = nil

  public init(
    cpuFlags: [String]?, acpiIOMMUTables: [String], iommuUnits: [String], interruptRemapping: [String: Bool],
    groups: [IOMMUGroup], cmdline: [String]?, vfioNoIOMMUMode: Bool?, vfioAllowUnsafeInterrupts: Bool?,
    vfioPCIAvailable: Bool
  ) {
    self.cpuFlags = cpuFlags
    self.acpiIOMMUTables = acpiIOMMUTables
    self.iommuUnits = iommuUnits
    self.interruptRemapping = interruptRemapping
    self.groups = groups
    self.cmdline = cmdline
    self.vfioNoIOMMUMode = vfioNoIOMMUMode
    self.vfioAllowUnsafeInterrupts = vfioAllowUnsafeInterrupts
    self.vfioPCIAvailable = vfioPCIAvailable
  }

  public var iommuActive: Bool { !iommuUnits.isEmpty && (!groups.isEmpty || groupsUnknown != nil) }
}

/// What config space says about one function, plus the header bits any reader can see (first 64 bytes).
public struct FunctionConfig: Sendable {
  public let facts: DeviceReport.ConfigFacts
  /// Header type bit 7; nil when not even the header was readable.
  public let multifunction: Bool?
  /// Type-1 header byte 0x1a; nil for non-bridges.
  public let subordinateBus: UInt8?

  public init(_ config: ConfigSpace) {
    self.init(DeviceReport.ConfigFacts(config))
  }

  /// From what `show` reads too, so both give the same reason when config space is partial.
  public init(_ facts: DeviceReport.ConfigFacts) {
    self.facts = facts
    let config = facts.space
    let headerType: UInt8? = config.byte(0x0e)
    multifunction = headerType.map { ($0 & 0x80) != 0 }
    let layout: UInt8? = headerType.map { $0 & 0x7f }
    subordinateBus = layout == 1 ? config.byte(0x1a) : nil
  }

  /// Config space past the first 64 bytes is readable (the capability list).
  public var capabilitiesReadable: Bool { facts.readableBytes >= 256 }
}

/// One member of an IOMMU group with what decides viability.
public struct GroupMember: Hashable, Sendable {
  public let address: PCIAddress
  public let driver: String?
  public let isBridge: Bool
  /// Its driver could not be read (then `driver` is nil without meaning "unbound").
  public let unknown: Bool
  public init(address: PCIAddress, driver: String?, isBridge: Bool, unknown: Bool = false) {
    self.address = address
    self.driver = driver
    self.isBridge = isBridge
    self.unknown = unknown
  }
}

/// One `resource` line.
public struct ResourceLine: Hashable, Sendable {
  public let start: UInt64
  public let end: UInt64
  public let flags: UInt64
  public var isAssigned: Bool { start != 0 || end != 0 }
}

/// Everything the device checks need about one function, read once.
public struct DeviceFacts: Sendable {
  public struct Hop: Sendable {
    public let address: PCIAddress
    public let config: FunctionConfig
  }

  public let device: PCIDevice
  public let config: FunctionConfig
  /// `resource` lines 7-12 (the IOV BARs) of a PF; nil when unreadable or not a PF.
  public let iovResources: [ResourceLine]?
  /// Bridges to the root bus, nearest first.
  public let upstream: [Hop]
  public let group: IOMMUGroup?
  public let groupMembers: [GroupMember]
}

/// All facts for one `check` run.
public struct CheckFacts: Sendable {
  public let host: HostFacts
  public let devices: [DeviceFacts]

  public init(host: HostFacts, devices: [DeviceFacts]) {
    self.host = host
    self.devices = devices
  }

  /// Reads the host once. `refs` empty: every SR-IOV PF.
  public static func gather(host: Host, devices refs: [DeviceRef]) throws -> CheckFacts {
    let inventory = host.inventory
    let hostFacts = try gatherHost(host)
    let addresses: [PCIAddress] = refs.isEmpty
      ? try inventory.physicalFunctionAddresses() : try refs.map { try inventory.resolve($0) }
    let pci = try host.openPCI()
    var unique: [PCIAddress] = []
    for a in addresses where !unique.contains(a) { unique.append(a) }
    let devices = try unique.map { try gatherDevice($0, host: host, pci: pci) }
    var facts = hostFacts
    // Devices link to groups the root does not hold: the groups are unknown, not absent (an
    // absent directory alone means none: git keeps no empty directories, and kernels without
    // CONFIG_IOMMU_API have none).
    if facts.groups.isEmpty, let missing = devices.lazy.compactMap({ $0.group?.membersUnknown }).first {
      facts.groupsUnknown = missing
    }
    return CheckFacts(host: facts, devices: devices)
  }

  static func gatherHost(_ host: Host) throws -> HostFacts {
    let sysfs = host.sysfs
    typealias L = SysfsLayout
    let cpuinfo: String? = try? sysfs.readIfPresent(L.procCpuinfo)
    var flags: [String]? = nil
    if let cpuinfo {
      flags = []
      for line in cpuinfo.split(separator: "\n") where line.hasPrefix("flags") {
        if let colon = line.firstIndex(of: ":") {
          flags = line[line.index(after: colon)...].split(separator: " ").map(String.init)
        }
        break
      }
    }
    let tables: [String] = ["DMAR", "IVRS", "IORT"].filter { sysfs.exists(L.acpiTable($0)) }
    let units: [String] = try sysfs.listIfPresent(L.classIOMMU)
    var remapping: [String: Bool] = [:]
    for unit in units {
      guard let text = try? sysfs.readValueIfPresent(L.intelIOMMUEcap(unit: unit)),
        let ecap = UInt64(text.hasPrefix("0x") ? String(text.dropFirst(2)) : text, radix: 16)
      else { continue }
      remapping[unit] = (ecap & 0x8) != 0
    }
    let groupIDs: [Int] = try sysfs.listIfPresent(L.iommuGroups).compactMap { Int($0) }.sorted()
    let groups: [IOMMUGroup] = try groupIDs.map { try host.inventory.iommuGroup($0) }
    let cmdline: [String]? = (try? sysfs.readIfPresent(L.procCmdline))??.split(whereSeparator: { $0 == " " || $0 == "\n" })
      .map(String.init)
    let yes = { (path: HostPath) -> Bool? in
      guard let v = try? sysfs.readValueIfPresent(path) else { return nil }
      return v == "Y" || v == "1"
    }
    let vfioPCI: Bool = sysfs.exists(L.driver(try DriverName(parsing: "vfio-pci"))) || sysfs.exists(L.vfioPCIModule)
    return HostFacts(
      cpuFlags: flags, acpiIOMMUTables: tables, iommuUnits: units, interruptRemapping: remapping, groups: groups,
      cmdline: cmdline, vfioNoIOMMUMode: yes(L.vfioNoIOMMUMode), vfioAllowUnsafeInterrupts: yes(L.vfioAllowUnsafeInterrupts),
      vfioPCIAvailable: vfioPCI)
  }

  static func gatherDevice(_ address: PCIAddress, host: Host, pci: PCILibrary) throws -> DeviceFacts {
    let inventory = host.inventory
    let device = try inventory.device(address)
    // The same reader as `show`: the same reason for the same missing fact.
    let reader = ConfigReader(inventory: inventory, pci: pci)
    let readConfig = { (a: PCIAddress) -> FunctionConfig in FunctionConfig(reader.facts(of: a)) }
    var iov: [ResourceLine]? = nil
    if device.sriov != nil, let text = try? host.sysfs.readIfPresent(SysfsLayout.attribute(.resource, of: address)) {
      let lines: [ResourceLine] = text.split(separator: "\n").compactMap(Self.parseResource)
      iov = lines.count >= 13 ? Array(lines[7...12]) : nil
    }
    let group: IOMMUGroup? = try device.iommuGroup.map { try inventory.iommuGroup($0) }
    let members: [GroupMember] = (group?.members ?? []).map { m in
      // A member the root lists in the group but cannot describe counts as unknown, bound to nothing known.
      guard let d = m == address ? device : try? inventory.device(m) else {
        return GroupMember(address: m, driver: nil, isBridge: false, unknown: true)
      }
      return GroupMember(address: m, driver: d.driver, isBridge: d.pciClass.isBridge, unknown: d.unknowns["driver"] != nil)
    }
    return DeviceFacts(
      device: device, config: readConfig(address), iovResources: iov,
      upstream: device.upstream.map { DeviceFacts.Hop(address: $0, config: readConfig($0)) },
      group: group, groupMembers: members)
  }

  static func parseResource(_ line: Substring) -> ResourceLine? {
    let parts = line.split(separator: " ")
    guard parts.count == 3 else { return nil }
    let values: [UInt64] = parts.compactMap { p in UInt64(p.hasPrefix("0x") ? p.dropFirst(2) : p, radix: 16) }
    guard values.count == 3 else { return nil }
    return ResourceLine(start: values[0], end: values[1], flags: values[2])
  }
}
