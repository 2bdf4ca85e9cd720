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
    // Scans UTF-8 bytes (a listing resolves thousands of links; Character-wise splitting was a
    // large share of its time). Same result as splitting on "/" and dropping empty parts.
    let bytes = target.utf8
    guard bytes.first != UInt8(ascii: "/") else { return nil }
    var resolved = components
    var start = bytes.startIndex
    while start != bytes.endIndex {
      let end = bytes[start...].firstIndex(of: UInt8(ascii: "/")) ?? bytes.endIndex
      let length: Int = bytes.distance(from: start, to: end)
      if length == 2 && bytes[start] == UInt8(ascii: ".") && bytes[bytes.index(after: start)] == UInt8(ascii: ".") {
        guard !resolved.isEmpty else { return nil }
        resolved.removeLast()
      } else if length > 1 || (length == 1 && bytes[start] != UInt8(ascii: ".")) {
        resolved.append(String(target[start..<end]))
      }
      start = end == bytes.endIndex ? end : bytes.index(after: end)
    }
    return HostPath(components: resolved)
  }

  /// As the kernel would name it on the live host.
  public var description: String { "/" + components.joined(separator: "/") }
}
