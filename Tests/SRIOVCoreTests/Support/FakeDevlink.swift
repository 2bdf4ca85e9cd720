import Foundation
import SRIOVCore
import SystemPackage

/// A stateful stand-in for devlink as a driver implements it: `eswitch` reports the mode, `setEswitch`
/// changes it (or refuses the way mlx5 and ice do), and `ports` lists one `pcivf` representor per VF
/// while the mode has representors. VF counts and bindings come from the fake kernel's sysfs, so the
/// order of sysfs writes and the devlink call matters as it does on a real host.
final class FakeDevlink: DevlinkControl, @unchecked Sendable {
  enum Rule {
    /// mlx5: EBUSY while any VF is bound to a driver.
    case busyWhileVFsBound
    /// ice: EBUSY while the PF has VFs.
    case busyWhileVFsExist
    /// netdevsim: the change works with VFs present.
    case anyTime
  }

  private let mutex = NSLock()
  private var state: [DevlinkHandle: EswitchQuery]
  private var log: [String] = []
  let sysfs: any HostFiles
  var rules: [DevlinkHandle: Rule] = [:]
  /// The next `setEswitch` fails with this (then works).
  var failNextSet: (any Error)?
  /// The driver takes the mode but never makes representors (a verify timeout).
  var noRepresentors = false
  /// VF count of a non-PCI handle (netdevsim).
  var otherBusVFs: [DevlinkHandle: Int] = [:]

  init(sysfs: any HostFiles, _ state: [DevlinkHandle: EswitchQuery]) {
    self.sysfs = sysfs
    self.state = state
  }

  var requests: [String] { mutex.withLock { log } }
  func mode(_ handle: DevlinkHandle) -> EswitchMode? { mutex.withLock { state[handle]?.settings?.mode } }

  func eswitch(_ handle: DevlinkHandle) throws -> EswitchQuery {
    try mutex.withLock {
      guard let answer = state[handle] else { throw Errno.noSuchAddressOrDevice }
      return answer
    }
  }

  func setEswitch(_ handle: DevlinkHandle, mode: EswitchMode?, inlineMode: EswitchInlineMode?, encapMode: EswitchEncapMode?) throws {
    let args = [mode.map { "mode \($0.rawValue)" }, inlineMode.map { "inline-mode \($0.rawValue)" }, encapMode.map { "encap-mode \($0.rawValue)" }]
    try mutex.withLock {
      log.append("set \(handle) " + args.compactMap { $0 }.joined(separator: " "))
      if let error = failNextSet {
        failNextSet = nil
        throw error
      }
      guard case .supported(var settings)? = state[handle] else { throw Errno.notSupported }
      if mode != nil && mode != settings.mode {
        switch rules[handle] ?? .anyTime {
        case .busyWhileVFsBound where !boundVFs(handle).isEmpty:
          throw NetlinkKernelError(errno: .resourceBusy, message: "Can't change mode while VFs are bound")
        case .busyWhileVFsExist where vfCount(handle) > 0:
          throw Errno.resourceBusy
        default: break
        }
      }
      if let mode { settings.mode = mode }
      if let inlineMode { settings.inlineMode = inlineMode }
      if let encapMode { settings.encapMode = encapMode }
      state[handle] = .supported(settings)
    }
  }

  func ports() throws -> [DevlinkPort] {
    mutex.withLock {
      var out: [DevlinkPort] = []
      for handle in state.keys.sorted() {
        out.append(DevlinkPort(handle: handle, index: 0, flavour: .physical, pfNumber: 0, netdev: "uplink"))
        guard !noRepresentors, state[handle]?.settings?.mode?.hasRepresentors == true else { continue }
        for vf in 0..<vfCount(handle) {
          out.append(DevlinkPort(handle: handle, index: UInt32(1 + vf), flavour: .pcivf, pfNumber: 0, vfNumber: vf,
            controller: 0, external: false, netdev: "pf0vf\(vf)"))
        }
      }
      return out
    }
  }

  private func vfCount(_ handle: DevlinkHandle) -> Int {
    guard let pf = handle.pciAddress else { return otherBusVFs[handle] ?? 0 }
    return (try? sysfs.readValue(SysfsLayout.attribute(.sriovNumVFs, of: pf))).flatMap { Int($0) } ?? 0
  }

  private func boundVFs(_ handle: DevlinkHandle) -> [String] {
    guard let pf = handle.pciAddress else { return [] }
    return (0..<vfCount(handle)).compactMap { index in
      guard let vf = (try? sysfs.readLinkIfPresent(SysfsLayout.virtfn(index, of: pf))) ?? nil, let name = vf.lastComponent,
        let address = PCIAddress(strict: name), (try? sysfs.readLinkIfPresent(SysfsLayout.attribute(.driver, of: address))) ?? nil != nil
      else { return nil }
      return name
    }
  }
}
