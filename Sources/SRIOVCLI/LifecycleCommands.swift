import ArgumentParser
import SRIOVCore

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Prints a lifecycle outcome (text or JSON), then fails with its error when it has one.
private func finish(_ outcome: LifecycleOutcome, json: Bool, progress: ProgressLine? = nil) throws {
  progress?.close()
  Output.render(outcome, json: json)
  if let error = outcome.error { throw error }
}

/// Every lifecycle command: one host, the privilege check for what the change writes (a dry run
/// needs none), the change, its outcome.
private func runChange(_ global: GlobalOptions, on device: DeviceRef, dryRun: Bool, action: String,
                       writes paths: (PCIAddress) -> [HostPath], progress: ProgressLine? = nil,
                       _ change: (Lifecycle) throws -> LifecycleOutcome) throws {
  let host = try global.host(environment: Process.environment)
  try Privileges.requireWriteAccess(for: device, on: host, dryRun: dryRun, action: action, paths: paths)
  try finish(try change(Lifecycle(sysfs: host.sysfs)), json: global.json, progress: progress)
}

/// "waiting for VFs: 3/4" rewritten in place on a terminal (never on a pipe or with --json).
final class ProgressLine: @unchecked Sendable {
  private var open = false

  static func make(json: Bool) -> ProgressLine? { !json && Output.sink.errIsTerminal ? ProgressLine() : nil }

  var report: @Sendable (Int, Int) -> Void {
    { [self] ready, total in
      Output.warning("\rwaiting for VFs: \(ready)/\(total)")
      open = true
      if ready == total { close() }
    }
  }

  /// Ends the line so that what follows starts on its own.
  func close() {
    if open { Output.warning("\n") }
    open = false
  }
}

struct Create: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "create",
    abstract: "Make a PF have exactly COUNT VFs.",
    discussion: """
      Writes sriov_numvfs and waits until the kernel has made the VFs (virtfnN, physfn, driver \
      bound). An equal count writes nothing. A count above sriov_totalvfs is refused before any \
      write. Changing a nonzero count goes through 0, which destroys every VF, so it is refused \
      while a VF is in use (bound to vfio-pci or another unusual driver, or with an up netdev) \
      unless --force. --driver binds the new VFs without races: autoprobe off, driver_override \
      and drivers_probe per VF, autoprobe restored. --dry-run prints the writes in order.

      EXAMPLES:
        $ sriovctl create enp59s0f0 8 --dry-run
        0000:3b:00.0: would change from 4 to 8 VFs; would write, in order:
          /sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs <- '0'
          /sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs <- '8'
        this destroys 4 VF(s): 0000:3b:02.0 0000:3b:02.1 0000:3b:02.2 0000:3b:02.3

        $ sriovctl create 0000:3b:00.1 16 --driver vfio-pci

      \(HelpText.exitStatus(
        success: "the PF has COUNT VFs (also when it already had), or --dry-run printed the plan",
        failure: "refused (above the limit, VFs in use) or the kernel failed the write; the error says why"))
      """)

  @OptionGroup var global: GlobalOptions
  @Argument(help: ArgumentHelp("The PF: PCI address or interface name.", valueName: "pf"),
    completion: .devices(.physicalFunctions), transform: DeviceRef.init(parsing:)) var pf: DeviceRef
  @Argument(help: "How many VFs the PF should have.") var count: Int
  @Option(name: .long, help: ArgumentHelp("Bind the new VFs to this driver (e.g. vfio-pci).", valueName: "name"),
    transform: DriverName.init(parsing:)) var driver: DriverName?
  @OptionGroup var change: ChangeOptions<Help>

  enum Help: ChangeOptionsHelp {
    static let force = "Destroy VFs even when they are in use."
    static let dryRun = "Print the sysfs writes in order and what they destroy; write nothing."
    static let timeout = "Seconds to wait for the VFs to appear."
    static let defaultTimeout = 120.0
  }

  func validate() throws {
    guard count >= 0 else { throw ValidationError("COUNT must be 0 or more (got \(count))") }
  }

  func run() throws {
    let progress = ProgressLine.make(json: global.json)
    try runChange(global, on: pf, dryRun: change.dryRun, action: "cannot change its VF count",
                  writes: { Privileges.vfCountPaths(of: $0, bindsDriver: driver != nil) }, progress: progress) {
      try $0.setVFCount(count, on: pf, options: .init(driver: driver, force: change.force), dryRun: change.dryRun,
                        timeout: change.timeout, progress: progress?.report)
    }
  }
}

struct Remove: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "remove",
    abstract: "Remove all VFs of a PF.",
    discussion: """
      The same as 'create PF 0': writes sriov_numvfs=0 and waits until the VFs are gone. Refused \
      while a VF is in use (bound to vfio-pci or another unusual driver, or with an up netdev) \
      unless --force. A PF without VFs is left alone.

      EXAMPLES:
        $ sriovctl remove enp59s0f0 --dry-run
        0000:3b:00.0: would change from 4 to 0 VFs; would write, in order:
          /sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs <- '0'
        this destroys 4 VF(s): 0000:3b:02.0 0000:3b:02.1 0000:3b:02.2 0000:3b:02.3

      \(HelpText.exitStatus(
        success: "the PF has no VFs (also when it had none), or --dry-run printed the plan",
        failure: "refused (VFs in use) or the kernel failed the write"))
      """)

  @OptionGroup var global: GlobalOptions
  @Argument(help: ArgumentHelp("The PF: PCI address or interface name.", valueName: "pf"),
    completion: .devices(.physicalFunctions), transform: DeviceRef.init(parsing:)) var pf: DeviceRef
  @OptionGroup var change: ChangeOptions<Help>

  enum Help: ChangeOptionsHelp {
    static let force = Create.Help.force
    static let dryRun = Create.Help.dryRun
    static let timeout = "Seconds to wait for the VFs to disappear."
    static let defaultTimeout = 120.0
  }

  func run() throws {
    try runChange(global, on: pf, dryRun: change.dryRun, action: "cannot remove its VFs",
                  writes: { Privileges.vfCountPaths(of: $0, bindsDriver: false) }) {
      try $0.setVFCount(0, on: pf, options: .init(force: change.force), dryRun: change.dryRun, timeout: change.timeout, progress: nil)
    }
  }
}

struct Bind: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bind",
    abstract: "Bind a PCI function to a driver (driver_override, unbind, drivers_probe).",
    discussion: """
      Sets driver_override so that only DRIVER may take the device, unbinds it from its current \
      driver, asks the kernel to probe it, and checks that DRIVER took it. Typical use: hand a VF \
      to vfio-pci for a VM. Refused while the device has an up netdev unless --force.

      EXAMPLES:
        $ sriovctl bind 0000:3b:02.1 iavf
        0000:3b:02.1: already bound to iavf

        $ modprobe vfio-pci && sriovctl bind enp59s0f0v1 vfio-pci

      \(HelpText.exitStatus(
        success: "the device is bound to DRIVER (also when it already was), or --dry-run printed the plan",
        failure: "the driver is not loaded, the device is in use, or the kernel refused the bind"))
      """)

  @OptionGroup var global: GlobalOptions
  @Argument(help: ArgumentHelp("PCI address or interface name.", valueName: "device"),
    completion: .devices(.functionsAndVFs), transform: DeviceRef.init(parsing:)) var device: DeviceRef
  @Argument(help: ArgumentHelp("Driver name, e.g. vfio-pci.", valueName: "driver"), transform: DriverName.init(parsing:))
  var driver: DriverName
  @Flag(name: .long, help: "Unbind from the current driver even when a netdev is up.") var force = false
  @Flag(name: .long, help: "Print the sysfs writes in order; write nothing.") var dryRun = false

  func run() throws {
    try runChange(global, on: device, dryRun: dryRun, action: "cannot bind it to \(driver)", writes: Privileges.driverChangePaths) {
      try $0.bind(device, to: driver, force: force, dryRun: dryRun)
    }
  }
}

struct Unbind: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "unbind",
    abstract: "Unbind a PCI function from its driver and clear its driver_override.",
    discussion: """
      Clears driver_override (so the normal driver may take it again at the next probe) and \
      unbinds the device from its driver. Refused while the device has an up netdev unless --force.

      EXAMPLES:
        $ sriovctl unbind 3b:02.1 --dry-run
        0000:3b:02.1: would be unbound; would write, in order:
          /sys/bus/pci/drivers/iavf/unbind <- '0000:3b:02.1'

      \(HelpText.exitStatus(
        success: "the device has no driver (also when it had none), or --dry-run printed the plan",
        failure: "the device is in use or the kernel refused the write"))
      """)

  @OptionGroup var global: GlobalOptions
  @Argument(help: ArgumentHelp("PCI address or interface name.", valueName: "device"),
    completion: .devices(.functionsAndVFs), transform: DeviceRef.init(parsing:)) var device: DeviceRef
  @Flag(name: .long, help: "Unbind even when a netdev is up.") var force = false
  @Flag(name: .long, help: "Print the sysfs writes in order; write nothing.") var dryRun = false

  func run() throws {
    try runChange(global, on: device, dryRun: dryRun, action: "cannot unbind it", writes: Privileges.driverChangePaths) {
      try $0.unbind(device, force: force, dryRun: dryRun)
    }
  }
}
