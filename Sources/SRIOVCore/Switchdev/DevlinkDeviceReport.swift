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

  public func json() -> JSON {
    .document([
      ("devlink_device", .object([
        ("handle", .string(handle.description)),
        ("bus", .string(handle.bus)),
        ("name", .string(handle.device)),
        ("driver", .optional(driver)),
        ("num_vfs", .optional(numVFs)),
        ("eswitch", eswitch.json()),
        ("representors", .array(eswitch.representors.keys.sorted().map { vf in
          .object([("vf", .int(vf)), ("netdev", .optional(eswitch.representors[vf]?.netdev)), ("port", .string(eswitch.representors[vf]!.name))])
        })),
        ("ports", .array(ports.map(EswitchView.json))),
      ]))
    ])
  }

  public func text() -> String {
    var out = "\(handle)\n"
    out += "  driver:   \(driver ?? unknownText)\n"
    out += "  vfs:      \(numVFs.map { "\($0) (sriov_numvfs)" } ?? unknownText)\n"
    out += "  eswitch:  \(eswitch.text)\n"
    if !ports.isEmpty { out += "  ports:\n" }
    for port in ports {
      var parts = [port.name, port.flavour?.description ?? "flavour unknown"]
      if let pf = port.pfNumber { parts.append("pf \(pf)") }
      if let vf = port.vfNumber { parts.append("vf \(vf)") }
      if port.external == true { parts.append("external") }
      parts.append(port.netdev ?? "no netdev")
      out += "    " + parts.joined(separator: "  ") + "\n"
    }
    return out
  }
}
