/// systemd `.link` files (systemd-udevd's net_setup_link) and `.network` files (systemd-networkd).
///
/// systemd.link(5), systemd.network(5): files are read from /etc/systemd/network,
/// /run/systemd/network, /usr/local/lib/systemd/network and /usr/lib/systemd/network (and /lib on
/// hosts without merged /usr), sorted together by name; a file replaces a same-named one in a
/// later directory; an empty file or a link to /dev/null masks it. The first file (in that order)
/// whose [Match] matches an interface is the one applied — for both kinds. Drop-ins: every
/// `foo.link.d/*.conf` in those directories (merged by name the same way, in name order) is
/// parsed after `foo.link`.
enum SystemdNetworkFiles {
  static let directories: [HostPath] = [
    HostPath("etc/systemd/network"), HostPath("run/systemd/network"), HostPath("usr/local/lib/systemd/network"),
    HostPath("usr/lib/systemd/network"), HostPath("lib/systemd/network"),
  ]

  enum Kind {
    case link, network
    var suffix: String { self == .link ? ".link" : ".network" }
    var owner: OwnerKind { self == .link ? .systemdLink : .systemdNetworkd }
  }

  static func findings(_ context: OwnerContext) -> [OwnerFinding] {
    findings(.link, context) + findings(.network, context)
  }

  struct Parsed {
    let path: HostPath
    let file: IniFile
  }

  static func findings(_ kind: Kind, _ context: OwnerContext) -> [OwnerFinding] {
    let (paths, errors) = context.reader.merged(directories, suffix: kind.suffix)
    var out: [OwnerFinding] = errors.map { OwnerFinding.failure(kind.owner, $0.0, $0.1) }
    var files: [Parsed] = []
    for path in paths {
      switch context.reader.read(path) {
      case .masked, .missing: continue
      case .failed(let why): out.append(.failure(kind.owner, path, why))
      case .text(let text):
        if text.isEmpty { continue }  // an empty file masks too
        var ini = IniFile(text, dialect: .systemd)
        if let name = path.lastComponent {
          let (dropIns, dropErrors) = context.reader.merged(directories.map { $0.appending(name + ".d") }, suffix: ".conf")
          out += dropErrors.map { OwnerFinding.failure(kind.owner, $0.0, $0.1) }
          for dropIn in dropIns {
            switch context.reader.read(dropIn) {
            case .text(let t): ini.append(dropIn: IniFile(t, dialect: .systemd), from: dropIn)
            case .failed(let why): out.append(.failure(kind.owner, dropIn, why))
            case .masked, .missing: continue
            }
          }
        }
        if let bad = ini.bad.first {
          // systemd logs and ignores such a line; the rest of the file still applies.
          out.append(.failure(kind.owner, path, line: bad.line, "not a section or Key=Value line: '\(bad.text.prefix(60))'"))
        }
        if kind == .network && !hasMatch(ini) { continue }  // networkd ignores such a file
        files.append(Parsed(path: path, file: ini))
      }
    }
    let when = kind == .link ? "when udev sees the interface appear (boot, driver load)" : "when systemd-networkd configures the interface"
    for pf in context.pfs {
      // Each interface of the PF gets the first matching file.
      for netdev in pf.device.netdevs {
        var earlierMaybe: String? = nil
        for f in files {
          let m = match(f.file, kind: kind, device: pf.device, netdev: netdev)
          if m == .no { continue }
          let settings = sriovSettings(f.file, kind: kind)
          var certainty = m
          if let earlier = earlierMaybe, m == .yes { certainty = .maybe("only if \(earlier) does not match first") }
          if let finding = context.finding(kind.owner, settings.source ?? f.path, line: settings.line, device: pf.device,
            settings: settings.values, when: when, match: certainty)
          {
            out.append(finding)
          }
          if m == .yes { break }
          if case .maybe = m { earlierMaybe = f.path.lastComponent ?? f.path.description }
        }
      }
    }
    return dedupe(out)
  }

  /// The same file reached through two interfaces of one PF is one finding.
  static func dedupe(_ findings: [OwnerFinding]) -> [OwnerFinding] {
    var seen: Set<OwnerFinding> = []
    return findings.filter { seen.insert($0).inserted }
  }

  static let matchKeys: Set<String> = ["MACAddress", "PermanentMACAddress", "Path", "Driver", "Type", "OriginalName", "Name",
    "Kind", "Property", "Host", "Virtualization", "KernelCommandLine", "KernelVersion", "Credential", "Architecture",
    "Firmware", "WLANInterfaceType", "SSID", "BSSID"]

  static func hasMatch(_ ini: IniFile) -> Bool {
    ini.entries.contains { $0.section == "Match" && matchKeys.contains($0.key) && !$0.value.isEmpty }
  }

  /// The [Match] section against one interface of `device`. A .link file without match settings
  /// matches every interface (systemd warns and suggests OriginalName=*).
  static func match(_ ini: IniFile, kind: Kind, device: OwnerDevice, netdev: OwnerDevice.Netdev) -> OwnerMatch {
    var lists: [String: SystemdMatchList] = [:]
    var macs: [String: [String]] = [:]
    var runtime: [String] = []
    for e in ini.entries where e.section == "Match" {
      switch e.key {
      case "MACAddress", "PermanentMACAddress":
        // A list of addresses, not globs; an empty assignment resets it.
        if e.value.isEmpty { macs[e.key] = nil } else {
          macs[e.key, default: []] += SystemdWords.split(e.value).map { normalizedMAC($0) ?? $0.lowercased() }
        }
      case "Path", "Driver", "Type", "OriginalName", "Name":
        lists[e.key, default: SystemdMatchList()].assign(e.value)
      case "WLANInterfaceType", "SSID", "BSSID":
        if !e.value.isEmpty { return .no }  // wireless only; these are Ethernet functions
      default:
        if !e.value.isEmpty { runtime.append(e.key) }
      }
    }
    var parts: [OwnerMatch] = []
    for (key, list) in macs.sorted(by: { $0.key < $1.key }) {
      guard let mac = netdev.mac else {
        parts.append(.maybe("\(key)= but the MAC address is unreadable"))
        continue
      }
      // sysfs has no permanent address: for a PF it is the current one unless someone changed it.
      parts.append(list.contains(mac) ? .yes : .no)
    }
    for (key, list) in lists.sorted(by: { $0.key < $1.key }) where !list.isEmpty {
      switch key {
      case "Path": parts.append(list.test([device.pathID]) ? .yes : .no)
      case "Driver": parts.append(list.test(device.driver.map { [$0] } ?? []) ? .yes : .no)
      case "Type": parts.append(list.test(["ether"]) ? .yes : .no)
      case "Name": parts.append(list.test([netdev.name]) ? .yes : .no)
      default:  // OriginalName: the kernel's name before any rename, which sysfs no longer shows
        if list.words == ["*"] { parts.append(.yes) } else {
          parts.append(.maybe("OriginalName= is the kernel's name before renaming (unknown here)"))
        }
      }
    }
    for key in runtime { parts.append(.maybe("\(key)= is decided on the running host")) }
    if parts.isEmpty && kind == .link { return .yes }
    return OwnerMatch.all(parts)
  }

  /// `SR-IOVVirtualFunctions=` ([Link], .link only) and each `[SR-IOV]` section's VF settings.
  /// With the line (and the drop-in, if any) of the VF count, else of the first `[SR-IOV]` section.
  static func sriovSettings(_ ini: IniFile, kind: Kind) -> (values: [OwnerSetting], line: Int?, source: HostPath?) {
    var values: [OwnerSetting] = []
    var line: Int? = nil
    var source: HostPath? = nil
    if kind == .link, let count = ini.last("Link", "SR-IOVVirtualFunctions"), !count.value.isEmpty {
      values.append(OwnerSetting(OwnerSetting.vfCountKey, count.value))
      line = count.line
      source = count.source
    }
    var sections: [Int: [IniFile.Entry]] = [:]
    for e in ini.entries where e.section == "SR-IOV" { sections[e.sectionIndex, default: []].append(e) }
    for index in sections.keys.sorted() {
      let entries = sections[index]!
      guard let vf = entries.last(where: { $0.key == "VirtualFunction" }) else { continue }
      let keys = entries.filter { $0.key != "VirtualFunction" }.map { "\($0.key)=\($0.value)" }
      values.append(OwnerSetting("vf.\(vf.value)", keys.isEmpty ? "(section without settings)" : keys.joined(separator: " ")))
      if line == nil {
        line = vf.line
        source = vf.source
      }
    }
    return (values, line, source)
  }
}
