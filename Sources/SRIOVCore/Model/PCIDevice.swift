/// A VF as its PF's `virtfnN` link names it.
public struct VFLink: Hashable, Sendable {
  public let index: Int
  public let address: PCIAddress
  public init(index: Int, address: PCIAddress) {
    self.index = index
    self.address = address
  }
}

/// The SR-IOV attributes sysfs shows on a PF: the limits the kernel enforces and the VFs that exist.
public struct SRIOVState: Hashable, Sendable {
  /// `sriov_totalvfs`: the capability's TotalVFs or less, if the PF driver lowered it.
  public var totalVFs: Int
  public var numVFs: Int
  public var offset: Int?
  public var stride: Int?
  public var vfDeviceID: PCIID?
  public var driversAutoprobe: Bool?
  /// The VFs: `virtfnN` links with N below `sriov_numvfs`, by index.
  public var vfs: [VFLink]
  /// `virtfnN` links with N at or above `sriov_numvfs`: not VFs (the kernel removes a VF's link
  /// with the VF), so reported, never listed. Empty on a sane host.
  public var extraVFLinks: [VFLink] = []

  /// `links` (sorted by index) split at `numVFs`: the VFs, one per index, and the extra links.
  public static func split(_ links: [VFLink], numVFs: Int) -> (vfs: [VFLink], extra: [VFLink]) {
    var vfs: [VFLink] = []
    var extra: [VFLink] = []
    for link in links {
      // `virtfn01` and `virtfn1` name the same index: the first one read stands for it.
      if link.index == vfs.last?.index || link.index == extra.last?.index { continue }
      if link.index >= 0 && link.index < numVFs { vfs.append(link) } else { extra.append(link) }
    }
    return (vfs, extra)
  }

  /// `virtfn` links missing below `sriov_numvfs` (an interrupted create, a kernel still adding VFs).
  public var missingVFCount: Int { max(0, numVFs - vfs.count) }
}

public enum DeviceKind: String, Sendable {
  case pf, vf, bridge, endpoint
}

/// One PCI function as sysfs describes it.
public struct PCIDevice: Hashable, Sendable {
  public var address: PCIAddress
  public var vendorID: PCIID
  public var deviceID: PCIID
  public var subsystemVendorID: PCIID?
  public var subsystemDeviceID: PCIID?
  public var pciClass: PCIClass
  public var driver: String?
  public var numaNode: Int?
  public var iommuGroup: Int?
  /// For a VF: its PF and its index there.
  public var physfn: PCIAddress?
  public var vfIndex: Int?
  public var sriov: SRIOVState?
  /// Bridges between this function and the root bus, nearest first.
  public var upstream: [PCIAddress]
  /// Facts that could not be read, by their JSON name (`driver`, `iommu_group`, `sriov_offset`, ...):
  /// the field itself is nil and this says why.
  public var unknowns: [String: Unknown] = [:]

  public var kind: DeviceKind {
    if sriov != nil { return .pf }
    if physfn != nil { return .vf }
    return pciClass.isBridge ? .bridge : .endpoint
  }
}

/// An IOMMU group as `/sys/kernel/iommu_groups/N` shows it.
public struct IOMMUGroup: Hashable, Sendable {
  public let id: Int
  public let members: [PCIAddress]
  /// `DMA`, `DMA-FQ`, `identity`, ... or nil when the kernel does not say.
  public let type: String?
  /// Set when the group's `devices/` cannot be read (a capture without `sys/kernel/iommu_groups`):
  /// then `members` is empty because it is unknown, not because the device is alone.
  public var membersUnknown: Unknown? = nil

  public init(id: Int, members: [PCIAddress], type: String?, membersUnknown: Unknown? = nil) {
    self.id = id
    self.members = members
    self.type = type
    self.membersUnknown = membersUnknown
  }
}
