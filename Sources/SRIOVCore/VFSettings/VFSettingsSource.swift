/// Where a host's answers of one kind (VF settings, devlink) come from: the live kernel on the live
/// host, the stored dump of a capture under any other root, else nowhere. A fake tree never leads to
/// the real host's kernel.
public struct AnswerSource<K: Sendable, Control> {
  public typealias Kind = K
  public let kind: Kind
  public let control: Control

  public init(kind: Kind, control: Control) {
    self.kind = kind
    self.control = control
  }
}

/// The kinds of an `AnswerSource` (its JSON `source` names) and where a capture stores its dump.
public protocol AnswerSourceKind: Sendable {
  /// The stored dump, relative to the host root.
  static var dumpPath: HostPath { get }
}

extension AnswerSource where K: AnswerSourceKind {
  public static var dumpPath: HostPath { K.dumpPath }
}

/// VF settings: rtnetlink live, `ROOT/sriovctl/vf-settings.json` in a capture.
public typealias VFSettingsSource = AnswerSource<VFSettingsSourceKind, any VFSettingsControl>

public enum VFSettingsSourceKind: String, AnswerSourceKind {
  case netlink, capture
  public static let dumpPath = HostPath("sriovctl/vf-settings.json")
}

extension Host {
  /// The live kernel for `/`; a capture's dump when present; nil otherwise.
  public func vfSettingsSource() throws -> VFSettingsSource? {
    if isLive { return VFSettingsSource(kind: .netlink, control: NetlinkVFSettings(sysfs: sysfs)) }
    return try storedDump(VFSettingsSource.dumpPath, what: "VF settings") { text, path in
      VFSettingsSource(kind: .capture, control: CapturedVFSettings(dump: try VFSettingsDump.decode(text, source: path), path: path))
    }
  }

  /// A capture's stored dump at `path` (relative to the root) made into a source; nil when the
  /// capture has none. `make` gets the text and the absolute path (for messages).
  func storedDump<Source>(_ path: HostPath, what: String, make: (String, String) throws -> Source) throws -> Source? {
    let text: String?
    do {
      text = try sysfs.readIfPresent(path, limit: HostFileLimits.text)
    } catch {
      throw SRIOVError(sysfs.absolute(path), "cannot read the stored \(what): \(error)")
    }
    guard let text else { return nil }
    return try make(text, sysfs.absolute(path))
  }
}

/// A capture's stored VF settings: read-only, by PF netdev name.
public struct CapturedVFSettings: VFSettingsControl {
  public let dump: [String: PFVFSettings]
  let path: String

  public init(dump: [String: PFVFSettings], path: String) {
    self.dump = dump
    self.path = path
  }

  public func read(pf: NetdevName) throws -> PFVFSettings {
    guard let settings = dump[pf.name] else {
      throw SRIOVError(pf.name, "the capture stored no VF settings for this interface (\(path))")
    }
    return settings
  }

  public func apply(_ setting: VFSetting, vf: Int, pf: NetdevName) throws {
    throw SRIOVError(pf.name, "cannot set \(setting.name) on vf \(vf): the host root is a capture (\(path)), not a live kernel",
      hint: "run without --root on the host itself")
  }
}

/// What one PF's VF settings read gave, for `list` and `show`: the settings or why there are none.
public struct VFSettingsReadout: Sendable {
  public let source: VFSettingsSource.Kind
  public let netdev: String
  public let settings: PFVFSettings?
  /// Why `settings` is nil.
  public let error: String?

  /// Reads once; a failure is kept as data so the sysfs facts still print.
  public static func read(pf netdevs: [String], source: VFSettingsSource?) -> VFSettingsReadout? {
    guard let source, let name = netdevs.sorted().first, let netdev = try? NetdevName(parsing: name) else { return nil }
    do {
      return VFSettingsReadout(source: source.kind, netdev: name, settings: try source.control.read(pf: netdev), error: nil)
    } catch {
      return VFSettingsReadout(source: source.kind, netdev: name, settings: nil, error: "\(error)")
    }
  }

  /// A note under the table when something is missing, else nil.
  public var note: String? {
    if let error { return "note: \(netdev): VF settings unavailable: \(error)" }
    guard let settings, settings.isTruncated else { return nil }
    return "note: \(netdev): the kernel reported settings for \(settings.vfs.count) of \(settings.numVFs) VFs (its netlink VF list is truncated); the rest show sysfs facts only"
  }
}
