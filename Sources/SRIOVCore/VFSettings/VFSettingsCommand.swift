/// The `set` command's core: check the request, refuse fake roots, apply. The CLI parses the words
/// (`on`, `off`, `--spoofchk`) into a `VFSettingsRequest`; nothing here knows them.
public enum VFSettingsCommand {
  /// Checks the request, resolves the VF, and applies it (or, with `dryRun`, only plans it). Under a
  /// root other than `/` nothing is ever sent: a dry run plans from the capture's stored settings, a
  /// real run is refused.
  public static func run(
    host: Host, pf: DeviceRef, vf: Int, request: VFSettingsRequest, dryRun: Bool,
    source explicitSource: VFSettingsSource? = nil
  ) throws -> VFSettingsOutcome {
    let subject = "\(pf) vf \(vf)"
    guard !request.isEmpty else { throw SRIOVError(subject, "nothing to set", kind: .usage) }
    do {
      try request.validateValues()
    } catch {
      throw SRIOVError(subject, error.message, hint: error.hint, kind: .usage)
    }
    let target = try VFSettingsTarget.resolve(pf, vf: vf, inventory: host.inventory)
    let isLive = explicitSource?.kind ?? (host.isLive ? .netlink : .capture) == .netlink
    if !isLive && !dryRun {
      throw SRIOVError(target.subject, "will not change VF settings under --root \(host.root): it is a capture or fixture, not the live kernel",
        hint: "run without --root (and without SRIOVCTL_ROOT) on the host itself; --dry-run shows the plan from the capture's stored settings")
    }
    guard let source = try explicitSource ?? host.vfSettingsSource() else {
      throw SRIOVError(target.subject, "cannot plan: \(host.root) has no stored VF settings (\(host.sysfs.absolute(VFSettingsSource.dumpPath)))",
        hint: "capture the host with 'sriovctl capture' to store its VF settings")
    }
    return try StepExecutor(sysfs: host.sysfs).underLock(dryRun ? .none : .take) {
      try VFSettingsApplier(control: source.control).run(request, on: target, dryRun: dryRun)
    }
  }
}
