import ArgumentParser
import SRIOVCore

struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Preflight: IOMMU, groups, ACS path, group viability, SR-IOV readiness.",
    discussion: """
      Checks the host (CPU flags, firmware and kernel IOMMU, command line, interrupt remapping, vfio) \
      and each DEVICE (default: every SR-IOV PF): SR-IOV enabled, PF driver, VF BARs and bus numbers \
      (the ENOMEM that create would hit), ACS on every hop to the root with the kernel's rules, the \
      real IOMMU group, and whether the group is viable for vfio. Each finding is PASS, WARN, FAIL or \
      UNKNOWN with a hint. Without root, ACS and SR-IOV findings are UNKNOWN, never PASS.

      EXAMPLES:
        $ sriovctl check enp59s0f0
        host
          PASS     iommu.kernel       kernel IOMMU active: 1 unit(s) (dmar0), ...
          WARN     vfio.available     vfio-pci is not loaded
                                      hint: modprobe vfio-pci
        0000:3b:00.0
          PASS     isolation.acs_path ACS isolates every hop: 0000:3a:00.0
          PASS     group.viable       IOMMU group 4 is viable for vfio: ...
        14 pass, 1 warn, 0 fail, 1 unknown

        $ sriovctl check --strict --json > preflight.json

      \(HelpText.exitStatus(
        success: "no FAIL (with --strict: no FAIL, WARN or UNKNOWN)",
        failure: "a check failed (with --strict also a WARN or UNKNOWN), or sysfs could not be read"))
      """)

  @OptionGroup var global: GlobalOptions
  @Argument(help: ArgumentHelp("PCI addresses or interface names (default: every SR-IOV PF).", valueName: "device"),
    completion: .devices(.physicalFunctions), transform: DeviceRef.init(parsing:))
  var devices: [DeviceRef] = []
  @Flag(name: .long, help: "Also fail on WARN and UNKNOWN findings.") var strict = false

  func run() throws {
    let report = try CheckReport.build(host: try global.host(environment: Process.environment), devices: devices)
    Output.render(StrictCheckReport(report: report, strict: strict), json: global.json)
    if !report.ok(strict: strict) { throw ExitCode.failure }
  }
}
