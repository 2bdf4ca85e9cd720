import Foundation
import SRIOVCore
import SystemPackage

/// A stateful stand-in for the kernel's VF settings (what rtnetlink reads and writes): setters change
/// state, `read` reports it, and configured failures make one setting fail the way a driver would.
/// Every request lands in `requests`, in order.
final class FakeVFSettings: VFSettingsControl, @unchecked Sendable {
  struct Request: Equatable, CustomStringConvertible {
    let pf: String
    let vf: Int
    let setting: VFSetting
    var description: String { "\(pf) vf \(vf) \(setting)" }
  }

  private let mutex = NSLock()
  private var state: [String: PFVFSettings]
  private var log: [Request] = []
  /// Settings (by `VFSetting.name`, e.g. "rate", "link-state") that fail with this errno on any VF.
  var failures: [String: Errno] = [:]
  /// Failures that fire only once, then the setting works (a transient driver error).
  var failOnce: [String: Errno] = [:]

  init(_ state: [String: PFVFSettings]) { self.state = state }

  /// `count` VFs with a driver's power-on defaults (zero MAC, no VLAN, spoof check on, trust off).
  static func defaults(count: Int) -> PFVFSettings {
    let vf = VFSettings(mac: .zero, vlan: 0, qos: 0, vlanProtocol: .dot1Q, spoofCheck: true, trust: false,
                        linkState: .auto, minTxRate: 0, maxTxRate: 0, queryRSS: false)
    return PFVFSettings(numVFs: count, vfs: Dictionary(uniqueKeysWithValues: (0..<count).map { ($0, vf) }))
  }

  var requests: [Request] { mutex.withLock { log } }
  func settings(pf: String) -> PFVFSettings? { mutex.withLock { state[pf] } }

  func read(pf: NetdevName) throws -> PFVFSettings {
    try mutex.withLock {
      guard let pfState = state[pf.name] else { throw Errno.noSuchAddressOrDevice }
      return pfState
    }
  }

  func apply(_ setting: VFSetting, vf: Int, pf: NetdevName) throws {
    try mutex.withLock {
      log.append(Request(pf: pf.name, vf: vf, setting: setting))
      if let errno = failOnce.removeValue(forKey: setting.name) ?? failures[setting.name] { throw errno }
      guard var pfState = state[pf.name] else { throw Errno.noSuchAddressOrDevice }
      guard var current = pfState.vfs[vf], vf < pfState.numVFs else { throw Errno.invalidArgument }
      switch setting {
      case .mac(let mac): current.mac = mac
      case .vlan(let id, let qos, let proto):
        current.vlan = id
        current.qos = qos
        current.vlanProtocol = proto
      case .spoofCheck(let on): current.spoofCheck = on
      case .trust(let on): current.trust = on
      case .linkState(let linkState): current.linkState = linkState
      case .rate(let min, let max):
        guard max == 0 || min <= max else { throw Errno.invalidArgument }
        current.minTxRate = min
        current.maxTxRate = max
      }
      pfState.vfs[vf] = current
      state[pf.name] = pfState
    }
  }
}
