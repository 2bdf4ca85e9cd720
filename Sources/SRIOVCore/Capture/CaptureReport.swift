/// What `sriovctl capture` wrote: the functions and interfaces it holds and what it could not read.
public struct CaptureReport: Sendable {
  /// Why a function is in the capture.
  public enum Role: String, Sendable {
    case pf, vf, bridge
    /// Another member of a captured function's IOMMU group (the viability check reads it).
    case groupMember = "group_member"
  }

  public let directory: String
  public let anonymized: Bool
  public let devices: [(address: PCIAddress, role: Role)]
  public let netdevs: [String]
  /// What could not be copied whole, with why: files the kernel refused, entries of the wrong type
  /// (a FIFO or directory where an attribute belongs), files over the size cap, links out of the root.
  /// Such an entry is absent from the capture, never cut.
  public let unreadable: [String]
  /// PF interfaces whose netlink VF settings were stored; nil when there was no netlink step.
  public let vfSettingsPFs: [String]?
}
