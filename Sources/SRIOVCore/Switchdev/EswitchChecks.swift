/// `check`'s eSwitch finding for an SR-IOV PF (id `eswitch`): a driver without a devlink eSwitch is
/// legacy-only (a PASS that says so, not a failure); switchdev with a VF lacking its representor is a
/// WARN (the VF has no switch port: OVS/tc cannot steer its traffic).
public enum EswitchChecks {
  public static func finding(_ device: PCIDevice, _ readout: EswitchReadout) -> Finding? {
    guard let state = device.sriov else { return nil }
    let subject = device.address.description
    if let error = readout.error {
      return Finding("eswitch", subject, .unknown, "eSwitch unknown: \(error)", hint: "run as root (sudo); 'devlink dev eswitch show \(readout.handle)'")
    }
    switch readout.query {
    case .unsupported(let why)?:
      return Finding("eswitch", subject, .pass, "legacy-only: \(device.driver ?? "the driver") has no devlink eSwitch (\(why))")
    case .supported(let settings)?:
      let mode = EswitchView.text(settings)
      guard settings.mode?.hasRepresentors == true else { return Finding("eswitch", subject, .pass, "eSwitch \(mode)") }
      let missing = state.vfs.map(\.index).filter { readout.representor(of: $0) == nil }
      guard missing.isEmpty else {
        let list = missing.map(String.init).joined(separator: ", ")
        return Finding("eswitch", subject, .warn,
          "eSwitch \(mode), but \(missing.count) of \(state.vfs.count) VF(s) have no representor: VF \(list)",
          hint: "the driver did not create their switch ports: check 'devlink port show' and dmesg; 'sriovctl eswitch \(subject) legacy' then 'switchdev' rebuilds them")
      }
      return Finding("eswitch", subject, .pass, "eSwitch \(mode); each of the \(state.vfs.count) VF(s) has a representor")
    case nil:
      return nil
    }
  }

  /// One finding per SR-IOV PF, from one port dump; none without a devlink source.
  public static func findings(_ devices: [PCIDevice], source: DevlinkSource?) -> [Finding] {
    guard let source else { return [] }
    let ports = PortDumpOnce(source.control)
    return devices.compactMap { device in
      guard device.sriov != nil else { return nil }
      let readout = EswitchReadout.read(DevlinkHandle(pci: device.address), driver: device.driver, source: source, ports: ports.get)
      return finding(device, readout)
    }
  }
}
