import ArgumentParser
import SRIOVCore

struct ApplyState: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "apply",
    abstract: "Make the host match a desired-state file (YAML or JSON).",
    discussion: """
      Reads the file (see docs/apply.md), then plans in order: autoprobe and VF counts \
      (sriov_numvfs), then drivers, then VF settings over rtnetlink; only what differs. Runs \
      the plan under the host lock, verifying each step. A failure stops the run and undoes \
      what can be undone (VF settings, drivers, autoprobe); VFs destroyed by a count change \
      cannot come back, which --dry-run says up front. Count changes that destroy VFs in use \
      are refused unless --force. Applying the same file again changes nothing.

      EXAMPLES:
        $ sriovctl apply -f /etc/sriovctl/desired-state.yaml --dry-run
        $ sriovctl apply -f want.yaml --detailed-exitcode --json

      \(HelpText.exitStatus(
        success: "the host matches the file (also when nothing needed changing), or --dry-run printed the plan",
        failure: "a bad file, a refusal, or a step failed (what could be undone was rolled back)",
        extra: [(code: 2, meaning: "with --detailed-exitcode: changes were made (or would be, with --dry-run)")]))
      """)

  @OptionGroup var global: GlobalOptions
  @OptionGroup var input: DesiredStateFile
  @Flag(name: .long, help: "Exit 0 when nothing had to change, 2 when something changed (or would, with --dry-run), 1 on failure.")
  var detailedExitcode = false
  @OptionGroup var change: ChangeOptions<Help>

  enum Help: ChangeOptionsHelp {
    static let force = "Destroy or rebind VFs even when they are in use."
    static let dryRun = "Print the plan (and every VF a count change destroys); change nothing."
    static let timeout = "Seconds to wait for VFs to appear and drivers to bind."
    static let defaultTimeout = 120.0
  }

  func run() throws {
    let (state, _) = try DesiredState.load(path: input.file)
    let host = try global.host(environment: Process.environment)
    // rtnetlink on the live host, a capture's stored dump (dry runs) elsewhere, else none.
    var apply = Apply(sysfs: host.sysfs, settingsControl: try host.vfSettingsSource()?.control, timeout: change.timeout)
    apply.devlink = try host.devlinkSource()?.control
    let outcome = try apply.run(state, force: change.force, dryRun: change.dryRun)
    // Other tools that configure the same PFs (docs/owners.md): in the plan, or on stderr with --json.
    let warnings = ((try? OwnersPlan.make(state, sysfs: host.sysfs))?.warnings ?? []).map { "warning: \($0)\n" }.joined()
    if global.json && !warnings.isEmpty { Output.warning(warnings) }
    Output.render(PrefixedReport(prefix: warnings, base: outcome), json: global.json)
    if let error = outcome.error { throw error }
    if detailedExitcode && outcome.changed { throw ExitCode(2) }
  }
}

struct PersistState: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "persist",
    abstract: "Install a desired-state file and a systemd unit that applies it at boot.",
    discussion: """
      Checks the file, then writes ROOT/etc/sriovctl/desired-state.yaml, \
      ROOT/etc/systemd/system/sriovctl.service and its multi-user.target.wants link, each \
      whole (temporary file, rename). The unit runs 'sriovctl apply' after udev has settled \
      and before network-pre.target. Files already in place are not written again. \
      --dry-run prints what would be written and the unit.

      EXAMPLES:
        $ sriovctl persist -f want.yaml --dry-run
        $ sriovctl persist -f want.yaml --root /mnt/image

      \(HelpText.exitStatus(
        success: "the file, the unit and the link are in place (also when they already were)",
        failure: "a bad file, or a file could not be written"))
      """)

  @OptionGroup var global: GlobalOptions
  @OptionGroup var input: DesiredStateFile
  @Flag(name: .long, help: "Print what would be written and the unit; write nothing.") var dryRun = false
  @Flag(name: .long, help: "Install even when another tool configures the same thing on a PF (see 'sriovctl owners').")
  var force = false

  func run() throws {
    let (state, text) = try DesiredState.load(path: input.file)
    let root = global.hostRoot(environment: Process.environment)
    let owners = try OwnersPlan.make(state, sysfs: root.files)
    if !force, let refusal = owners.refusal() { throw refusal }
    var outcome = try Persist(root: root).install(stateText: text, dryRun: dryRun, extra: owners.extra)
    outcome.warnings = owners.warnings
    Output.render(outcome, json: global.json)
  }
}

/// `-f FILE`, the desired-state file `apply` and `persist` read.
struct DesiredStateFile: ParsableArguments {
  @Option(name: .shortAndLong, help: ArgumentHelp("The desired-state file.", valueName: "file"),
    completion: .file(extensions: ["yaml", "yml", "json"])) var file: String
}
