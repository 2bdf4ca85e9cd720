import Synchronization
/// Which program configures SR-IOV through the file a finding comes from.
public enum OwnerKind: String, Sendable, CaseIterable, Comparable {
  case systemdLink = "systemd-udevd (.link)"
  case systemdNetworkd = "systemd-networkd (.network)"
  case netplan
  case networkManager = "NetworkManager"
  case ifcfg = "NetworkManager (ifcfg-rh)"
  case udevRule = "udev rule"
  case driverctl
  case modprobe = "modprobe.d"
  case osNetConfig = "os-net-config"
  case sriovOperator = "sriov-network-operator"
  case sriovctl

  /// Stable snake_case id for JSON.
  public var id: String {
    switch self {
    case .systemdLink: "systemd_link"
    case .systemdNetworkd: "systemd_networkd"
    case .netplan: "netplan"
    case .networkManager: "networkmanager"
    case .ifcfg: "ifcfg_rh"
    case .udevRule: "udev_rule"
    case .driverctl: "driverctl"
    case .modprobe: "modprobe"
    case .osNetConfig: "os_net_config"
    case .sriovOperator: "sriov_network_operator"
    case .sriovctl: "sriovctl"
    }
  }

  public static func < (a: OwnerKind, b: OwnerKind) -> Bool {
    allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
  }
}

/// One thing an owner sets: a stable key (`vf_count`, `eswitch_mode`, `vf_driver`, `vf.3`,
/// `nm_unmanaged`, ...) and the value as the file writes it.
public struct OwnerSetting: Hashable, Sendable, CustomStringConvertible {
  public let key: String
  public let value: String

  public init(_ key: String, _ value: String) {
    self.key = key
    self.value = value
  }

  public var description: String { "\(key)=\(value)" }

  /// The VF count, when this setting is one.
  public var vfCount: Int? { key == OwnerSetting.vfCountKey ? Int(value) : nil }

  public static let vfCountKey = "vf_count"
}

/// Whether a file's match section selects a device. Offline some matches cannot be decided
/// (a `Property=` of the udev database, the kernel's original interface name): those are `maybe`.
public enum OwnerMatch: Hashable, Sendable {
  case yes
  case no
  case maybe(String)

  static func all(_ parts: [OwnerMatch]) -> OwnerMatch {
    var reasons: [String] = []
    for p in parts {
      switch p {
      case .no: return .no
      case .maybe(let r): reasons.append(r)
      case .yes: break
      }
    }
    return reasons.isEmpty ? .yes : .maybe(reasons.joined(separator: "; "))
  }

  var possible: Bool { self != .no }
}

/// One owner's claim on one PF (or one of its VFs), or a file that could not be read.
public struct OwnerFinding: Hashable, Sendable {
  public let kind: OwnerKind
  public let file: HostPath
  /// 1-based; nil when the whole file is the claim (a driverctl override, a masked file).
  public let line: Int?
  /// The PF concerned; nil for a file that could not be read or parsed.
  public let pf: PCIAddress?
  /// Set when the claim is on one VF of `pf`.
  public let vf: Int?
  public let settings: [OwnerSetting]
  /// When the claim takes effect ("at boot", "while profile 'x' is active", ...).
  public let when: String
  /// Why the match is uncertain (nil: it certainly applies).
  public let uncertain: String?
  /// The read or parse error, for a file that could not be used.
  public let error: String?

  public init(kind: OwnerKind, file: HostPath, line: Int?, pf: PCIAddress?, vf: Int? = nil, settings: [OwnerSetting],
    when: String, uncertain: String? = nil, error: String? = nil)
  {
    self.kind = kind
    self.file = file
    self.line = line
    self.pf = pf
    self.vf = vf
    self.settings = settings
    self.when = when
    self.uncertain = uncertain
    self.error = error
  }

  static func failure(_ kind: OwnerKind, _ file: HostPath, line: Int? = nil, _ error: String) -> OwnerFinding {
    OwnerFinding(kind: kind, file: file, line: line, pf: nil, settings: [], when: "", error: error)
  }

  /// `file:line` as a user would open it.
  public var location: String { line.map { "\(file):\($0)" } ?? file.description }
}

/// A PCI function as the configuring tools see it: its address, driver, IDs and network interfaces.
public struct OwnerDevice: Hashable, Sendable {
  public struct Netdev: Hashable, Sendable {
    public let name: String
    private let address: LazyMAC
    /// Lowercase `aa:bb:...` from the function's `net/NAME/address`; nil when unreadable. Read on
    /// first use: only owner files that match by MAC need it, and `show` of a 256-VF PF would
    /// otherwise read 256 files for a summary line that rarely looks at them.
    public var mac: String? { address.value }
    public init(name: String, mac: String?) {
      self.name = name
      self.address = LazyMAC { mac }
    }
    public init(name: String, readingMAC read: @escaping @Sendable () -> String?) {
      self.name = name
      self.address = LazyMAC(read)
    }
    public static func == (a: Netdev, b: Netdev) -> Bool { a.name == b.name && a.mac == b.mac }
    public func hash(into hasher: inout Hasher) {
      hasher.combine(name)
      hasher.combine(mac)
    }
  }

  public let address: PCIAddress
  /// The PF: `address` itself for a PF.
  public let pf: PCIAddress
  public let vfIndex: Int?
  public let driver: String?
  public let vendorID: PCIID
  public let deviceID: PCIID
  public let netdevs: [Netdev]

  public init(address: PCIAddress, pf: PCIAddress, vfIndex: Int?, driver: String?, vendorID: PCIID, deviceID: PCIID,
    netdevs: [Netdev])
  {
    self.address = address
    self.pf = pf
    self.vfIndex = vfIndex
    self.driver = driver
    self.vendorID = vendorID
    self.deviceID = deviceID
    self.netdevs = netdevs
  }

  public var isVF: Bool { vfIndex != nil }
  /// udev's `ID_PATH` for a PCI function (path_id builtin): `pci-0000:3b:00.0`.
  public var pathID: String { "pci-\(address)" }
}

/// One SR-IOV PF and its VFs, with the current VF count (what a boot-time owner is compared with).
public struct OwnerPF: Hashable, Sendable {
  public let device: OwnerDevice
  public let vfs: [OwnerDevice]
  public let numVFs: Int
  public let totalVFs: Int

  public init(device: OwnerDevice, vfs: [OwnerDevice], numVFs: Int, totalVFs: Int) {
    self.device = device
    self.vfs = vfs
    self.numVFs = numVFs
    self.totalVFs = totalVFs
  }

  public var address: PCIAddress { device.address }
}

/// Lowercases a MAC written with `:` or `-` and checks its shape; nil when it is not one.
func normalizedMAC(_ text: String) -> String? {
  (try? MACAddress(parsing: text.trimmingBlanks))?.description.lowercased()
}

extension String {
  /// Without leading and trailing spaces and tabs.
  var trimmingBlanks: String {
    var s = Substring(self)
    while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
    while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
    return String(s)
  }
}

/// A MAC read at most once, when first asked for (shared by copies of its `Netdev`).
final class LazyMAC: Sendable {
  private let read: @Sendable () -> String?
  private let cache = Mutex<String??>(nil)
  init(_ read: @escaping @Sendable () -> String?) { self.read = read }
  var value: String? {
    cache.withLock { cached in
      if let known = cached { return known }
      let value = read()
      cached = .some(value)
      return value
    }
  }
}
