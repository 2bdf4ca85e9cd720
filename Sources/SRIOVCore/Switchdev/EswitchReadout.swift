/// What one device's devlink read gave, for `list` and `show`: the eSwitch answer, the VF
/// representors, or why neither is known.
public struct EswitchReadout: Sendable {
  public let source: DevlinkSource.Kind
  public let handle: DevlinkHandle
  /// The PF's driver, for the text ("igb has no devlink eSwitch").
  public let driver: String?
  /// nil when the read failed (`error` says why).
  public let query: EswitchQuery?
  /// VF number -> representor port (switchdev only).
  public let representors: [Int: DevlinkPort]
  public let error: String?

  public init(source: DevlinkSource.Kind, handle: DevlinkHandle, driver: String?, query: EswitchQuery?, representors: [Int: DevlinkPort], error: String?) {
    self.source = source
    self.handle = handle
    self.driver = driver
    self.query = query
    self.representors = representors
    self.error = error
  }

  /// Reads the eSwitch once; a failure is kept as data so the sysfs facts still print. `ports` is
  /// asked only in a mode with representors (one dump serves a whole listing).
  public static func read(_ handle: DevlinkHandle, driver: String?, source: DevlinkSource, ports: () throws -> [DevlinkPort]) -> EswitchReadout {
    let query: EswitchQuery
    do {
      query = try source.control.eswitch(handle)
    } catch {
      return EswitchReadout(source: source.kind, handle: handle, driver: driver, query: nil, representors: [:], error: "\(error)")
    }
    guard query.settings?.mode?.hasRepresentors == true else {
      return EswitchReadout(source: source.kind, handle: handle, driver: driver, query: query, representors: [:], error: nil)
    }
    do {
      return EswitchReadout(source: source.kind, handle: handle, driver: driver, query: query,
        representors: try ports().representors(of: handle), error: nil)
    } catch {
      return EswitchReadout(source: source.kind, handle: handle, driver: driver, query: query, representors: [:],
        error: "cannot list the devlink ports: \(error)")
    }
  }

  /// The `eswitch:` line of `show`.
  public var text: String {
    if let error { return "unknown (\(error))" }
    switch query {
    case .supported(let settings)?:
      let mode = EswitchView.text(settings)
      guard settings.mode?.hasRepresentors == true else { return mode }
      return "\(mode), \(representors.count) VF representor(s)"
    case .unsupported(let why)?:
      return "not supported: \(driver ?? "the driver") has no devlink eSwitch (\(why)); legacy SR-IOV only"
    case nil:
      return unknownText
    }
  }

  /// The representor netdev of VF `index`, if any.
  public func representor(of index: Int) -> String? { representors[index]?.netdev }
}

/// One port dump for a whole report, taken on first use.
final class PortDumpOnce {
  private let control: any DevlinkControl
  private var result: Result<[DevlinkPort], any Error>?

  init(_ control: any DevlinkControl) { self.control = control }

  func get() throws -> [DevlinkPort] {
    if let result { return try result.get() }
    let fresh = Result { try control.ports() }
    result = fresh
    return try fresh.get()
  }
}

extension DeviceReport {
  /// Adds the eSwitch: a PF's own (with its VFs' representors), or for a VF its PF's.
  func withEswitch(from source: DevlinkSource?) -> Self {
    guard let source else { return self }
    var report = self
    let ports = PortDumpOnce(source.control)
    if let pf = device.physfn {
      report.eswitch = EswitchReadout.read(DevlinkHandle(pci: pf), driver: nil, source: source, ports: ports.get)
    } else if device.sriov != nil {
      report.eswitch = EswitchReadout.read(DevlinkHandle(pci: device.address), driver: device.driver, source: source, ports: ports.get)
      report.vfs = report.vfs.map { vf in
        var vf = vf
        vf.representor = report.eswitch?.representor(of: vf.index)
        return vf
      }
    }
    return report
  }

  /// A VF's own representor (from its PF's eSwitch).
  public var representor: String? {
    guard device.physfn != nil, let index = device.vfIndex else { return nil }
    return eswitch?.representor(of: index)
  }
}

extension ListReport {
  /// Adds each SR-IOV PF's eSwitch and its VFs' representors (one port dump for all).
  func withEswitch(from source: DevlinkSource?) -> Self {
    guard let source else { return self }
    let ports = PortDumpOnce(source.control)
    var report = self
    report.entries = entries.map { entry in
      guard entry.device.sriov != nil else { return entry }
      var entry = entry
      let readout = EswitchReadout.read(DevlinkHandle(pci: entry.device.address), driver: entry.device.driver, source: source, ports: ports.get)
      entry.eswitch = readout
      entry.vfs = entry.vfs.map { vf in
        var vf = vf
        vf.representor = readout.representor(of: vf.index)
        return vf
      }
      return entry
    }
    return report
  }
}
