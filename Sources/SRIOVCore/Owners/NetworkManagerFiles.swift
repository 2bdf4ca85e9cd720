/// NetworkManager: connection profiles (keyfiles, nm-settings-keyfile(5); legacy ifcfg-rh files,
/// nm-settings-ifcfg-rh(5)) and NetworkManager.conf device sections (NetworkManager.conf(5)).
/// A profile's `[sriov]` acts only while the profile is active on the PF; a `[device]` section's
/// `sriov-num-vfs=` acts whenever NM manages the device, with no profile.
enum NetworkManagerFiles {
  static let keyfileDirectories: [HostPath] = [
    HostPath("run/NetworkManager/system-connections"), HostPath("etc/NetworkManager/system-connections"),
    HostPath("usr/lib/NetworkManager/system-connections"),
  ]
  static let ifcfgDirectory = HostPath("etc/sysconfig/network-scripts")
  static let mainConf = HostPath("etc/NetworkManager/NetworkManager.conf")

  static func findings(_ context: OwnerContext) -> [OwnerFinding] {
    keyfiles(context) + ifcfg(context) + deviceSections(context)
  }

  /// Whether NetworkManager is installed or configured in this root.
  static func present(_ sysfs: any HostFiles) -> Bool {
    sysfs.exists(HostPath("etc/NetworkManager")) || sysfs.exists(HostPath("usr/sbin/NetworkManager"))
      || sysfs.exists(HostPath("usr/lib/systemd/system/NetworkManager.service"))
      || sysfs.exists(HostPath("lib/systemd/system/NetworkManager.service"))
  }

  // MARK: keyfiles

  static func keyfiles(_ context: OwnerContext) -> [OwnerFinding] {
    var out: [OwnerFinding] = []
    var seenUUIDs: Set<String> = []
    // A profile in /run shadows the same UUID in /etc, which shadows /usr/lib (NM's keyfile plugin).
    for directory in keyfileDirectories {
      let (paths, error) = context.reader.list(directory, suffix: ".nmconnection")
      if let error { out.append(.failure(.networkManager, directory, error)) }
      for path in paths {
        let text: String
        switch context.reader.read(path) {
        case .text(let t): text = t
        case .failed(let why):
          out.append(.failure(.networkManager, path, why))
          continue
        case .masked, .missing: continue
        }
        if let mode = context.modes.mode(of: path), mode.uid != 0 || mode.mode & 0o077 != 0 {
          continue  // NM ignores it: readable or writable by someone other than root
        }
        let ini = IniFile(text, dialect: .glib)
        if let uuid = ini.last("connection", "uuid")?.value {
          guard seenUUIDs.insert(uuid).inserted else { continue }
        }
        out += profile(ini, path: path, context)
      }
    }
    return out
  }

  static func profile(_ ini: IniFile, path: HostPath, _ context: OwnerContext) -> [OwnerFinding] {
    var settings: [OwnerSetting] = []
    var line: Int? = nil
    for e in ini.entries where e.section == "sriov" {
      line = line ?? e.line
      switch e.key {
      case "total-vfs": settings.append(OwnerSetting(OwnerSetting.vfCountKey, e.value))
      case "autoprobe-drivers":
        // -1 (default): leave as is; 0 false; 1 true (nm-settings-nmcli(5), sriov.autoprobe-drivers).
        if e.value == "0" || e.value == "1" { settings.append(OwnerSetting("autoprobe", e.value == "1" ? "true" : "false")) }
      case "eswitch-mode":
        // -1 preserve, 0 legacy, 1 switchdev (sriov.eswitch-mode).
        if e.value == "0" { settings.append(OwnerSetting("eswitch_mode", "legacy")) }
        if e.value == "1" { settings.append(OwnerSetting("eswitch_mode", "switchdev")) }
      default:
        if e.key.hasPrefix("vf."), let index = Int(e.key.dropFirst(3)) {
          settings.append(OwnerSetting("vf.\(index)", e.value))
        }
      }
    }
    guard !settings.isEmpty else { return [] }
    let id = ini.last("connection", "id")?.value ?? path.lastComponent ?? ""
    let when = "while profile '\(id)' is active"
    return context.pfs.compactMap { pf in
      context.finding(.networkManager, path, line: line, device: pf.device, settings: settings, when: when,
        match: profileMatch(ini, pf.device))
    }
  }

  /// `connection.interface-name` (exact), `ethernet.mac-address`, `match.interface-name` (globs,
  /// `!` negates), `match.driver`, `match.path`. Without any, NM may activate it on any Ethernet device.
  static func profileMatch(_ ini: IniFile, _ device: OwnerDevice) -> OwnerMatch {
    var parts: [OwnerMatch] = []
    if let name = ini.last("connection", "interface-name")?.value, !name.isEmpty {
      parts.append(device.netdevs.contains { $0.name == name } ? .yes : .no)
    }
    let mac = ini.last("ethernet", "mac-address") ?? ini.last("802-3-ethernet", "mac-address")
    if let mac, let want = normalizedMAC(mac.value) {
      parts.append(device.netdevs.contains { $0.mac == want } ? .yes : .no)
    }
    for (key, values) in [("interface-name", device.netdevs.map(\.name)), ("driver", device.driver.map { [$0] } ?? []),
      ("path", [device.pathID])]
    {
      guard let list = ini.last("match", key)?.value, !list.isEmpty else { continue }
      let words = list.split(separator: ";").map { String($0).trimmingBlanks }.filter { !$0.isEmpty }
      var positive = false, matched = false, excluded = false
      for w in words {
        if w.hasPrefix("!") {
          if values.contains(where: Glob(String(w.dropFirst())).matches) { excluded = true }
        } else {
          positive = true
          let glob = Glob(w.hasPrefix("|") || w.hasPrefix("&") ? String(w.dropFirst()) : w)
          if values.contains(where: glob.matches) { matched = true }
        }
      }
      parts.append(!excluded && (matched || !positive) ? .yes : .no)
    }
    if parts.isEmpty {
      return .maybe("the profile names no interface: NM may activate it on any Ethernet device")
    }
    return OwnerMatch.all(parts)
  }

  // MARK: ifcfg-rh

  static func ifcfg(_ context: OwnerContext) -> [OwnerFinding] {
    let (all, error) = context.reader.list(ifcfgDirectory, suffix: "")
    var out: [OwnerFinding] = error.map { [.failure(.ifcfg, ifcfgDirectory, $0)] } ?? []
    for path in all where path.lastComponent?.hasPrefix("ifcfg-") == true {
      let text: String
      switch context.reader.read(path) {
      case .text(let t): text = t
      case .failed(let why):
        out.append(.failure(.ifcfg, path, why))
        continue
      case .masked, .missing: continue
      }
      let vars = ShellVariables.parse(text)
      var settings: [OwnerSetting] = []
      var line: Int? = nil
      for v in vars {
        if v.name == "SRIOV_TOTAL_VFS" {
          settings.append(OwnerSetting(OwnerSetting.vfCountKey, v.value))
          line = line ?? v.line
        } else if v.name == "SRIOV_AUTOPROBE_DRIVERS" {
          settings.append(OwnerSetting("autoprobe", v.value == "1" ? "true" : v.value == "0" ? "false" : v.value))
        } else if v.name.hasPrefix("SRIOV_VF"), let index = Int(v.name.dropFirst(8)) {
          settings.append(OwnerSetting("vf.\(index)", v.value))
          line = line ?? v.line
        }
      }
      guard !settings.isEmpty else { continue }
      let device = vars.last { $0.name == "DEVICE" }?.value
      let hwaddr = vars.last(where: { $0.name == "HWADDR" }).flatMap { normalizedMAC($0.value) }
      let name = vars.last { $0.name == "NAME" }?.value ?? String(path.lastComponent!.dropFirst(6))
      for pf in context.pfs {
        var parts: [OwnerMatch] = []
        if let device { parts.append(pf.device.netdevs.contains { $0.name == device } ? .yes : .no) }
        if let hwaddr { parts.append(pf.device.netdevs.contains { $0.mac == hwaddr } ? .yes : .no) }
        let m = parts.isEmpty ? OwnerMatch.maybe("no DEVICE= or HWADDR=") : OwnerMatch.all(parts)
        if let f = context.finding(.ifcfg, path, line: line, device: pf.device, settings: settings,
          when: "while profile '\(name)' is active", match: m)
        {
          out.append(f)
        }
      }
    }
    return out
  }

  // MARK: NetworkManager.conf

  /// The configuration files in the order NM reads them: /usr/lib/NetworkManager/conf.d, then
  /// /run/NetworkManager/conf.d, then NetworkManager.conf, then /etc/NetworkManager/conf.d, each
  /// directory by name; a same-named file in /etc/.../conf.d shadows one in /run or /usr/lib, and
  /// one in /run shadows /usr/lib (NetworkManager.conf(5)).
  static func confFiles(_ reader: ConfigFileReader) -> (files: [HostPath], errors: [(HostPath, String)]) {
    let etc = HostPath("etc/NetworkManager/conf.d"), run = HostPath("run/NetworkManager/conf.d")
    let lib = HostPath("usr/lib/NetworkManager/conf.d")
    var errors: [(HostPath, String)] = []
    var names: [HostPath: [HostPath]] = [:]
    for d in [etc, run, lib] {
      let (files, error) = reader.list(d, suffix: ".conf")
      if let error { errors.append((d, error)) }
      names[d] = files
    }
    let etcNames = Set(names[etc]!.compactMap(\.lastComponent))
    let runNames = Set(names[run]!.compactMap(\.lastComponent))
    let libFiles = names[lib]!.filter { !etcNames.contains($0.lastComponent!) && !runNames.contains($0.lastComponent!) }
    let runFiles = names[run]!.filter { !etcNames.contains($0.lastComponent!) }
    return (libFiles + runFiles + [mainConf] + names[etc]!, errors)
  }

  struct DeviceSection {
    let file: HostPath
    let fileIndex: Int
    let entries: [IniFile.Entry]
  }

  static func readConf(_ context: OwnerContext) -> (sections: [DeviceSection], unmanaged: [(HostPath, IniFile.Entry)], errors: [OwnerFinding]) {
    let (files, listErrors) = confFiles(context.reader)
    var errors: [OwnerFinding] = listErrors.map { .failure(.networkManager, $0.0, $0.1) }
    var perFile: [[DeviceSection]] = []
    var unmanaged: [(HostPath, IniFile.Entry)] = []
    for (i, path) in files.enumerated() {
      let text: String
      switch context.reader.read(path) {
      case .text(let t): text = t
      case .failed(let why):
        errors.append(.failure(.networkManager, path, why))
        continue
      case .masked, .missing: continue
      }
      let ini = IniFile(text, dialect: .glib)
      var bySection: [Int: [IniFile.Entry]] = [:]
      for e in ini.entries where e.section == "device" || e.section.hasPrefix("device-") {
        bySection[e.sectionIndex, default: []].append(e)
      }
      perFile.append(bySection.keys.sorted().map { DeviceSection(file: path, fileIndex: i, entries: bySection[$0]!) })
      for e in ini.entries where e.section == "keyfile" && e.key == "unmanaged-devices" { unmanaged.append((path, e)) }
    }
    // Sections of later files are considered first; within a file, in order of appearance.
    return (perFile.reversed().flatMap { $0 }, unmanaged, errors)
  }

  /// `sriov-num-vfs=` from the first `[device*]` section that matches the PF and sets it.
  static func deviceSections(_ context: OwnerContext) -> [OwnerFinding] {
    let (sections, _, errors) = readConf(context)
    var out = errors
    for pf in context.pfs {
      for section in sections {
        guard let value = section.entries.last(where: { $0.key == "sriov-num-vfs" }) else { continue }
        let spec = section.entries.last { $0.key == "match-device" }?.value
        let m = spec.map { NMDeviceSpec.match($0, pf.device) } ?? .yes
        guard m.possible else { continue }
        if let f = context.finding(.networkManager, section.file, line: value.line, device: pf.device,
          settings: [OwnerSetting(OwnerSetting.vfCountKey, value.value)], when: "whenever NetworkManager manages the PF", match: m)
        {
          out.append(f)
        }
        if m == .yes { break }
      }
    }
    return out
  }

  /// VFs that `[keyfile] unmanaged-devices=` keeps NetworkManager off (the last assignment wins).
  static func unmanaged(_ context: OwnerContext) -> [OwnerFinding] {
    let (_, entries, _) = readConf(context)
    guard let (path, entry) = entries.last else { return [] }
    var out: [OwnerFinding] = []
    for pf in context.pfs {
      for vf in pf.vfs where !vf.netdevs.isEmpty && NMDeviceSpec.match(entry.value, vf) == .yes {
        out.append(OwnerFinding(kind: .networkManager, file: path, line: entry.line, pf: pf.address, vf: vf.vfIndex,
          settings: [OwnerSetting("nm_unmanaged", "1")], when: "always"))
      }
    }
    return out
  }
}

/// NetworkManager's device specs (NetworkManager.conf(5), "Device List Format"): a list split on
/// `,` or `;`; `interface-name:GLOB` (`:=` exact, `:~` case-insensitive), `mac:HWADDR` or a bare
/// HWADDR, `driver:NAME`, `path:ID_PATH`, `type:TYPE`, `*`, and `except:SPEC`. It matches when no
/// `except:` entry matches and a positive one does (or there are only `except:` entries).
enum NMDeviceSpec {
  static func match(_ spec: String, _ device: OwnerDevice) -> OwnerMatch {
    let items = spec.split(whereSeparator: { $0 == "," || $0 == ";" }).map { String($0).trimmingBlanks }.filter { !$0.isEmpty }
    var positive = false, matched = false
    var unsure: String? = nil
    for item in items {
      var body = item
      let except = body.hasPrefix("except:")
      if except { body = String(body.dropFirst(7)) }
      if !except { positive = true }
      let r = one(body, device)
      if case .maybe(let why) = r { unsure = why }
      if r == .yes {
        if except { return .no }
        matched = true
      }
    }
    if matched || !positive { return .yes }
    return unsure.map { .maybe($0) } ?? .no
  }

  static func one(_ item: String, _ device: OwnerDevice) -> OwnerMatch {
    func prefixed(_ p: String) -> String? { item.hasPrefix(p) ? String(item.dropFirst(p.count)) : nil }
    if item == "*" { return .yes }
    if let name = prefixed("interface-name:") {
      if name.hasPrefix("=") { return device.netdevs.contains { $0.name == String(name.dropFirst()) } ? .yes : .no }
      if name.hasPrefix("~") {
        let g = Glob(String(name.dropFirst()).lowercased())
        return device.netdevs.contains { g.matches($0.name.lowercased()) } ? .yes : .no
      }
      return device.netdevs.contains { Glob(name).matches($0.name) } ? .yes : .no
    }
    if let mac = prefixed("mac:") ?? (normalizedMAC(item) != nil ? item : nil) {
      let want = normalizedMAC(mac)
      return device.netdevs.contains { $0.mac != nil && $0.mac == want } ? .yes : .no
    }
    if let driver = prefixed("driver:") {
      let name = driver.split(separator: ":").first.map(String.init) ?? driver
      return device.driver.map { Glob(name).matches($0) } == true ? .yes : .no
    }
    if let path = prefixed("path:") { return Glob(path).matches(device.pathID) ? .yes : .no }
    if let type = prefixed("type:") { return Glob(type).matches("ethernet") ? .yes : .no }
    return .maybe("'\(item)' is decided on the running host")
  }
}

/// Shell variable assignments as ifcfg files hold them: `NAME=value`, `NAME="value"`,
/// `NAME='value'`; `#` comments. No expansion (NM's ifcfg-rh reader does none either).
enum ShellVariables {
  struct Variable {
    let name: String
    let value: String
    let line: Int
  }

  static func parse(_ text: String) -> [Variable] {
    var out: [Variable] = []
    for l in LogicalLines.split(text, comment: ["#"], continuation: false) {
      var body = Substring(l.text)
      if body.hasPrefix("export ") { body = body.dropFirst(7) }
      guard let eq = body.firstIndex(of: "="), !body[..<eq].isEmpty,
        body[..<eq].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
      else { continue }
      var value = body[body.index(after: eq)...]
      if let q = value.first, q == "\"" || q == "'" {
        value = value.dropFirst()
        if let end = value.firstIndex(of: q) { value = value[..<end] }
      } else if let hash = value.firstIndex(of: "#"), hash > value.startIndex, value[value.index(before: hash)] == " " {
        value = value[..<hash]
      }
      out.append(Variable(name: String(body[..<eq]), value: String(value).trimmingBlanks, line: l.line))
    }
    return out
  }
}
