import ArgumentParser
import SRIOVCore

struct SetVF: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "set",
    abstract: "Change one VF's MAC, VLAN, spoof check, trust, link state or rates (rtnetlink).",
    discussion: """
      Sends RTM_SETLINK on the PF's netdev, one setting per request, and reads each \
      one back (ip link show). If a later setting fails, the ones already applied \
      are restored, so the VF is never left half-changed. Settings already equal \
      are not sent. Values are checked first: unicast MAC, VLAN 0-4095, QoS 0-7 \
      with a VLAN, 802.1ad with a nonzero VLAN, min rate <= max rate, VF below \
      sriov_numvfs. Needs CAP_NET_ADMIN. Under --root (a capture or fixture) it \
      is refused; --dry-run there plans from the stored settings.

      EXAMPLES:
        $ sriovctl set enp59s0f0 0 --mac 02:00:00:00:00:10 --vlan 100 --qos 3

        $ sriovctl set 0000:3b:00.0 2 --trust on --spoofchk off --dry-run

      \(HelpText.exitStatus(
        success: "the VF has the settings (also when it already had), or --dry-run printed the plan",
        failure: "refused (bad state, not the live kernel) or the driver failed a setting; what was applied is restored"))
      """)

  @OptionGroup var global: GlobalOptions
  @Argument(help: ArgumentHelp("The PF: PCI address or interface name.", valueName: "pf"),
    completion: .devices(.physicalFunctions), transform: DeviceRef.init(parsing:)) var pf: DeviceRef
  @Argument(help: ArgumentHelp("The VF index (0 .. sriov_numvfs-1).", valueName: "vf")) var vf: Int
  @Option(help: ArgumentHelp("Administrative MAC (unicast; 00:00:00:00:00:00 clears it).", valueName: "mac"),
    transform: MACAddress.init(parsing:)) var mac: MACAddress?
  @Option(help: ArgumentHelp("Port VLAN ID, 0-4095 (0 removes it).", valueName: "id")) var vlan: Int?
  @Option(help: ArgumentHelp("VLAN priority 0-7 (needs a VLAN).", valueName: "n")) var qos: Int?
  @Option(name: .customLong("vlan-proto"), help: ArgumentHelp("VLAN protocol (needs a nonzero VLAN).", valueName: "proto")) var vlanProto: VLANProtocol?
  @Option(help: ArgumentHelp("MAC/VLAN anti-spoof check.", valueName: "on|off")) var spoofchk: OnOff?
  @Option(help: ArgumentHelp("Trusted VF (promiscuous, MAC changes).", valueName: "on|off")) var trust: OnOff?
  @Option(name: .customLong("link-state"), help: ArgumentHelp("VF link: auto follows the PF.", valueName: "state")) var linkState: VFLinkState?
  @Option(name: .customLong("min-rate"), help: ArgumentHelp("Minimum TX rate in Mbps (0: none).", valueName: "mbps")) var minRate: Int?
  @Option(name: .customLong("max-rate"), help: ArgumentHelp("Maximum TX rate in Mbps (0: no limit).", valueName: "mbps")) var maxRate: Int?
  @Flag(name: .long, help: "Print the settings that would be sent, in order; send nothing.") var dryRun = false

  var request: VFSettingsRequest {
    VFSettingsRequest(mac: mac, vlan: vlan, qos: qos, vlanProtocol: vlanProto, spoofCheck: spoofchk?.isOn,
      trust: trust?.isOn, linkState: linkState, minTxRate: minRate, maxTxRate: maxRate)
  }

  func run() throws {
    let request = request
    guard !request.isEmpty else {
      throw SRIOVError("\(pf) vf \(vf)", "nothing to set", hint: "give at least one of --mac --vlan --qos --vlan-proto --spoofchk --trust --link-state --min-rate --max-rate", kind: .usage)
    }
    let host = try global.host(environment: Process.environment)
    let outcome = try VFSettingsCommand.run(host: host, pf: pf, vf: vf, request: request, dryRun: dryRun)
    Output.render(outcome, json: global.json)
    if let error = outcome.error { throw error }
  }
}
