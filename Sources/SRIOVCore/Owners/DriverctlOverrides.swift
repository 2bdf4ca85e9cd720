/// driverctl(8) overrides: `/etc/driverctl.d/<bus>-<device>` holds the driver name that
/// driverctl's udev rule sets as `driver_override` whenever the device appears. It decides which
/// driver a PF or a VF gets, never a count.
enum DriverctlOverrides {
  static let directory = HostPath("etc/driverctl.d")

  static func findings(_ context: OwnerContext) -> [OwnerFinding] {
    let (paths, error) = context.reader.list(directory, suffix: "")
    var out: [OwnerFinding] = error.map { [.failure(.driverctl, directory, $0)] } ?? []
    for path in paths {
      guard let name = path.lastComponent, name.hasPrefix("pci-"), let address = PCIAddress(strict: String(name.dropFirst(4)))
      else { continue }
      guard let device = context.device(address: address) else { continue }
      switch context.reader.read(path) {
      case .text(let text):
        let driver = text.split(separator: "\n").first.map { String($0).trimmingBlanks } ?? ""
        guard !driver.isEmpty else { continue }
        out.append(OwnerFinding(kind: .driverctl, file: path, line: 1, pf: device.pf, vf: device.vfIndex,
          settings: [OwnerSetting(device.isVF ? "vf_driver" : "driver", driver)], when: "whenever the device appears"))
      case .failed(let why): out.append(.failure(.driverctl, path, why))
      case .masked, .missing: continue
      }
    }
    return out
  }
}
