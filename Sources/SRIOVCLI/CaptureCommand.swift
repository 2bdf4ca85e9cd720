import ArgumentParser
import SRIOVCore

struct Capture: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "capture",
    abstract: "Copy this host's SR-IOV state into DIR, a host root that --root DIR reads.",
    discussion: """
      Copies the PFs, their VFs, every bridge above them and the other members of their \
      IOMMU groups (allow-listed attributes, relative links, config space as far as \
      readable), driver names, IOMMU groups and units, ACPI table presence (empty \
      markers), /proc/cmdline, the CPU flags line, vfio module parameters and the VF \
      settings (rtnetlink). Nothing else. DIR must not exist or be empty; the capture is \
      built beside it and renamed into place. --anonymize replaces MAC addresses and \
      serial numbers. Works without root (config space is then 64 bytes).

      EXAMPLES:
        $ sriovctl capture --anonymize /tmp/bug-1234
        $ sriovctl capture /tmp/host-a --json

      \(HelpText.exitStatus(
        success: "the capture is complete in DIR",
        failure: "DIR exists and is not empty, its parent is missing, or the host could not be read"))
      """)

  @OptionGroup var global: GlobalOptions
  @Argument(help: ArgumentHelp("New (or empty) directory to write the capture to.", valueName: "dir")) var directory: String
  @Flag(name: .long, help: "Replace MAC addresses, serial numbers and identifying kernel parameters.") var anonymize = false

  func run() throws {
    let host = try global.host(environment: Process.environment)
    // VF settings: rtnetlink on the live host, the stored dump when capturing a capture.
    let settings = try host.vfSettingsSource().map { VFSettingsCapture(control: $0.control, encode: VFSettingsDump.encode) }
    // devlink (eSwitch modes, representors): generic netlink live, the stored dump from a capture.
    let options = CaptureOptions(anonymize: anonymize, vfSettings: settings, devlink: try host.devlinkSource()?.control)
    let report = try HostCapture.capture(host: host, into: directory, options: options)
    Output.render(report, json: global.json)
  }
}
