import ArgumentParser
import SRIOVCore

struct List: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List SR-IOV capable physical functions.",
    discussion: """
      One line per PF (a function with sriov_totalvfs): its netdevs, driver, PCI IDs, VFs enabled \
      out of the driver's limit, NUMA node and IOMMU group. --vfs adds each PF's VFs below it, \
      read from the PF's virtfnN links; --all also lists network functions without SR-IOV.

      EXAMPLES:
        $ sriovctl list
        DEVICE        NETDEV     DRIVER  ID         VFS   NUMA  GROUP  NAME
        0000:3b:00.0  enp59s0f0  i40e    8086:1572  4/64  0     4      Intel ...
        0000:3b:00.1  enp59s0f1  i40e    8086:1572  0/64  0     5      Intel ...

        $ sriovctl list --vfs --json | jq -r '.pfs[].vfs[].address'

      \(HelpText.exitStatus(success: "listed (also when the host has no SR-IOV device)", failure: "sysfs could not be read"))
      """)

  @OptionGroup var global: GlobalOptions
  @Flag(name: .long, help: "Show each PF's VFs below it.") var vfs = false
  @Flag(name: .long, help: "Also list network functions without SR-IOV.") var all = false

  func run() throws {
    try Self.run(root: global.root, json: global.json, vfs: vfs, all: all)
  }

  /// Also called by `QuickList`, which recognises the common forms of `list` without the parser.
  static func run(root: String?, json: Bool, vfs: Bool, all: Bool) throws {
    let host = try GlobalOptions.host(root: root, environment: Process.environment)
    let report = try ListReport.build(host: host, showVFs: vfs, allNICs: all)
    Output.render(report, json: json)
  }
}

struct Show: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show",
    abstract: "Show one PCI function in full.",
    discussion: """
      DEVICE is a PCI address (0000:3b:00.0 or 3b:00.0) or a network interface name, and may be any \
      PCI function: PF, VF, bridge or endpoint. Shows identity, driver, NUMA node, netdevs, the \
      SR-IOV capability as config space has it, the IOMMU group and its members, ACS on every bridge \
      up to the root bus, and a PF's VFs. Without root, ACS and the SR-IOV capability read as \
      unreadable, never as absent.

      EXAMPLES:
        $ sriovctl show enp59s0f0
        0000:3b:00.0 Intel Corporation Ethernet Controller X710 for 10GbE SFP+
          kind:         SR-IOV physical function
          driver:       i40e
          iommu group:  4 (DMA-FQ): 0000:3b:00.0
          sr-iov:       4 of 64 VFs enabled (sriov_totalvfs), autoprobe on
          ...
        $ sriovctl show 3b:02.1 --json

      \(HelpText.exitStatus(success: "shown", failure: "no such device, or sysfs could not be read"))
      """)

  @OptionGroup var global: GlobalOptions
  @Argument(help: ArgumentHelp("PCI address (0000:3b:00.0, 3b:00.0) or interface name.", valueName: "device"),
    completion: .devices(.functionsAndVFs)) var device: String

  func run() throws {
    // A devlink handle: a PCI one shows that function; one on another bus that exists here
    // (netdevsim) its devlink side. Anything else with a slash is a bad name, as before.
    if device.contains("/"), let handle = try? DevlinkHandle(parsing: device) {
      if let address = handle.pciAddress { return try show(.address(address)) }
      let host = try global.host(environment: Process.environment)
      if host.sysfs.exists(HostPath("sys/bus").appending(handle.bus)) {
        let report = try DevlinkDeviceReport.build(host: host, handle: handle)
        Output.render(report, json: global.json)
        return
      }
    }
    try show(try DeviceRef(parsing: device))
  }

  private func show(_ ref: DeviceRef) throws {
    let report = try DeviceReport.build(host: try global.host(environment: Process.environment), device: ref)
    Output.render(report, json: global.json)
  }
}
