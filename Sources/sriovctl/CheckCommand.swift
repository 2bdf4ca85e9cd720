import ArgumentParser
import SRIOVCore

struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Preflight: IOMMU, groups, ACS path, group viability, SR-IOV readiness.",
    discussion: """
      Checks the host (CPU flags, firmware and kernel IOMMU, command line, interrupt remapping, vfio) \
      and each DEVICE (default: every SR-IOV PF): SR-IOV enabled, PF driver, VF BARs and bus numbers \
      (the ENOMEM that create would hit), ACS on every hop to the root with the kernel's rules, the \
      real IOMMU group, and whether the group is viable for vfio. Each finding is PASS, WARN, FAIL or \
      UNKNOWN with a hint. Exit 1 if any FAIL (with --strict also any WARN or UNKNOWN), else 0.
      """)

  @OptionGroup var global: GlobalOptions
  @Argument(help: ArgumentHelp("PCI addresses or interface names (default: every SR-IOV PF).", valueName: "device"))
  var devices: [String] = []
  @Flag(name: .long, help: "Also fail on WARN and UNKNOWN findings.") var strict = false

  func run() throws {
    let refs = try devices.map { text throws in try DeviceRef(parsing: text) }
    let report = try CheckReport.build(host: try global.host(environment: Process.environment), devices: refs)
    Output.write(global.json ? report.json(strict: strict).rendered() : report.text())
    if !report.ok(strict: strict) { throw ExitCode.failure }
  }
}
