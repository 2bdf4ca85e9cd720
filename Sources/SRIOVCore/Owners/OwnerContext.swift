/// What every owner parser gets: the file reader and the PFs (with their VFs) to match against.
struct OwnerContext: Sendable {
  let reader: ConfigFileReader
  let pfs: [OwnerPF]
  /// File owner and mode, when the door can tell (NetworkManager ignores keyfiles that are not
  /// root's or that others can read).
  let modes: any FileModes

  var sysfs: any HostFiles { reader.sysfs }

  /// Every PF and VF.
  var devices: [OwnerDevice] { pfs.flatMap { [$0.device] + $0.vfs } }

  /// The finding for `device` (a PF, or a VF of one).
  func finding(_ kind: OwnerKind, _ file: HostPath, line: Int?, device: OwnerDevice, settings: [OwnerSetting],
    when: String, match: OwnerMatch) -> OwnerFinding?
  {
    guard match.possible, !settings.isEmpty else { return nil }
    var uncertain: String? = nil
    if case .maybe(let why) = match { uncertain = why }
    return OwnerFinding(kind: kind, file: file, line: line, pf: device.pf, vf: device.vfIndex, settings: settings,
      when: when, uncertain: uncertain)
  }

  /// The PF or VF with netdev `name`.
  func device(netdev name: String) -> OwnerDevice? {
    devices.first { $0.netdevs.contains { $0.name == name } }
  }

  func device(address: PCIAddress) -> OwnerDevice? {
    devices.first { $0.address == address }
  }
}

/// Owner and permission bits of a file, for the checks some tools make before trusting a file.
public struct FileMode: Sendable, Hashable {
  public let uid: UInt32
  public let mode: UInt32
  public init(uid: UInt32, mode: UInt32) {
    self.uid = uid
    self.mode = mode
  }
}

/// Where owner and mode come from. Only the live host's files have owners and modes worth
/// trusting (git, tar as a user and most capture tools do not keep them): `HostFileModes` answers
/// there, `UnknownFileModes` under any other root, where NetworkManager keyfiles are read as if NM
/// accepts them.
public protocol FileModes: Sendable {
  func mode(of path: HostPath) -> FileMode?
}

/// Owner and mode through the door, for the live host.
public struct HostFileModes: FileModes {
  let sysfs: any HostFiles
  public init(sysfs: any HostFiles) { self.sysfs = sysfs }
  public func mode(of path: HostPath) -> FileMode? {
    sysfs.ownerAndMode(path).map { FileMode(uid: $0.uid, mode: $0.mode) }
  }
}

extension Host {
  /// The owner and mode source for this root (see `FileModes`).
  public var fileModes: any FileModes { isLive ? HostFileModes(sysfs: sysfs) : UnknownFileModes() }
}

public struct UnknownFileModes: FileModes {
  public init() {}
  public func mode(of path: HostPath) -> FileMode? { nil }
}

extension DocumentNode {
  /// A scalar as the file wrote it: strings, numbers (their literal: a PCI address or MAC never
  /// becomes a number) and booleans.
  var scalarText: String? {
    switch value {
    case .string(let s): s
    case .number(let literal): literal
    case .bool(let b): b ? "true" : "false"
    default: nil
    }
  }
}
