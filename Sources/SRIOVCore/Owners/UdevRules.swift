/// udev rules (udev(7)) that set a VF count, run something that does, or keep NetworkManager off a
/// device. Rules files come from /etc/udev/rules.d, /run/udev/rules.d, /usr/local/lib/udev/rules.d,
/// /usr/lib/udev/rules.d (and /lib/udev/rules.d), sorted together by name; a file replaces a
/// same-named one in a later directory and a link to /dev/null masks it. A rule is one logical
/// line (a backslash continues it); `#` starts a comment line. Each rule is evaluated on its own
/// (GOTO/LABEL jumps are not followed), against every PF and VF both as the `pci` device and as
/// its `net` interfaces, as for an `add` event.
enum UdevRules {
  static let directories: [HostPath] = [
    HostPath("etc/udev/rules.d"), HostPath("run/udev/rules.d"), HostPath("usr/local/lib/udev/rules.d"),
    HostPath("usr/lib/udev/rules.d"), HostPath("lib/udev/rules.d"),
  ]

  struct Token: Equatable {
    let key: String
    let attribute: String?
    let op: String
    let value: String
  }

  /// `KEY{attr}OP"value"` items separated by commas; nil when the line is not a rule udev reads.
  static func tokenize(_ line: String) -> [Token]? {
    var tokens: [Token] = []
    let s = Array(line.unicodeScalars)
    var i = 0
    func skipSeparators() { while i < s.count && (s[i] == " " || s[i] == "\t" || s[i] == ",") { i += 1 } }
    skipSeparators()
    while i < s.count {
      var key = ""
      while i < s.count, s[i].properties.isAlphabetic || s[i] == "_" || (s[i].value >= 0x30 && s[i].value <= 0x39) {
        key.unicodeScalars.append(s[i])
        i += 1
      }
      guard !key.isEmpty else { return nil }
      var attribute: String? = nil
      if i < s.count && s[i] == "{" {
        var a = ""
        i += 1
        while i < s.count && s[i] != "}" {
          a.unicodeScalars.append(s[i])
          i += 1
        }
        guard i < s.count else { return nil }
        i += 1
        attribute = a
      }
      while i < s.count && (s[i] == " " || s[i] == "\t") { i += 1 }
      var op = ""
      while i < s.count, "=!+-:".unicodeScalars.contains(s[i]) {
        op.unicodeScalars.append(s[i])
        i += 1
      }
      guard ["==", "!=", "=", "+=", "-=", ":="].contains(op) else { return nil }
      while i < s.count && (s[i] == " " || s[i] == "\t") { i += 1 }
      // An `e` prefix marks C escapes in the value (systemd ≥ 250); the quotes are the same.
      if i < s.count && s[i] == "e" && i + 1 < s.count && s[i + 1] == "\"" { i += 1 }
      guard i < s.count && s[i] == "\"" else { return nil }
      i += 1
      var value = ""
      while i < s.count && s[i] != "\"" {
        if s[i] == "\\" && i + 1 < s.count {
          value.unicodeScalars.append(s[i])
          i += 1
        }
        value.unicodeScalars.append(s[i])
        i += 1
      }
      guard i < s.count else { return nil }
      i += 1
      tokens.append(Token(key: key, attribute: attribute, op: op, value: value))
      skipSeparators()
    }
    return tokens
  }

  /// One device as an event sees it: a PCI function, or one of its network interfaces.
  struct EventDevice {
    let device: OwnerDevice
    /// nil: the `pci` device itself.
    let netdev: OwnerDevice.Netdev?
    /// The PF's address, for a VF (what `device/physfn` leads to).
    let physfn: PCIAddress?
    let totalVFs: Int?
  }

  static func findings(_ context: OwnerContext) -> [OwnerFinding] {
    let (paths, errors) = context.reader.merged(directories, suffix: ".rules")
    var out: [OwnerFinding] = errors.map { OwnerFinding.failure(.udevRule, $0.0, $0.1) }
    var events: [EventDevice] = []
    for pf in context.pfs {
      let pfEvent = EventDevice(device: pf.device, netdev: nil, physfn: nil, totalVFs: pf.totalVFs)
      events.append(pfEvent)
      for n in pf.device.netdevs { events.append(EventDevice(device: pf.device, netdev: n, physfn: nil, totalVFs: pf.totalVFs)) }
      for vf in pf.vfs {
        events.append(EventDevice(device: vf, netdev: nil, physfn: pf.address, totalVFs: nil))
        for n in vf.netdevs { events.append(EventDevice(device: vf, netdev: n, physfn: pf.address, totalVFs: nil)) }
      }
    }
    for path in paths {
      let text: String
      switch context.reader.read(path) {
      case .text(let t): text = t
      case .failed(let why):
        out.append(.failure(.udevRule, path, why))
        continue
      case .masked, .missing: continue
      }
      for line in LogicalLines.split(text, comment: ["#"], continuation: true, joiner: "") {
        guard let tokens = tokenize(line.text) else {
          out.append(.failure(.udevRule, path, line: line.line, "udev cannot parse this rule: '\(line.text.prefix(60))'"))
          continue
        }
        out += rule(tokens, path: path, line: line.line, events: events, context)
      }
    }
    return SystemdNetworkFiles.dedupe(out)
  }

  static func rule(_ tokens: [Token], path: HostPath, line: Int, events: [EventDevice], _ context: OwnerContext) -> [OwnerFinding] {
    let isNetplan = tokens.contains { $0.key == "RUN" && $0.value.contains("netplan") && $0.value.contains("--sriov-only") }
    // Most rules set nothing SR-IOV related: skip them before looking at any device.
    let relevant = tokens.contains { t in
      t.op != "==" && t.op != "!="
        && ((t.key == "ATTR" && ["sriov_numvfs", "device/sriov_numvfs", "sriov_drivers_autoprobe"].contains(t.attribute ?? ""))
          || (t.key == "ENV" && t.attribute == "NM_UNMANAGED") || (t.key == "RUN" && (isNetplan || t.value.contains("sriov_numvfs"))))
    }
    guard relevant else { return [] }
    var out: [OwnerFinding] = []
    for event in events {
      var settings: [OwnerSetting] = []
      var target: OwnerDevice? = nil
      for t in tokens where t.op == "=" || t.op == ":=" || t.op == "+=" {
        switch (t.key, t.attribute) {
        case ("ATTR", "sriov_numvfs") where event.netdev == nil && event.physfn == nil:
          settings.append(OwnerSetting(OwnerSetting.vfCountKey, t.value))
          target = event.device
        case ("ATTR", "device/sriov_numvfs") where event.netdev != nil && event.physfn == nil:
          settings.append(OwnerSetting(OwnerSetting.vfCountKey, t.value))
          target = event.device
        case ("ATTR", "sriov_drivers_autoprobe") where event.netdev == nil && event.physfn == nil:
          settings.append(OwnerSetting("autoprobe", t.value == "1" ? "true" : t.value == "0" ? "false" : t.value))
          target = event.device
        case ("ENV", "NM_UNMANAGED") where event.netdev != nil:
          settings.append(OwnerSetting("nm_unmanaged", t.value))
          target = event.device
        case ("RUN", _):
          if isNetplan {
            if event.netdev != nil && event.physfn == nil {
              settings.append(OwnerSetting("runs", "netplan apply --sriov-only"))
              target = event.device
            }
          } else if let (count, written) = RunCommand.sriovWrite(t.value, event: event, context) {
            settings.append(OwnerSetting(OwnerSetting.vfCountKey, count))
            target = written
          }
        default: continue
        }
      }
      guard let target, !settings.isEmpty else { continue }
      let m = OwnerMatch.all(tokens.filter { $0.op == "==" || $0.op == "!=" }.map { test($0, event) })
      let kind: OwnerKind = isNetplan ? .netplan : .udevRule
      if let f = context.finding(kind, path, line: line, device: target, settings: settings,
        when: "on each udev event for the device (boot, driver load, 'udevadm trigger')", match: m)
      {
        out.append(f)
      }
    }
    return out
  }

  /// One match key against one event device. `|` separates alternative patterns (udev(7)).
  static func test(_ t: Token, _ e: EventDevice) -> OwnerMatch {
    let isNet = e.netdev != nil
    func compare(_ values: [String]?) -> OwnerMatch {
      guard let values else { return .maybe("\(t.key)\(t.attribute.map { "{\($0)}" } ?? "") is decided on the running host") }
      let patterns = t.value.split(separator: "|", omittingEmptySubsequences: false).map { Glob(String($0)) }
      let hit = values.contains { v in patterns.contains { $0.matches(v) } }
      return (hit != (t.op == "!=")) ? .yes : .no
    }
    let hex = { (id: PCIID) in "0x" + id.description }
    switch (t.key, t.attribute) {
    case ("ACTION", _): return compare(["add"])
    case ("SUBSYSTEM", _): return compare([isNet ? "net" : "pci"])
    case ("SUBSYSTEMS", _): return compare(isNet ? ["net", "pci"] : ["pci"])
    case ("KERNEL", _): return compare([e.netdev?.name ?? e.device.address.description])
    case ("NAME", _): return compare(e.netdev.map { [$0.name] } ?? [""])
    case ("KERNELS", _):
      return compare((e.netdev.map { [$0.name] } ?? []) + [e.device.address.description])
    case ("DRIVER", _): return compare([isNet ? "" : e.device.driver ?? ""])
    case ("DRIVERS", _): return compare(e.device.driver.map { [$0] } ?? [])
    case ("ATTR", "address") where isNet: return compare(e.netdev?.mac.map { [$0] })
    case ("ATTR", "vendor") where !isNet: return compare([hex(e.device.vendorID)])
    case ("ATTR", "device") where !isNet: return compare([hex(e.device.deviceID)])
    case ("ATTR", "sriov_totalvfs") where !isNet, ("ATTR", "device/sriov_totalvfs") where isNet:
      return compare(e.totalVFs.map { [String($0)] } ?? [])
    case ("ATTR", "device/physfn/uevent") where isNet:
      // sd-device reads the PF's uevent file whole; PCI_SLOT_NAME is its address.
      return compare(e.physfn.map { ["PCI_SLOT_NAME=\($0)"] } ?? [])
    case ("ATTRS", "vendor"): return compare([hex(e.device.vendorID)])
    case ("ATTRS", "device"): return compare([hex(e.device.deviceID)])
    case ("ATTRS", "sriov_totalvfs"): return compare(e.totalVFs.map { [String($0)] } ?? [])
    case ("ENV", "ID_PATH"): return compare([e.device.pathID])
    case ("ENV", "INTERFACE") where isNet: return compare(e.netdev.map { [$0.name] })
    case ("ENV", "ID_NET_DRIVER") where isNet: return compare(e.device.driver.map { [$0] } ?? [])
    case ("ENV", "DEVTYPE") where isNet: return compare([""])
    default: return compare(nil)
    }
  }
}

/// A `RUN+=` command that writes a VF count: `echo N > PATH/sriov_numvfs` (sh -c), or a helper
/// given the count and the device.
enum RunCommand {
  /// The count as written and the PF written to; nil when the command writes no `sriov_numvfs`.
  static func sriovWrite(_ command: String, event: UdevRules.EventDevice, _ context: OwnerContext) -> (String, OwnerDevice)? {
    guard command.contains("sriov_numvfs") else { return nil }
    let words = command.split(whereSeparator: { $0 == " " || $0 == "'" || $0 == "\"" || $0 == ";" }).map(String.init)
    var count = "?"
    if let echo = words.firstIndex(of: "echo"), echo + 1 < words.count { count = words[echo + 1] }
    guard let pathWord = words.first(where: { $0.hasSuffix("sriov_numvfs") }) else { return nil }
    let path = pathWord.hasPrefix(">") ? String(pathWord.dropFirst()) : pathWord
    let parts = path.split(separator: "/").map(String.init)
    // /sys/class/net/NAME/device/sriov_numvfs
    if let i = parts.firstIndex(of: "net"), i + 1 < parts.count, i > 0, parts[i - 1] == "class" {
      let name = parts[i + 1]
      if name.contains("%") || name.contains("$") { return event.netdev != nil && event.physfn == nil ? (count, event.device) : nil }
      guard event.netdev?.name == name || (event.netdev == nil && event.device.netdevs.contains { $0.name == name }),
        let d = context.device(netdev: name), !d.isVF
      else { return nil }
      return (count, d)
    }
    // /sys/bus/pci/devices/ADDR/sriov_numvfs
    if let i = parts.firstIndex(of: "devices"), i + 1 < parts.count {
      let name = parts[i + 1]
      if name.contains("%") || name.contains("$") { return event.physfn == nil ? (count, event.device) : nil }
      guard let a = PCIAddress(strict: name), a == event.device.address, event.physfn == nil else { return nil }
      return (count, event.device)
    }
    // $devpath, %p, $sys$devpath...: the event's own device.
    if path.contains("%p") || path.contains("$devpath") || path.contains("%k") || path.contains("$kernel") {
      return event.physfn == nil ? (count, event.device) : nil
    }
    return nil
  }
}
