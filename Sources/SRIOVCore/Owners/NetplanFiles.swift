/// netplan YAML (netplan(5), "YAML configuration"): `/{lib,etc,run}/netplan/*.yaml`; of files with
/// the same name only one is read, /run shadowing /etc shadowing /lib; the rest are merged in
/// lexical order of their names, later definitions of the same interface id overriding earlier
/// keys. SR-IOV: a PF is an `ethernets` entry with `virtual-function-count`, or one that VFs name
/// with `link:`; without `virtual-function-count` netplan creates as many VFs as are declared.
/// `embedded-switch-mode` sets the eswitch. Values are read as strings (a MAC stays text).
/// What netplan generates is reported too: `netplan-sriov-rebind.service` (its ExecStart names
/// the PFs) and the udev rule that runs `netplan apply --sriov-only` (read with the udev rules).
enum NetplanFiles {
  static let directories: [HostPath] = [HostPath("run/netplan"), HostPath("etc/netplan"), HostPath("lib/netplan")]
  static let rebindUnit = HostPath("run/systemd/system/netplan-sriov-rebind.service")

  struct Definition {
    var file: HostPath
    var line: Int
    var keys: [String: (DocumentNode, HostPath)] = [:]
  }

  static func findings(_ context: OwnerContext) -> [OwnerFinding] {
    let (paths, errors) = context.reader.merged(directories, suffix: ".yaml")
    var out: [OwnerFinding] = errors.map { OwnerFinding.failure(.netplan, $0.0, $0.1) }
    var defs: [String: Definition] = [:]
    var order: [String] = []
    for path in paths {
      let text: String
      switch context.reader.read(path) {
      case .text(let t): text = t
      case .failed(let why):
        out.append(.failure(.netplan, path, why))
        continue
      case .masked, .missing: continue
      }
      let root: DocumentNode
      do { root = try Document.parseYAML(text, source: path.description) } catch {
        out.append(.failure(.netplan, path, line: error.position.line, "\(error.message) (column \(error.position.column))"))
        continue
      }
      guard let ethernets = root["network"]?["ethernets"]?.entries else { continue }
      for entry in ethernets {
        if defs[entry.key] == nil {
          defs[entry.key] = Definition(file: path, line: entry.keyPosition.line)
          order.append(entry.key)
        }
        for key in entry.value.entries ?? [] {
          defs[entry.key]!.keys[key.key] = (key.value, path)
        }
        if entry.value.entries?.contains(where: { $0.key == "virtual-function-count" || $0.key == "embedded-switch-mode" }) == true {
          defs[entry.key]!.file = path
          defs[entry.key]!.line = entry.keyPosition.line
        }
      }
    }
    // VFs declared per PF id.
    var declared: [String: Int] = [:]
    for id in order {
      if let link = defs[id]!.keys["link"]?.0.scalarText { declared[link, default: 0] += 1 }
    }
    let when = "at boot and on 'netplan apply' (netplan-sriov-apply)"
    for id in order {
      let def = defs[id]!
      var settings: [OwnerSetting] = []
      var line = def.line
      var file = def.file
      if let (node, path) = def.keys["virtual-function-count"], let n = node.scalarText {
        settings.append(OwnerSetting(OwnerSetting.vfCountKey, n))
        line = node.position.line
        file = path
      } else if let n = declared[id] {
        settings.append(OwnerSetting(OwnerSetting.vfCountKey, String(n)))
      }
      if let (node, _) = def.keys["embedded-switch-mode"], let mode = node.scalarText {
        settings.append(OwnerSetting("eswitch_mode", mode))
      }
      guard !settings.isEmpty else { continue }
      for pf in context.pfs {
        if let f = context.finding(.netplan, file, line: line, device: pf.device, settings: settings, when: when,
          match: match(id: id, def, pf.device))
        {
          out.append(f)
        }
      }
    }
    out += rebind(context)
    return out
  }

  /// `match:` (name and driver globs, macaddress) or, without it, the id as the interface name.
  static func match(id: String, _ def: Definition, _ device: OwnerDevice) -> OwnerMatch {
    guard let (m, _) = def.keys["match"] else {
      return device.netdevs.contains { $0.name == id } ? .yes : .no
    }
    var parts: [OwnerMatch] = []
    if let name = m["name"]?.scalarText {
      parts.append(device.netdevs.contains { Glob(name).matches($0.name) } ? .yes : .no)
    }
    if let mac = m["macaddress"]?.scalarText {
      let want = normalizedMAC(mac) ?? mac.lowercased()
      parts.append(device.netdevs.contains { $0.mac == want } ? .yes : .no)
    }
    if let drivers = m["driver"] {
      let globs: [String] = drivers.elements?.compactMap(\.scalarText) ?? drivers.scalarText.map { [$0] } ?? []
      parts.append(globs.contains { g in device.driver.map(Glob(g).matches) ?? false } ? .yes : .no)
    }
    return OwnerMatch.all(parts)
  }

  /// The rebind unit netplan generates lists the PFs whose VFs it rebinds after `netplan apply`.
  static func rebind(_ context: OwnerContext) -> [OwnerFinding] {
    switch context.reader.read(rebindUnit) {
    case .masked, .missing: return []
    case .failed(let why): return [.failure(.netplan, rebindUnit, why)]
    case .text(let text):
      let ini = IniFile(text, dialect: .systemd)
      guard let exec = ini.last("Service", "ExecStart") else { return [] }
      let words = SystemdWords.split(exec.value)
      guard let rebindAt = words.firstIndex(of: "rebind") else { return [] }
      var out: [OwnerFinding] = []
      for name in words[(rebindAt + 1)...] where !name.hasPrefix("-") {
        guard let device = context.device(netdev: name), !device.isVF else { continue }
        out.append(OwnerFinding(kind: .netplan, file: rebindUnit, line: exec.line, pf: device.pf,
          settings: [OwnerSetting("vf_rebind", "netplan rebind")], when: "after netplan apply"))
      }
      return out
    }
  }
}
