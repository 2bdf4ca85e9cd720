import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// One VF of one PF, as `set` and `apply` address it: what messages need (driver, netdev) and what
/// sysfs says exists (`sriov_numvfs`).
public struct VFSettingsTarget: Sendable, Equatable {
  public let pf: PCIAddress
  public let netdev: NetdevName
  public let driver: String?
  public let vf: Int
  public let numVFs: Int
  /// The PF netdev's `operstate` (`up`, `down`, ...), to explain refused rates; nil when unknown.
  public let pfOperstate: String?

  public init(pf: PCIAddress, netdev: NetdevName, driver: String?, vf: Int, numVFs: Int, pfOperstate: String? = nil) {
    self.pf = pf
    self.netdev = netdev
    self.driver = driver
    self.vf = vf
    self.numVFs = numVFs
    self.pfOperstate = pfOperstate
  }

  /// Whether sysfs says the PF's link is down (`down`, `lowerlayerdown`); `unknown` is not down.
  public var pfLinkIsDown: Bool { pfOperstate == "down" || pfOperstate == "lowerlayerdown" }

  /// "0000:03:00.0 vf 2": the subject of every message about this VF.
  public var subject: String { "\(pf) vf \(vf)" }

  /// Resolves a PF named by address or netdev, checks it is a PF with a netdev and that VF `vf`
  /// exists (`vf < sriov_numvfs`).
  public static func resolve(_ ref: DeviceRef, vf: Int, inventory: Inventory) throws -> VFSettingsTarget {
    let address = try inventory.resolve(ref)
    let device = try inventory.device(address)
    if let pf = device.physfn {
      throw SRIOVError(address.description, "is a VF; VF settings are set through its PF",
        hint: "name the PF and the VF index: sriovctl set \(pf) \(device.vfIndex.map(String.init) ?? "INDEX") ...")
    }
    guard let sriov = device.sriov else {
      throw SRIOVError(address.description, "is not an SR-IOV physical function (no sriov_totalvfs)",
        hint: "run 'sriovctl list' to see the PFs on this host")
    }
    guard vf >= 0, vf < sriov.numVFs else {
      let range = sriov.numVFs == 0 ? "it has no VFs (sriov_numvfs is 0)" : "VFs are 0 to \(sriov.numVFs - 1) (sriov_numvfs is \(sriov.numVFs))"
      throw SRIOVError(address.description, "has no VF \(vf): \(range)",
        hint: sriov.numVFs == 0 ? "create VFs first: sriovctl create \(address) COUNT" : "give a VF index below \(sriov.numVFs)")
    }
    let names = inventory.netdevNames(of: address)  // its own net/ only, not every function's
    guard let name = names.sorted().first, let netdev = try? NetdevName(parsing: name) else {
      throw SRIOVError(address.description, "has no network interface, so its VFs have no rtnetlink settings",
        hint: "VF settings need the PF bound to its network driver (driver: \(device.driver ?? "none"))")
    }
    let operstate = try? inventory.sysfs.readValueIfPresent(SysfsLayout.netdev(netdev).appending("operstate"))
    return VFSettingsTarget(pf: address, netdev: netdev, driver: device.driver, vf: vf, numVFs: sriov.numVFs,
                            pfOperstate: operstate ?? nil)
  }
}

/// Moves one VF to a requested state, one kernel attribute at a time: validate, skip what is already
/// equal, apply each setting and read it back, and on a failure restore the ones already applied, so
/// the change is all-or-nothing from the user's view (the kernel itself keeps partial changes).
public struct VFSettingsApplier {
  public let control: any VFSettingsControl

  public init(control: any VFSettingsControl) { self.control = control }

  public func run(_ request: VFSettingsRequest, on target: VFSettingsTarget, dryRun: Bool) throws -> VFSettingsOutcome {
    let before = try readVF(target)
    do {
      try request.validate(against: before)
    } catch {
      throw SRIOVError(target.subject, error.message, hint: error.hint)
    }
    let planned = request.settings(from: before)
    var outcome = VFSettingsOutcome(target: target, dryRun: dryRun, before: before, planned: planned)
    guard !planned.isEmpty, !dryRun else {
      outcome.after = before
      return outcome
    }
    let steps: [Step] = planned.map { setting in
      Step.vfSetting(setting, description: "\(target.subject): \(setting)", subject: target.subject, target: { target },
        control: control, restore: { setting.restoring(from: before) }, read: { try self.readVF(target) })
    }
    // Netlink only: the caller holds the host lock (set) or runs inside a locked plan (apply).
    let report = StepExecutor.execute(steps)
    outcome.record(report, before: before)
    outcome.after = try? readVF(target)
    guard let failure = report.error else { return outcome }
    let undone = outcome.rolledBack.map(\.name)
    let state = outcome.applied.isEmpty
      ? (undone.isEmpty ? "nothing was changed" : "nothing was changed: restored " + undone.joined(separator: ", "))
      : "left changed: " + outcome.applied.map(\.description).joined(separator: ", ") + " (could not restore)"
    let hint = [failure.hint, state].compactMap { $0 }.joined(separator: "; ")
    outcome.error = SRIOVError(failure.subject, failure.problem, hint: hint)
    return outcome
  }

  private func readVF(_ target: VFSettingsTarget) throws -> VFSettings {
    let all: PFVFSettings
    do {
      all = try control.read(pf: target.netdev)
    } catch let error as SRIOVError {
      throw error
    } catch {
      throw SRIOVError(target.netdev.name, "cannot read VF settings over rtnetlink: \(error)",
        hint: "check that the interface exists ('ip link show \(target.netdev)')")
    }
    guard let vf = all.vfs[target.vf] else {
      let why = all.isTruncated && target.vf >= all.vfs.count
        ? "the kernel's VF list is truncated (\(all.vfs.count) of \(all.numVFs) VFs reported)"
        : "the driver reported no settings for it (\(all.vfs.count) of \(all.numVFs) VFs reported)"
      throw SRIOVError(target.subject, "cannot read its settings: \(why)",
        hint: "'ip link show \(target.netdev)' shows what the kernel reports")
    }
    return vf
  }
}

/// Turns a refused setting into a line a user can act on: which VF, which setting, which driver.
public enum VFSettingsErrors {
  public static func explain(_ error: any Error, setting: VFSetting, target: VFSettingsTarget) -> SRIOVError {
    let kernelSaid = (error as? NetlinkKernelError).map { "; kernel: \($0.message)" } ?? ""
    guard let errno = (error as? Errno) ?? (error as? NetlinkKernelError)?.errno else {
      if let error = error as? SRIOVError { return error }
      return SRIOVError(target.subject, "setting \(setting) failed: \(error)")
    }
    let explained = explain(errno, setting: setting, target: target)
    guard !kernelSaid.isEmpty else { return explained }
    // "... (Invalid argument)" becomes "... (Invalid argument; kernel: <its reason>)".
    return SRIOVError(explained.subject, String(explained.problem.dropLast()) + kernelSaid + ")", hint: explained.hint)
  }

  static func explain(_ errno: Errno, setting: VFSetting, target: VFSettingsTarget) -> SRIOVError {
    let driver = target.driver ?? "the PF's driver"
    let code: Int32 = errno.rawValue
    switch code {
    case EOPNOTSUPP:
      return SRIOVError(target.subject, "\(driver) does not support \(setting.name) on VFs (\(errno))",
        hint: "leave \(setting.name) out; the driver has no handler for it")
    case EPROTONOSUPPORT:
      return SRIOVError(target.subject, "\(driver) does not support \(protocolName(setting)) VLANs on VFs (\(errno))",
        hint: "use --vlan-proto 802.1Q (the default)")
    case EPERM, EACCES:
      return SRIOVError(target.subject, "setting \(setting) needs CAP_NET_ADMIN (\(errno))",
        hint: "run as root (sudo); in a container or a systemd unit, grant it CAP_NET_ADMIN")
    case EINVAL:
      return SRIOVError(target.subject, "\(driver) rejected \(setting) (\(errno))", hint: invalidHint(setting, target: target))
    case ENODEV, ENOENT:
      return SRIOVError(target.subject, "setting \(setting) failed (\(errno))",
        hint: "the PF's interface or the VF went away; run 'sriovctl list --vfs'")
    default:
      return SRIOVError(target.subject, "setting \(setting) failed (\(errno))", hint: "check dmesg for the driver's reason")
    }
  }

  private static func protocolName(_ setting: VFSetting) -> String {
    if case .vlan(_, _, let proto) = setting { return proto.rawValue }
    return "this"
  }

  /// EINVAL's likely reasons, per setting (kernel-abi.md §4, user reports).
  private static func invalidHint(_ setting: VFSetting, target: VFSettingsTarget) -> String {
    let driver = target.driver ?? "the PF's driver"
    switch setting {
    case .rate(let min, _) where target.pfLinkIsDown:
      let also = min != 0 ? "; some drivers (igb, i40e) also reject any nonzero min rate" : ""
      return "the PF link is down (\(target.netdev) operstate \(target.pfOperstate ?? "down")): drivers reject rates until it is up\(also)"
    case .rate:
      return "drivers reject rates while the PF link is down, above the link speed, or a min rate they cannot enforce (igb: max only, with the link up)"
    case .mac:
      return "\(driver) refused the address; some drivers refuse changes while the VF driver is loaded"
    case .vlan:
      return "\(driver) refused the VLAN or QoS; check dmesg"
    default:
      return "check dmesg for \(driver)'s reason"
    }
  }
}

/// What `set` (or one VF of `apply`) planned and did.
public struct VFSettingsOutcome: Sendable {
  public struct Failure: Sendable, Equatable {
    public let setting: VFSetting
    public let error: String
  }

  public let target: VFSettingsTarget
  public let dryRun: Bool
  public let before: VFSettings
  /// In the order they are sent; empty when everything already matched.
  public let planned: [VFSetting]
  /// Applied and still in place.
  public internal(set) var applied: [VFSetting] = []
  /// Applied, then restored after a later failure.
  public internal(set) var rolledBack: [VFSetting] = []
  public internal(set) var failed: [Failure] = []
  /// The VF as read at the end; nil if that read failed.
  public internal(set) var after: VFSettings?
  /// Set when a setting failed; the CLI prints it and exits 1.
  public internal(set) var error: SRIOVError?

  public var changed: Bool { !applied.isEmpty }

  /// Takes the executor's report, one entry per planned setting, in the order things happened:
  /// the failed setting first, then what its rollback did (newest first).
  mutating func record(_ report: StepReport, before: VFSettings) {
    let entries = report.entries
    func failure(_ setting: VFSetting, _ error: SRIOVError?) -> Failure {
      // An undo that got as far as sending names the value it sent back.
      let shown = setting.restoring(from: before) ?? setting
      return Failure(setting: shown, error: error?.problem ?? "")
    }
    guard let failedAt = entries.firstIndex(where: { $0.status == .failed }) else {
      applied = zip(planned, entries).filter { $0.1.status == .applied }.map(\.0)
      return
    }
    let failedEntry = entries[failedAt]
    let setting = planned[failedAt]
    failed.append(Failure(setting: setting, error: failedEntry.error?.problem ?? ""))
    // A setting sent but not shown by the kernel was undone with the others, before them.
    let sent = failedEntry.failedAt == .verify
    if sent, failedEntry.undoneAfterFailure == true { rolledBack.append(setting) }
    if sent, failedEntry.undoneAfterFailure == false { failed.append(failure(setting, failedEntry.undoError)) }
    for i in (0..<failedAt).reversed() {
      switch entries[i].status {
      case .rolledBack: rolledBack.append(planned[i])
      case .rollbackFailed: failed.append(failure(planned[i], entries[i].error))
      default: break
      }
    }
    applied = planned.indices.filter { i in
      let entry = entries[i]
      return entry.status == .applied || entry.status == .rollbackFailed
        || (i == failedAt && sent && entry.undoneAfterFailure != true)
    }.map { planned[$0] }
  }

  public var summary: String {
    if let error { return error.message }
    if planned.isEmpty { return "already set; nothing to change" }
    if dryRun { return "would set " + planned.map(\.description).joined(separator: ", ") }
    return "set " + applied.map(\.description).joined(separator: ", ")
  }
}
