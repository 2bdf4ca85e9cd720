#if canImport(Glibc)
import Glibc
#endif

/// Whether this process may change the host, asked of the kernel for the very attributes a command
/// will write (effective uid and capabilities, e.g. CAP_DAC_OVERRIDE, as the write itself would be
/// judged), never guessed from the user name. Commands call it before touching anything, so an
/// unprivileged run fails with one clear line instead of half-applying.
public enum Privileges {
  /// Throws unless every existing path in `paths` is writable by this process. Missing paths are
  /// left to the command (it has a better message, e.g. "not a PF"); so is a read-only file system.
  /// - Parameters:
  ///   - subject: what the error is about (the device).
  ///   - action: what was attempted, e.g. "cannot create VFs".
  public static func requireWriteAccess(to paths: [HostPath], in sysfs: any HostFiles, subject: String, action: String) throws {
    for path in paths where sysfs.exists(path) {
      let full = sysfs.absolute(path)
      // The door's access probe: the kernel judges, as it would judge the write.
      guard let refusal = sysfs.writeRefusal(path), refusal == .permissionDenied || refusal == .notPermitted else { continue }
      throw SRIOVError(subject, "\(action): writing \(full) needs root (permission denied for uid \(geteuid()))",
        hint: "run it as root (sudo sriovctl ...), or add --dry-run to see what it would write")
    }
  }

  /// The same for a change of `device` on `host` (nothing for a dry run, which writes nothing). A
  /// device that does not resolve is left to the command's own error, which names the reason.
  public static func requireWriteAccess(for device: DeviceRef, on host: Host, dryRun: Bool, action: String,
                                        paths: (PCIAddress) -> [HostPath]) throws {
    guard !dryRun, let address = try? host.inventory.resolve(device) else { return }
    try requireWriteAccess(to: paths(address), in: host.sysfs, subject: address.description, action: action)
  }

  /// The attributes a VF count change writes first (`sriov_numvfs`; with a driver also autoprobe
  /// and drivers_probe).
  public static func vfCountPaths(of pf: PCIAddress, bindsDriver: Bool) -> [HostPath] {
    var paths = [SysfsLayout.attribute(.sriovNumVFs, of: pf)]
    if bindsDriver { paths += [SysfsLayout.attribute(.sriovDriversAutoprobe, of: pf), SysfsLayout.driversProbe] }
    return paths
  }

  /// The attributes a bind or unbind writes (`driver_override`, then drivers_probe).
  public static func driverChangePaths(of device: PCIAddress) -> [HostPath] {
    [SysfsLayout.attribute(.driverOverride, of: device), SysfsLayout.driversProbe]
  }
}
