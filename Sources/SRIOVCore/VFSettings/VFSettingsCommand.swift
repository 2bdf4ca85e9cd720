/// The `set` command's core: parse the option values, check them, refuse fake roots, apply.
public enum VFSettingsCommand {
  /// Option values as typed. Errors quote the value and are usage errors (exit 64).
  public static func request(
    mac: String?, vlan: Int?, qos: Int?, vlanProto: String?, spoofchk: String?, trust: String?,
    linkState: String?, minRate: Int?, maxRate: Int?
  ) throws(ParseError) -> VFSettingsRequest {
    func onOff(_ text: String?, _ option: String) throws(ParseError) -> Bool? {
      guard let text else { return nil }
      switch text.lowercased() {
      case "on": return true
      case "off": return false
      default: throw ParseError(input: text, what: "a value for \(option)", expected: "on or off")
      }
    }
    var proto: VLANProtocol?
    if let vlanProto {
      guard let parsed = VLANProtocol.allCases.first(where: { $0.rawValue.lowercased() == vlanProto.lowercased() }) else {
        throw ParseError(input: vlanProto, what: "a VLAN protocol", expected: "802.1Q or 802.1ad")
      }
      proto = parsed
    }
    var state: VFLinkState?
    if let linkState {
      guard let parsed = VFLinkState(rawValue: linkState.lowercased()) else {
        throw ParseError(input: linkState, what: "a VF link state", expected: "auto, enable or disable")
      }
      state = parsed
    }
    return VFSettingsRequest(
      mac: try mac.map { text throws(ParseError) in try MACAddress(parsing: text) }, vlan: vlan, qos: qos,
      vlanProtocol: proto, spoofCheck: try onOff(spoofchk, "--spoofchk"), trust: try onOff(trust, "--trust"),
      linkState: state, minTxRate: minRate, maxTxRate: maxRate)
  }

  /// Checks the request, resolves the VF, and applies it (or, with `dryRun`, only plans it). Under a
  /// root other than `/` nothing is ever sent: a dry run plans from the capture's stored settings, a
  /// real run is refused.
  public static func run(
    host: Host, pf: DeviceRef, vf: Int, request: VFSettingsRequest, dryRun: Bool,
    source explicitSource: VFSettingsSource? = nil
  ) throws -> VFSettingsOutcome {
    let subject = "\(pf) vf \(vf)"
    guard !request.isEmpty else {
      throw SRIOVError(subject, "nothing to set", hint: "give at least one of --mac --vlan --qos --vlan-proto --spoofchk --trust --link-state --min-rate --max-rate", exitCode: 64)
    }
    do {
      try request.validateValues()
    } catch {
      throw SRIOVError(subject, error.message, hint: error.hint, exitCode: 64)
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
