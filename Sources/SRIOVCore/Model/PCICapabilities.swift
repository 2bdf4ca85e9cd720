/// The PCI Express device/port type (PCIe Capabilities register bits 7:4).
public enum PCIePortType: UInt8, Sendable, CaseIterable {
  case endpoint = 0x0
  case legacyEndpoint = 0x1
  case rcIntegratedEndpoint = 0x9
  case rcEventCollector = 0xa
  case rootPort = 0x4
  case upstreamPort = 0x5
  case downstreamPort = 0x6
  case pcieToPCIBridge = 0x7
  case pciToPCIeBridge = 0x8

  /// The stable JSON name.
  public var name: String {
    switch self {
    case .endpoint: "endpoint"
    case .legacyEndpoint: "legacy_endpoint"
    case .rcIntegratedEndpoint: "rc_integrated_endpoint"
    case .rcEventCollector: "rc_event_collector"
    case .rootPort: "root_port"
    case .upstreamPort: "upstream_port"
    case .downstreamPort: "downstream_port"
    case .pcieToPCIBridge: "pcie_to_pci_bridge"
    case .pciToPCIeBridge: "pci_to_pcie_bridge"
    }
  }
}

/// The SR-IOV extended capability as read from config space (what `lspci -vvv` prints).
public struct SRIOVCapability: Hashable, Sendable {
  public var capabilities: UInt32
  public var control: UInt16
  public var initialVFs: UInt16
  public var totalVFs: UInt16
  public var numVFs: UInt16
  public var functionDependencyLink: UInt8
  public var firstVFOffset: UInt16
  public var vfStride: UInt16
  public var vfDeviceID: PCIID
  public var supportedPageSizes: UInt32
  public var systemPageSize: UInt32

  public var vfEnabled: Bool { control & 0x1 != 0 }
  public var vfMemorySpaceEnabled: Bool { control & 0x8 != 0 }
  public var ariHierarchy: Bool { control & 0x10 != 0 }
}
