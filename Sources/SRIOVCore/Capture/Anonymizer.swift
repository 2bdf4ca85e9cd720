/// Replaces identifying values in a capture with stable placeholders: each distinct MAC address
/// becomes `02:00:00:00:xx:yy` (locally administered, numbered in the order met, so the same MAC
/// maps the same everywhere in one capture), the PCIe Device Serial Number is zeroed, and kernel
/// command-line values that name disks or hosts are replaced.
final class Anonymizer {
  private var macs: [MACAddress: MACAddress] = [:]

  /// The all-zero MAC ("no MAC set") stays as it is: it is state, not identity.
  func mac(_ original: MACAddress) -> MACAddress {
    if original.isZero { return original }
    if let known = macs[original] { return known }
    let n = macs.count + 1
    let replacement = MACAddress(bytes: [0x02, 0, 0, 0, UInt8((n >> 8) & 0xff), UInt8(n & 0xff)])!
    macs[original] = replacement
    return replacement
  }

  /// A netdev's `address` file: one MAC and a newline. Anything that does not parse is replaced
  /// wholesale (a broadcast or odd value must not leak either).
  func macLine(_ text: String) -> String {
    let value = text.split(separator: "\n").first.map(String.init) ?? ""
    let bytes: [UInt8] = value.split(separator: ":").compactMap { UInt8($0, radix: 16) }
    guard bytes.count == 6, let parsed = MACAddress(bytes: bytes) else { return "00:00:00:00:00:00\n" }
    return mac(parsed).description + "\n"
  }

  /// Config space with the Device Serial Number capability's 8 serial bytes zeroed.
  func config(_ bytes: [UInt8]) -> [UInt8] {
    var out = bytes
    for cap in ConfigSpace(bytes: bytes).extendedCapabilities() ?? [] where cap.id == Self.deviceSerialNumberID {
      for i in (cap.offset + 4)..<(cap.offset + 12) where i < out.count { out[i] = 0 }
    }
    return out
  }

  static let deviceSerialNumberID: UInt16 = 0x0003

  /// Kernel parameters that name disks, hosts or addresses lose their values; everything `check`
  /// reads (iommu, ACS, vfio, pci) stays.
  static let identifyingParameters: Set<String> = [
    "root", "resume", "ip", "nfsroot", "BOOT_IMAGE", "cryptdevice", "rd.luks.uuid", "rd.luks.name", "rd.lvm.lv",
    "hostname", "systemd.hostname",
  ]

  func cmdline(_ text: String) -> String {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let first: Substring = lines.first ?? ""
    let tokens: [String] = first.split(separator: " ").map { token in
      guard let eq = token.firstIndex(of: "=") else { return String(token) }
      let key = String(token[..<eq])
      let value = token[token.index(after: eq)...]
      if Self.identifyingParameters.contains(key) || value.contains("UUID=") { return key + "=anonymized" }
      return String(token)
    }
    return tokens.joined(separator: " ") + (text.hasSuffix("\n") ? "\n" : "")
  }
}
