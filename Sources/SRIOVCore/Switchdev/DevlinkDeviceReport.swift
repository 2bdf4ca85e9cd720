/// `sriovctl show BUS/NAME` for a devlink instance that is not a PCI function (netdevsim): its
/// driver, VF count, eSwitch and ports. A `pci/...` handle shows the PCI function instead.
public struct DevlinkDeviceReport: Sendable {
  public let handle: DevlinkHandle
  public let driver: String?
  /// `sriov_numvfs` on its bus, when the device has one.
  public let numVFs: Int?
  public let eswitch: EswitchReadout
  public let ports: [DevlinkPort]

  public static func build(host: Host, handle: DevlinkHandle) throws -> DevlinkDeviceReport {
    let device = Eswitch.busDevice(handle)
    guard host.sysfs.exists(device) else {
      throw SRIOVError(handle.description, "no such device (no \(host.sysfs.absolute(device)))", hint: "'devlink dev' lists the devlink instances")
    }
    guard let source = try host.devlinkSource() else {
      throw SRIOVError(handle.description, "no devlink answers under this root (\(host.sysfs.absolute(DevlinkSource.dumpPath)) is missing)",
        hint: "capture the host again with this version of sriovctl")
    }
    let link: HostPath?? = try? host.sysfs.readLinkIfPresent(device.appending("driver"))
    let driver = (link ?? nil)?.lastComponent
    let text: String?? = try? host.sysfs.readValueIfPresent(device.appending(SysfsLayout.Attribute.sriovNumVFs.rawValue))
    let ports = PortDumpOnce(source.control)
    let readout = EswitchReadout.read(handle, driver: driver ?? handle.bus, source: source, ports: ports.get)
    let own = ((try? ports.get()) ?? []).filter { $0.handle == handle }.sorted { $0.index < $1.index }
    return DevlinkDeviceReport(handle: handle, driver: driver, numVFs: (text ?? nil).flatMap { Int($0) }, eswitch: readout, ports: own)
  }
}
