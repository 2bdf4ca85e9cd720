/// A path inside the host root, kept as normalised components so it can never climb out of the root.
public struct HostPath: Hashable, Sendable, CustomStringConvertible {
  public let components: [String]

  /// `text` is a trusted, literal layout path such as `sys/bus/pci/devices`.
  public init(_ text: String) {
    components = text.split(separator: "/").map(String.init)
  }

  init(components: [String]) { self.components = components }

  /// Appends one name. Names reach here only after validation (addresses, netdev names, sysfs
  /// listings), so a separator or dot-dot is a programming error.
  public func appending(_ name: String) -> HostPath {
    precondition(!name.isEmpty && !name.contains("/") && name != ".." && name != ".", "unsafe path component '\(name)'")
    return HostPath(components: components + [name])
  }

  public var parent: HostPath { HostPath(components: Array(components.dropLast())) }
  public var lastComponent: String? { components.last }

  /// Resolves a relative symlink target against this directory; nil if it would leave the root.
  public func appendingLinkTarget(_ target: String) -> HostPath? {
    guard !target.hasPrefix("/") else { return nil }
    var resolved = components
    for part in target.split(separator: "/") {
      switch part {
      case ".": continue
      case "..":
        guard !resolved.isEmpty else { return nil }
        resolved.removeLast()
      default: resolved.append(String(part))
      }
    }
    return HostPath(components: resolved)
  }

  /// As the kernel would name it on the live host.
  public var description: String { "/" + components.joined(separator: "/") }
}
