import ArgumentParser
import SRIOVCore

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

struct EswitchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eswitch",
    abstract: "Set a PF's devlink eSwitch mode (legacy or switchdev), in the order its driver needs.",
    discussion: """
      PF is a PCI address, an interface name or a devlink handle as 'devlink dev' prints it \
      (pci/0000:3b:00.0, netdevsim/netdevsim1). The whole sequence is planned for the PF's driver \
      and printed: mlx5_core and unknown drivers keep their VFs, which are unbound from their \
      driver around the mode change and rebound after it; ice needs the VFs removed first, so they \
      are removed and created again. A change that unbinds or destroys a VF in use (bound to \
      vfio-pci or another unusual driver, or with an up netdev) is refused unless --force, as with \
      'create'. An equal mode writes nothing. After the change the mode is read back and, in \
      switchdev, every VF's representor must appear (in legacy they must be gone) before --timeout.

      EXAMPLES:
        $ sriovctl eswitch 0000:3b:00.0 switchdev --dry-run
        $ sriovctl eswitch enp59s0f0 switchdev --inline-mode transport
        $ sriovctl eswitch netdevsim/netdevsim1 legacy --json

      \(HelpText.exitStatus(
        success: "the eSwitch is in MODE (also when it already was), or --dry-run printed the plan",
        failure: "refused (VFs in use, no switchdev mode), or the driver failed the change; the error says why"))
      """)

  @OptionGroup var global: GlobalOptions
  @Argument(help: ArgumentHelp("The PF: PCI address, interface name or devlink handle (pci/0000:3b:00.0).", valueName: "pf"),
    completion: .devices(.physicalFunctions)) var pf: String
  @Argument(help: ArgumentHelp("legacy, switchdev or switchdev_inactive.", valueName: "mode")) var mode: EswitchMode
  @Option(name: .long, help: ArgumentHelp("Inline mode: none, link, network or transport.", valueName: "mode"),
    transform: EswitchInlineMode.init(parsing:)) var inlineMode: EswitchInlineMode?
  @Option(name: .long, help: ArgumentHelp("Encapsulation mode: none or basic.", valueName: "mode"),
    transform: EswitchEncapMode.init(parsing:)) var encapMode: EswitchEncapMode?
  @OptionGroup var change: ChangeOptions<Help>

  enum Help: ChangeOptionsHelp {
    static let force = "Unbind or destroy VFs even when they are in use."
    static let dryRun = "Print the steps in order; change nothing."
    static let timeout = "Seconds to wait for the VFs and representors."
    static let defaultTimeout = 60.0
  }

  func run() throws {
    let target = EswitchTarget(mode: mode, inlineMode: inlineMode, encapMode: encapMode)
    let host = try global.host(environment: Process.environment)
    guard let source = try host.devlinkSource() else {
      throw SRIOVError(host.root, "cannot change the eSwitch: no devlink under this root", hint: "run without --root on the host itself")
    }
    let progress: RepresentorProgress? = !global.json && Output.sink.errIsTerminal ? RepresentorProgress() : nil
    let outcome = try Eswitch(sysfs: host.sysfs, devlink: source.control)
      .change(pf, to: target, force: change.force, dryRun: change.dryRun, timeout: change.timeout, progress: progress?.report)
    progress?.close()
    Output.render(outcome, json: global.json)
    if let error = outcome.error { throw error }
  }
}

/// "waiting for representors: 3/4" rewritten in place on a terminal.
final class RepresentorProgress: @unchecked Sendable {
  private var open = false

  var report: @Sendable (Int, Int) -> Void {
    { [self] ready, total in
      Output.warning("\rwaiting for representors: \(ready)/\(total)")
      open = true
      if ready == total { close() }
    }
  }

  func close() {
    if open { Output.warning("\n") }
    open = false
  }
}
