/// Module options that create VFs when the PF driver loads (modprobe.d(5)): `options MODULE
/// opt=value ...` lines in /etc/modprobe.d, /run/modprobe.d, /usr/local/lib/modprobe.d,
/// /usr/lib/modprobe.d and /lib/modprobe.d (`*.conf`; a same-named file in an earlier directory
/// replaces the later one), a backslash continuing a line; and `MODULE.opt=value` on the kernel
/// command line, which modprobe also applies. `-` and `_` are the same in module names.
///
/// igb and ixgbe take `max_vfs` (in-tree: one number for every port; Intel's out-of-tree drivers:
/// a comma list, one per port in probe order), mlx4_core takes `num_vfs` (a number, or a
/// per-port/per-device form that is reported as written).
enum ModprobeOptions {
  static let directories: [HostPath] = [
    HostPath("etc/modprobe.d"), HostPath("run/modprobe.d"), HostPath("usr/local/lib/modprobe.d"),
    HostPath("usr/lib/modprobe.d"), HostPath("lib/modprobe.d"),
  ]
  /// Module → option that sets VF counts.
  static let options: [String: String] = ["igb": "max_vfs", "ixgbe": "max_vfs", "mlx4_core": "num_vfs"]

  static func normalize(_ module: String) -> String { module.replacingDashes }

  static func findings(_ context: OwnerContext) -> [OwnerFinding] {
    let (paths, errors) = context.reader.merged(directories, suffix: ".conf")
    var out: [OwnerFinding] = errors.map { OwnerFinding.failure(.modprobe, $0.0, $0.1) }
    for path in paths {
      switch context.reader.read(path) {
      case .text(let text):
        for line in LogicalLines.split(text, comment: ["#"], continuation: true, joiner: "") {
          let words = line.text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
          guard words.count >= 3, words[0] == "options" else { continue }
          out += claims(module: words[1], words[2...], file: path, line: line.line, when: "when the driver loads", context)
        }
      case .failed(let why): out.append(.failure(.modprobe, path, why))
      case .masked, .missing: continue
      }
    }
    let cmdline = HostPath("proc/cmdline")
    if case .text(let text) = context.reader.read(cmdline) {
      for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
        guard let dot = word.firstIndex(of: "."), word.contains("=") else { continue }
        out += claims(module: String(word[..<dot]), [String(word[word.index(after: dot)...])], file: cmdline, line: 1,
          when: "when the driver loads (kernel command line)", context)
      }
    }
    return out
  }

  static func claims(module raw: String, _ words: ArraySlice<String>, file: HostPath, line: Int, when: String,
    _ context: OwnerContext) -> [OwnerFinding]
  {
    let module = normalize(raw)
    guard let option = options[module] else { return [] }
    guard let word = words.last(where: { $0.hasPrefix(option + "=") }) else { return [] }
    let value = String(word.dropFirst(option.count + 1))
    // The PFs this module drives, in PCI address order (the order it probes them).
    let pfs = context.pfs.filter { $0.device.driver.map(normalize) == module }.sorted { $0.address < $1.address }
    let values = value.split(separator: ",").map(String.init)
    var out: [OwnerFinding] = []
    for (i, pf) in pfs.enumerated() {
      var count = value
      var uncertain: String? = nil
      if module == "mlx4_core" {
        if Int(value) == nil { uncertain = "mlx4_core num_vfs='\(value)' is per port or per device; read as written" }
      } else if values.count > 1 {
        guard i < values.count else { continue }  // no value for this port
        count = values[i]
        uncertain = "a per-port list is the out-of-tree driver's form (in-tree \(module) takes one number); port order assumed to be PCI address order"
      }
      out.append(OwnerFinding(kind: .modprobe, file: file, line: line, pf: pf.address,
        settings: [OwnerSetting(OwnerSetting.vfCountKey, count)], when: when, uncertain: uncertain))
    }
    return out
  }
}

extension String {
  var replacingDashes: String { String(map { $0 == "-" ? "_" : $0 }) }
}
