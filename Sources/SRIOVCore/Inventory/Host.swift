/// The one composition root: a host root directory and what reads it.
public struct Host: Sendable {
  /// The root as the user gave it (`/` in production).
  public let root: String
  public let sysfs: any Sysfs
  public var inventory: Inventory { Inventory(sysfs: sysfs) }

  /// Checks that `root` is a usable host root before anything reads it.
  public init(root: String) throws {
    let sysfs = RootedSysfs(root: root)
    let rootPath = sysfs.rootPrefix.isEmpty ? "/" : sysfs.rootPrefix
    guard sysfs.exists(HostPath("")) || root == "/" else {
      throw SRIOVError(rootPath, "cannot use it as the host root: no such directory",
        hint: "pass a directory that contains sys/ (a capture or a fixture), or omit --root to use this host")
    }
    guard sysfs.exists(SysfsLayout.pciDevices) else {
      throw SRIOVError(rootPath, "cannot use it as the host root: \(sysfs.absolute(SysfsLayout.pciDevices)) does not exist",
        hint: "is sysfs mounted? --root must name a directory with sys/bus/pci (a capture or a fixture)")
    }
    self.init(root: root, sysfs: sysfs)
  }

  /// For tests that bring their own `Sysfs` (a fake kernel over a temporary tree).
  public init(root: String, sysfs: any Sysfs) {
    self.root = root
    self.sysfs = sysfs
  }

  /// A fresh libpci handle on this root. pci.ids comes from the root when it carries one (captures,
  /// fixtures), else from libpci's default. libpci is loaded now unless `lazily` (a report that only
  /// looks up names: the checked pci.ids table usually answers, and libpci is never loaded).
  public func openPCI(lazily: Bool = false, library: String = "libpci.so.3") throws -> PCILibrary {
    let ids = sysfs.exists(SysfsLayout.pciIDs) ? sysfs.absolute(SysfsLayout.pciIDs) : nil
    let bus = sysfs.absolute(SysfsLayout.pciBus)
    let pci = PCILibrary(sysfsBusPCI: bus, idsPath: ids, library: library)
    if !lazily {
      do { try pci.load() } catch { throw Self.openError(error, bus: bus) }
    }
    return pci
  }

  /// The error for a libpci that cannot be loaded or opened.
  static func openError(_ error: PCIError, bus: String) -> SRIOVError {
    if error.libraryMissing {
      return SRIOVError("libpci", "cannot load the PCI library: \(error)",
        hint: "install libpci3 (apt install libpci3)")
    }
    return SRIOVError("libpci", "cannot open \(bus): \(error)",
      hint: "install libpci3 and check that --root names a host root")
  }
}

/// Names from pci.ids, looked up once per report.
struct DeviceNames {
  let pci: PCILibrary

  func vendor(_ device: PCIDevice) throws -> String? {
    try wrap { () throws(PCIError) in try pci.vendorName(device.vendorID) }
  }

  func device(_ device: PCIDevice) throws -> String? {
    try wrap { () throws(PCIError) in try pci.deviceName(vendor: device.vendorID, device: device.deviceID) }
  }

  func pciClass(_ device: PCIDevice) throws -> String? {
    try wrap { () throws(PCIError) in try pci.className(device.pciClass) }
  }

  private func wrap(_ body: () throws(PCIError) -> String?) throws -> String? {
    do { return try body() } catch {
      // A lazily opened handle reports a missing libpci here, on the first name libpci must answer.
      if error.whileOpening { throw Host.openError(error, bus: pci.sysfsBusPCI) }
      throw SRIOVError("pci.ids", "cannot look up device names: \(error)",
        hint: "the PCI ID database is damaged; reinstall the pci.ids package (or remove usr/share/misc/pci.ids from the capture)")
    }
  }
}
