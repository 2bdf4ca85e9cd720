import ArgumentParser
import SRIOVCore

struct Owners: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "owners",
    abstract: "Show which other tools configure SR-IOV on each PF.",
    discussion: """
      Reads, under the host root, the files of every tool that can set a PF's VF count, eswitch \
      mode, VF settings or drivers: systemd .link and .network files, netplan, NetworkManager \
      profiles and NetworkManager.conf, udev rules, driverctl overrides, modprobe.d options, \
      os-net-config, the SR-IOV network operator and sriovctl's own persisted file. Each file is \
      matched against the PF the way its tool would (globs, first match, directory precedence, \
      masking) and listed with its line, what it sets and when. A file that cannot be read or \
      parsed is listed with the reason. See docs/owners.md.

      EXAMPLES:
        $ sriovctl owners enp59s0f0
        0000:3b:00.0 enp59s0f0 (i40e, 4 of 64 VFs now)
          no owner found: nothing else configures SR-IOV on this PF
        $ sriovctl owners --root /mnt/image --json

      \(HelpText.exitStatus(success: "listed (also when no other owner is found)", failure: "no such PF, or sysfs could not be read"))
      """)

  @OptionGroup var global: GlobalOptions
  @Argument(help: ArgumentHelp("PFs to show (default: every SR-IOV PF).", valueName: "pf"),
    completion: .devices(.functionsAndVFs), transform: DeviceRef.init(parsing:)) var pfs: [DeviceRef] = []

  func run() throws {
    let host = try global.host(environment: Process.environment)
    let report = try OwnersReport.build(host: host, devices: pfs, modes: host.fileModes)
    Output.render(report, json: global.json)
  }
}
