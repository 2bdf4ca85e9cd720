/// The host root, resolved once for every command, the quick `list` path, completion and
/// `persist`: `--root DIR`, else `SRIOVCTL_ROOT` (when not empty), else `/`. Whether it is the live
/// host is decided by identity with `/` (device and inode, `RootedHostFiles.isLive`), never by its
/// spelling: `//`, `/./` and a link to `/` are the live host.
public struct HostRoot: Sendable {
  /// Canonical: `/` for the live host, else the directory as given without trailing slashes.
  public let path: String
  /// The door over it.
  public let files: RootedHostFiles
  public var isLive: Bool { files.isLive }

  public init(_ path: String) {
    files = RootedHostFiles(root: path)
    self.path = files.isLive ? "/" : files.rootPrefix
  }

  /// `--root` (`option`), else `SRIOVCTL_ROOT`, else `/`.
  public init(option: String?, environment: [String: String]) {
    self.init(Self.path(option: option, environment: environment))
  }

  /// The root as spelled, before resolving (`--root`, else `SRIOVCTL_ROOT`, else `/`).
  public static func path(option: String?, environment: [String: String]) -> String {
    if let option { return option }
    if let fromEnvironment = environment["SRIOVCTL_ROOT"], !fromEnvironment.isEmpty { return fromEnvironment }
    return "/"
  }
}

/// The one composition root: a host root directory and what reads it.
public struct Host: Sendable {
  /// The root's canonical path (`/` for the live host, however it was spelled).
  public let root: String
  public let sysfs: any HostFiles
  /// Whether the root is this machine's own `/` (by identity, however it was spelled: `//`, `/./`):
  /// the live kernel, netlink and privilege apply; otherwise it is a capture or a fixture.
  public let isLive: Bool
  public var inventory: Inventory { Inventory(sysfs: sysfs) }

  /// Checks that `root` is a usable host root before anything reads it.
  public init(root: HostRoot) throws {
    let sysfs = root.files
    guard root.isLive || sysfs.exists(HostPath("")) else {
      throw SRIOVError(root.path, "cannot use it as the host root: no such directory",
        hint: "pass a directory that contains sys/ (a capture or a fixture), or omit --root to use this host")
    }
    guard sysfs.exists(SysfsLayout.pciDevices) else {
      throw SRIOVError(root.path, "cannot use it as the host root: \(sysfs.absolute(SysfsLayout.pciDevices)) does not exist",
        hint: "is sysfs mounted? --root must name a directory with sys/bus/pci (a capture or a fixture)")
    }
    self.init(root: root.path, sysfs: sysfs, isLive: root.isLive)
  }

  public init(root: String) throws { try self.init(root: HostRoot(root)) }

  /// For tests that bring their own `HostFiles` (a fake kernel over a temporary tree).
  public init(root: String, sysfs: any HostFiles, isLive: Bool = false) {
    self.root = root
    self.sysfs = sysfs
    self.isLive = isLive
  }

  /// A fresh libpci handle on this root. pci.ids comes from the root when it carries one (captures,
  /// fixtures), else from libpci's default. libpci is loaded now unless `lazily` (a report that only
  /// looks up names: the checked pci.ids table usually answers, and libpci is never loaded).
  public func openPCI(lazily: Bool = false, library: String = "libpci.so.3") throws -> PCILibrary {
    let bus = sysfs.absolute(SysfsLayout.pciBus)
    var ids: String?
    if sysfs.exists(SysfsLayout.pciIDs) {
      // libpci (and the checked table) open pci.ids by name: it must be a bounded regular file here.
      ids = sysfs.absolute(SysfsLayout.pciIDs)
      do { try sysfs.vouch(SysfsLayout.pciIDs, as: ids!, limit: HostFileLimits.pciIDs) } catch {
        throw SRIOVError("pci.ids", "cannot use the host root's PCI ID database: \(error)",
          hint: "replace \(ids!) with a regular file (the pci.ids package's), or remove it from the capture")
      }
    }
    let sysfs = self.sysfs
    let pci = PCILibrary(sysfsBusPCI: bus, idsPath: ids, library: library) { address throws(PCIError) in
      let path = SysfsLayout.attribute(.config, of: address)
      do throws(SysfsError) { try sysfs.vouch(path, as: "\(bus)/devices/\(address)/config", limit: nil) } catch where error.isNotFound {
        return  // absent: libpci says so in its own words
      } catch {
        throw PCIError(message: "\(error)", unsafeFile: true)
      }
    }
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
