import ArgumentParser
import SRIOVCore

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Prints a lifecycle outcome (text or JSON), then fails with its error when it has one.
private func finish(_ outcome: LifecycleOutcome, json: Bool, progress: ProgressLine? = nil) throws {
  progress?.close()
  Output.write(json ? outcome.json().rendered() : outcome.text())
  if let error = outcome.error { throw error }
}

/// "waiting for VFs: 3/4" rewritten in place on a terminal (never on a pipe or with --json).
final class ProgressLine: @unchecked Sendable {
  private var open = false

  static func make(json: Bool) -> ProgressLine? { !json && isatty(2) == 1 ? ProgressLine() : nil }

  var report: @Sendable (Int, Int) -> Void {
    { [self] ready, total in
      fputs("\rwaiting for VFs: \(ready)/\(total)", stderr)
      open = true
      if ready == total { close() }
    }
  }

  /// Ends the line so that what follows starts on its own.
  func close() {
    if open { fputs("\n", stderr) }
    open = false
  }
}

/// The one composition root for these commands: the host from the global options.
private func lifecycle(_ global: GlobalOptions) throws -> Lifecycle {
  Lifecycle(sysfs: try global.host(environment: Process.environment).sysfs)
}

/// Fails before anything is touched when this process may not write what the command would write
/// (a dry run writes nothing, so it needs no privilege). A device that does not resolve is left to
/// the command's own error.
private func requirePrivilege(_ global: GlobalOptions, _ ref: DeviceRef, dryRun: Bool, action: String,
                              paths: (PCIAddress) -> [HostPath]) throws {
  guard !dryRun else { return }
  let sysfs = try global.host(environment: Process.environment).sysfs
  guard let address = try? Inventory(sysfs: sysfs).resolve(ref) else { return }
  try Privileges.requireWriteAccess(to: paths(address), in: sysfs, subject: address.description, action: action)
}

private func checkTimeout(_ seconds: Double) throws {
  guard seconds > 0 else { throw ValidationError("--timeout must be more than 0 seconds (got \(seconds))") }
}

struct Create: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Make a PF have exactly COUNT VFs.",
    discussion: """
      Equal counts change nothing. Changing a nonzero count goes through 0, which destroys every VF: \
      refused while a VF is in use (bound to vfio-pci or another unusual driver, or with an up netdev) \
      unless --force. --driver binds the new VFs race-free (autoprobe off, driver_override, \
      drivers_probe). Waits until the VFs exist.
      """)

  @OptionGroup var global: GlobalOptions
  @Argument(help: ArgumentHelp("The PF: PCI address or interface name.", valueName: "pf")) var pf: String
  @Argument(help: "How many VFs the PF should have.") var count: Int
  @Option(name: .long, help: ArgumentHelp("Bind the new VFs to this driver (e.g. vfio-pci).", valueName: "name")) var driver: String?
  @Flag(name: .long, help: "Destroy VFs even when they are in use.") var force = false
  @Flag(name: .long, help: "Print the sysfs writes in order and what they destroy; write nothing.") var dryRun = false
  @Option(name: .long, help: ArgumentHelp("Seconds to wait for the VFs to appear.", valueName: "seconds")) var timeout: Double = 120

  func run() throws {
    try checkTimeout(timeout)
    let ref = try DeviceRef(parsing: pf)
    let driverName = try driver.map { text throws in try DriverName(parsing: text) }
    try requirePrivilege(global, ref, dryRun: dryRun, action: "cannot change its VF count") {
      Privileges.vfCountPaths(of: $0, bindsDriver: driverName != nil)
    }
    let progress = ProgressLine.make(json: global.json)
    let outcome = try lifecycle(global).setVFCount(
      count, on: ref, options: .init(driver: driverName, force: force), dryRun: dryRun, timeout: timeout,
      progress: progress?.report)
    try finish(outcome, json: global.json, progress: progress)
  }
}

struct Remove: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Remove all VFs of a PF.",
    discussion: "Refused while a VF is in use unless --force.")

  @OptionGroup var global: GlobalOptions
  @Argument(help: ArgumentHelp("The PF: PCI address or interface name.", valueName: "pf")) var pf: String
  @Flag(name: .long, help: "Destroy VFs even when they are in use.") var force = false
  @Flag(name: .long, help: "Print the sysfs writes in order and what they destroy; write nothing.") var dryRun = false
  @Option(name: .long, help: ArgumentHelp("Seconds to wait for the VFs to disappear.", valueName: "seconds")) var timeout: Double = 120

  func run() throws {
    try checkTimeout(timeout)
    let ref = try DeviceRef(parsing: pf)
    try requirePrivilege(global, ref, dryRun: dryRun, action: "cannot remove its VFs") { Privileges.vfCountPaths(of: $0, bindsDriver: false) }
    let outcome = try lifecycle(global).setVFCount(
      0, on: ref, options: .init(force: force), dryRun: dryRun, timeout: timeout, progress: nil)
    try finish(outcome, json: global.json)
  }
}

struct Bind: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Bind a PCI function to a driver (driver_override, unbind, drivers_probe).")

  @OptionGroup var global: GlobalOptions
  @Argument(help: ArgumentHelp("PCI address or interface name.", valueName: "device")) var device: String
  @Argument(help: ArgumentHelp("Driver name, e.g. vfio-pci.", valueName: "driver")) var driver: String
  @Flag(name: .long, help: "Unbind from the current driver even when a netdev is up.") var force = false
  @Flag(name: .long, help: "Print the sysfs writes in order; write nothing.") var dryRun = false

  func run() throws {
    let ref = try DeviceRef(parsing: device)
    let name = try DriverName(parsing: driver)
    try requirePrivilege(global, ref, dryRun: dryRun, action: "cannot bind it to \(name)") { Privileges.driverChangePaths(of: $0) }
    let outcome = try lifecycle(global).bind(ref, to: name, force: force, dryRun: dryRun)
    try finish(outcome, json: global.json)
  }
}

struct Unbind: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Unbind a PCI function from its driver and clear its driver_override.")

  @OptionGroup var global: GlobalOptions
  @Argument(help: ArgumentHelp("PCI address or interface name.", valueName: "device")) var device: String
  @Flag(name: .long, help: "Unbind even when a netdev is up.") var force = false
  @Flag(name: .long, help: "Print the sysfs writes in order; write nothing.") var dryRun = false

  func run() throws {
    let ref = try DeviceRef(parsing: device)
    try requirePrivilege(global, ref, dryRun: dryRun, action: "cannot unbind it") { Privileges.driverChangePaths(of: $0) }
    let outcome = try lifecycle(global).unbind(ref, force: force, dryRun: dryRun)
    try finish(outcome, json: global.json)
  }
}
