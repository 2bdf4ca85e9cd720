/// Every path the tool touches, named once. Paths are relative to the host root.
public enum SysfsLayout {
  public static let pciBus = HostPath("sys/bus/pci")
  public static let pciDevices = HostPath("sys/bus/pci/devices")
  public static let pciDrivers = HostPath("sys/bus/pci/drivers")
  public static let driversProbe = HostPath("sys/bus/pci/drivers_probe")
  /// `1`/`0`: whether new devices bind automatically (capture copies it).
  public static let driversAutoprobe = HostPath("sys/bus/pci/drivers_autoprobe")
  public static let pciRescan = HostPath("sys/bus/pci/rescan")
  /// Loaded modules and their `parameters/` (capture copies the vfio ones).
  public static let modules = HostPath("sys/module")
  public static let classNet = HostPath("sys/class/net")
  /// The device tree the bus and class links point into (`sys/devices/pci0000:3a/...`).
  public static let devicesRoot = HostPath("sys/devices")
  public static let classIOMMU = HostPath("sys/class/iommu")
  public static let iommuGroups = HostPath("sys/kernel/iommu_groups")
  public static let acpiTables = HostPath("sys/firmware/acpi/tables")
  public static let procCmdline = HostPath("proc/cmdline")
  /// pci.ids shipped with a captured root or fixture; otherwise libpci's default is used.
  public static let pciIDs = HostPath("usr/share/misc/pci.ids")

  /// Per-function attributes under `sys/bus/pci/devices/<address>/`.
  public enum Attribute: String, Sendable {
    case vendor, device, subsystemVendor = "subsystem_vendor", subsystemDevice = "subsystem_device"
    case pciClass = "class", revision, numaNode = "numa_node", config, driverOverride = "driver_override"
    case driver, iommuGroup = "iommu_group", physfn, net
    case sriovTotalVFs = "sriov_totalvfs", sriovNumVFs = "sriov_numvfs", sriovOffset = "sriov_offset"
    case sriovStride = "sriov_stride", sriovVFDevice = "sriov_vf_device"
    case sriovDriversAutoprobe = "sriov_drivers_autoprobe"
    /// `start end flags` per line: BARs 0-5, ROM 6, IOV BARs 7-12, bridge windows 13-16.
    case resource
  }

  public static func device(_ address: PCIAddress) -> HostPath {
    pciDevices.appending(address.description)
  }

  public static func attribute(_ attribute: Attribute, of address: PCIAddress) -> HostPath {
    device(address).appending(attribute.rawValue)
  }

  public static let virtfnPrefix = "virtfn"

  public static func virtfn(_ index: Int, of pf: PCIAddress) -> HostPath {
    device(pf).appending("\(virtfnPrefix)\(index)")
  }

  public static func netdev(_ name: NetdevName) -> HostPath { classNet.appending(name.name) }

  public static func iommuGroupDevices(_ group: Int) -> HostPath {
    iommuGroups.appending(String(group)).appending("devices")
  }

  /// `sys/bus/pci/drivers/<name>`: present while the driver is loaded.
  public static func driver(_ name: DriverName) -> HostPath { pciDrivers.appending(name.name) }

  /// `sys/bus/pci/drivers/<name>/unbind`: write a device address to detach it from the driver.
  public static func driverUnbind(_ name: DriverName) -> HostPath { driver(name).appending("unbind") }

  /// `<device>/net/<name>/operstate`: `up`, `down`, `unknown`, ... (name from listing `<device>/net`).
  public static func operstate(ofNetdev name: String, on address: PCIAddress) -> HostPath {
    attribute(.net, of: address).appending(name).appending("operstate")
  }

  /// The lock `sriovctl` holds while it changes the host (not sysfs: created on first use).
  public static let lockFile = HostPath("run/sriovctl.lock")

  public static func iommuGroupType(_ group: Int) -> HostPath {
    iommuGroups.appending(String(group)).appending("type")
  }

  // MARK: preflight (`sriovctl check`)

  /// `flags` lines name vmx (Intel VT-x) or svm (AMD-V).
  public static let procCpuinfo = HostPath("proc/cpuinfo")
  /// `Y`/`N`: vfio without an IOMMU (no isolation at all).
  public static let vfioNoIOMMUMode = HostPath("sys/module/vfio/parameters/enable_unsafe_noiommu_mode")
  /// `Y`/`N`: vfio accepts devices without interrupt remapping.
  public static let vfioAllowUnsafeInterrupts = HostPath("sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts")
  /// Present when the vfio-pci module is loaded (built in or modular).
  public static let vfioPCIModule = HostPath("sys/module/vfio_pci")

  /// `sys/class/iommu/<unit>/intel-iommu/ecap`: hex extended capabilities (IR is bit 3).
  public static func intelIOMMUEcap(unit: String) -> HostPath {
    classIOMMU.appending(unit).appending("intel-iommu").appending("ecap")
  }

  public static func acpiTable(_ signature: String) -> HostPath { acpiTables.appending(signature) }
}
