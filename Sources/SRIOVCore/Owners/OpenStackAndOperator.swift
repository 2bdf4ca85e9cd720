/// os-net-config (OpenStack TripleO): `/etc/os-net-config/config.yaml` (or `config.json`) lists
/// `type: sriov_pf` entries (`name`, `numvfs`, `link_mode`), anywhere in `network_config` and its
/// members; it writes what it applied to `/var/lib/os-net-config/sriov_config.yaml`
/// (`device_type: pf`), which `sriov_config.service` applies again at boot.
enum OSNetConfig {
  static let configs: [HostPath] = [HostPath("etc/os-net-config/config.yaml"), HostPath("etc/os-net-config/config.json")]
  static let applied = HostPath("var/lib/os-net-config/sriov_config.yaml")

  static func findings(_ context: OwnerContext) -> [OwnerFinding] {
    var out: [OwnerFinding] = []
    for path in configs {
      out += yamlClaims(.osNetConfig, path, context, when: "when os-net-config runs") { node in
        guard node["type"]?.scalarText == "sriov_pf", let name = node["name"]?.scalarText else { return nil }
        return (name, node["numvfs"], node["link_mode"])
      }
    }
    out += yamlClaims(.osNetConfig, applied, context, when: "at boot (sriov_config.service)") { node in
      guard node["device_type"]?.scalarText == "pf", let name = node["name"]?.scalarText else { return nil }
      return (name, node["numvfs"], node["link_mode"])
    }
    return out
  }

  /// Walks a YAML/JSON file for mappings `pick` recognises: (interface name or PCI address, count, eswitch mode).
  static func yamlClaims(_ kind: OwnerKind, _ path: HostPath, _ context: OwnerContext, when: String,
    _ pick: (DocumentNode) -> (String, DocumentNode?, DocumentNode?)?) -> [OwnerFinding]
  {
    let text: String
    switch context.reader.read(path) {
    case .text(let t): text = t
    case .failed(let why): return [.failure(kind, path, why)]
    case .masked, .missing: return []
    }
    let root: DocumentNode
    do { root = try Document.parseYAML(text, source: path.description) } catch {
      return [.failure(kind, path, line: error.position.line, "\(error.message) (column \(error.position.column))")]
    }
    var out: [OwnerFinding] = []
    var stack: [DocumentNode] = [root]
    while let node = stack.popLast() {
      if let (name, count, mode) = pick(node) {
        let device = PCIAddress(strict: name).flatMap(context.device(address:)) ?? context.device(netdev: name)
        var settings: [OwnerSetting] = []
        if let n = count?.scalarText { settings.append(OwnerSetting(OwnerSetting.vfCountKey, n)) }
        if let m = mode?.scalarText { settings.append(OwnerSetting("eswitch_mode", m)) }
        if let device, !device.isVF, !settings.isEmpty {
          let uncertain: String? = name.hasPrefix("nic") && Int(name.dropFirst(3)) != nil ? "a nicN alias" : nil
          out.append(OwnerFinding(kind: kind, file: path, line: node.position.line, pf: device.pf, settings: settings,
            when: when, uncertain: uncertain))
        }
      }
      stack.append(contentsOf: (node.elements ?? []).reversed())
      stack.append(contentsOf: (node.entries ?? []).map(\.value).reversed())
    }
    return out.sorted { ($0.line ?? 0) < ($1.line ?? 0) }
  }
}

/// The Kubernetes SR-IOV network operator's config daemon in systemd mode writes the node's
/// policy to `/etc/sriov-operator/sriov-interface-config.yaml` (`interfaces:` entries with
/// `pciAddress`, `numVfs`, `eSwitchMode`), applied at boot by `sriov-config.service`. Its udev
/// rules (NM_UNMANAGED for VFs, switchdev naming) are read with the other udev rules.
enum SRIOVOperator {
  static let config = HostPath("etc/sriov-operator/sriov-interface-config.yaml")

  static func findings(_ context: OwnerContext) -> [OwnerFinding] {
    OSNetConfig.yamlClaims(.sriovOperator, config, context, when: "at boot (sriov-config.service) and when the daemon syncs") { node in
      guard let address = node["pciAddress"]?.scalarText, node["numVfs"] != nil else { return nil }
      return (address, node["numVfs"], node["eSwitchMode"])
    }
  }
}

/// sriovctl's own persisted desired state, applied at boot by sriovctl.service.
enum SriovctlPersisted {
  static func findings(_ context: OwnerContext) -> [OwnerFinding] {
    let path = Persist.statePath
    let text: String
    switch context.reader.read(path) {
    case .text(let t): text = t
    case .failed(let why): return [.failure(.sriovctl, path, why)]
    case .masked, .missing: return []
    }
    let state: DesiredState
    do { state = try DesiredState.parse(text, source: path.description) } catch {
      let line = (error as? DesiredStateError)?.line
      return [.failure(.sriovctl, path, line: line, (error as? DesiredStateError)?.message ?? "\(error)")]
    }
    let enabled = context.sysfs.exists(Persist.enableLink)
    let when = enabled ? "at boot (sriovctl.service)" : "not at boot: sriovctl.service is not enabled"
    var out: [OwnerFinding] = []
    for pf in state.pfs {
      for device in resolve(pf.selector, context) {
        out.append(OwnerFinding(kind: .sriovctl, file: path, line: pf.line, pf: device.address, settings: settings(pf), when: when))
      }
    }
    return out
  }

  static func resolve(_ selector: PFSelector, _ context: OwnerContext) -> [OwnerDevice] {
    switch selector {
    case .address(let a): return context.pfs.filter { $0.address == a }.map(\.device)
    case .netdev(let n): return context.pfs.filter { $0.device.netdevs.contains { $0.name == n.name } }.map(\.device)
    case .vendorDevice(let v, let d, let index):
      let all = context.pfs.filter { $0.device.vendorID == v && $0.device.deviceID == d }.sorted { $0.address < $1.address }
      if let index { return index < all.count ? [all[index].device] : [] }
      return all.count == 1 ? [all[0].device] : []
    }
  }

  static func settings(_ pf: DesiredPF) -> [OwnerSetting] {
    var s: [OwnerSetting] = []
    if let count = pf.count { s.append(OwnerSetting(OwnerSetting.vfCountKey, String(count))) }
    if let autoprobe = pf.autoprobe { s.append(OwnerSetting("autoprobe", autoprobe ? "true" : "false")) }
    if let driver = pf.driver { s.append(OwnerSetting("vf_driver", driver.name)) }
    for entry in pf.perVF {
      s.append(OwnerSetting("vf.\(entry.range)", entry.keys.joined(separator: ",")))
    }
    if pf.networkManagerUnmanaged { s.append(OwnerSetting("nm_unmanaged", "1")) }
    return s
  }
}
