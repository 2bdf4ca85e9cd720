import ArgumentParser
import SRIOVCore

struct List: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List SR-IOV capable physical functions.",
    discussion: "Shows each PF with its driver, netdevs, VF count (enabled/limit), NUMA node and IOMMU group.")

  @OptionGroup var global: GlobalOptions
  @Flag(name: .long, help: "Show each PF's VFs below it.") var vfs = false
  @Flag(name: .long, help: "Also list network functions without SR-IOV.") var all = false

  func run() throws {
    let report = try ListReport.build(host: try global.host(environment: Process.environment), showVFs: vfs, allNICs: all)
    Output.write(global.json ? report.json().rendered() : report.text())
  }
}

struct Show: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show one PCI function in full.",
    discussion: """
      DEVICE is a PCI address (0000:3b:00.0 or 3b:00.0) or a network interface name. Shows identity, \
      driver, NUMA node, netdevs, the SR-IOV capability, the IOMMU group and its members, and ACS on \
      each bridge up to the root bus.
      """)

  @OptionGroup var global: GlobalOptions
  @Argument(help: ArgumentHelp("PCI address or interface name.", valueName: "device")) var device: String

  func run() throws {
    let ref = try DeviceRef(parsing: device)
    let report = try DeviceReport.build(host: try global.host(environment: Process.environment), device: ref)
    Output.write(global.json ? report.json().rendered() : report.text())
  }
}
