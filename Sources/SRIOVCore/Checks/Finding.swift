/// How a preflight finding came out.
public enum Severity: String, Sendable, CaseIterable {
  case pass, warn, fail, unknown

  /// The label in text output.
  public var label: String { rawValue.uppercased() }
}

/// One result of one check about one subject (`host` or a PCI address).
public struct Finding: Hashable, Sendable {
  /// Stable id scripts may match on, e.g. `iommu.kernel`.
  public let check: String
  public let subject: String
  public let severity: Severity
  public let message: String
  /// The fix; nil on a pass.
  public let hint: String?

  public init(_ check: String, _ subject: String, _ severity: Severity, _ message: String, hint: String? = nil) {
    self.check = check
    self.subject = subject
    self.severity = severity
    self.message = message
    self.hint = hint
  }
}

/// Shared hint texts.
enum Hints {
  /// Under another root: what the capture lacks and how to get it (never "run as root": privilege
  /// on this machine changes nothing about a copy).
  static func capture(_ what: String) -> String {
    "the capture lacks \(what); on the host, run 'sudo sriovctl capture DIR' and use --root DIR"
  }
  static let runAsRoot = "run as root (sudo): config space past 64 bytes (ACS, SR-IOV capability) is readable only with CAP_SYS_ADMIN"
  static let enomem =
    "enable SR-IOV and above-4G decoding (MMIO above 4G) in the BIOS, or boot with pci=realloc"
}
