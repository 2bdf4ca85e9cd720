/// The udev rule `persist` installs for PFs whose desired state says `vfs.networkmanager:
/// unmanaged`: it sets ENV{NM_UNMANAGED}="1" on every network interface whose PCI device is a VF
/// of that PF, matched by the PF's address (not by interface name, so renames do not matter).
///
/// udev cannot test where a link such as `device/physfn` points (sd-device returns the target's
/// name only for `driver`, `subsystem` and `module`), but an ATTR{} key may be a path through
/// links: `device/physfn/uevent` is the PF's uevent file, read whole, whose PCI_SLOT_NAME line is
/// the PF's address. A PCI address has a fixed width, so the glob cannot match another function.
/// NetworkManager reads NM_UNMANAGED from the udev database (NetworkManager(8), "UDEV PROPERTIES").
public enum NMUnmanagedRule {
  public static let path = HostPath("etc/udev/rules.d/80-sriovctl-nm-unmanaged.rules")

  /// The file for `pfs` (sorted, once each); nil when there are none (the file is then removed).
  public static func text(for pfs: [PCIAddress]) -> String? {
    let unique = Array(Set(pfs)).sorted()
    guard !unique.isEmpty else { return nil }
    var out = """
      # Installed by 'sriovctl persist' (vfs.networkmanager: unmanaged in /etc/sriovctl/desired-state.yaml).
      # Keeps NetworkManager off the VF interfaces of these PFs. sriovctl removes this file when no PF asks for it.
      ACTION=="remove", GOTO="sriovctl_nm_unmanaged_end"
      SUBSYSTEM!="net", GOTO="sriovctl_nm_unmanaged_end"

      """
    out += "\n"
    for pf in unique {
      out += "ATTR{device/physfn/uevent}==\"*PCI_SLOT_NAME=\(pf)*\", ENV{NM_UNMANAGED}=\"1\"\n"
    }
    out += "\nLABEL=\"sriovctl_nm_unmanaged_end\"\n"
    return out
  }

  /// The PFs of `state` that ask for the rule, resolved to addresses on `host` (address
  /// selectors need no host; others are resolved through sysfs, which must then exist).
  public static func pfs(in state: DesiredState, sysfs: any HostFiles) throws -> [PCIAddress] {
    var result: [PCIAddress] = []
    for pf in state.pfs where pf.networkManagerUnmanaged {
      if case .address(let a) = pf.selector {
        result.append(a)
        continue
      }
      let inventory = Inventory(sysfs: sysfs)
      guard sysfs.exists(SysfsLayout.pciDevices) else {
        throw SRIOVError("\(state.source):\(pf.line)", "cannot find the PF (\(pf.selector)) for vfs.networkmanager: this root has no sysfs",
          hint: "name the PF by 'address' when persisting into an image: the rule matches PFs by PCI address")
      }
      let all = try inventory.physicalFunctionAddresses().map { try inventory.device($0) }
      let owners = try OwnersReport.gatherPFs(all.map(\.address), sysfs: sysfs)
      let context = OwnerContext(reader: ConfigFileReader(sysfs: sysfs), pfs: owners, modes: UnknownFileModes())
      let found = SriovctlPersisted.resolve(pf.selector, context).map(\.address)
      guard !found.isEmpty else {
        throw SRIOVError("\(state.source):\(pf.line)", "no PF matches \(pf.selector) for vfs.networkmanager",
          hint: "'sriovctl list' shows the PFs; name it by address")
      }
      result += found
    }
    return result
  }
}
