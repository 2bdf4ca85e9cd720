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
    // Byte-wise: a listing appends several names per function, and a Character scan showed.
    precondition(!name.isEmpty && !Self.hasSlash(name) && name != ".." && name != ".", "unsafe path component '\(name)'")
    return HostPath(components: components + [name])
  }

  private static func hasSlash(_ name: String) -> Bool {
    name.utf8.withContiguousStorageIfAvailable { $0.contains(UInt8(ascii: "/")) } ?? name.utf8.contains(UInt8(ascii: "/"))
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

  /// The last component of `appendingLinkTarget(target)`: `.some(nil)` when that is the root
  /// itself; nil when the target leaves the root. Links of sysfs' own shape are answered without
  /// building the path (`lastNameOfPlainTarget`); any other shape is resolved in full.
  public func lastComponent(ofLinkTarget target: String) -> String?? {
    var text = target
    let depth = components.count
    if let name = text.withUTF8({ bytes in
      Self.lastNameOfPlainTarget(bytes, depth: depth).map { String(decoding: UnsafeBufferPointer(rebasing: bytes[$0]), as: UTF8.self) }
    }) {
      return .some(name)
    }
    guard let resolved = appendingLinkTarget(target) else { return nil }
    return .some(resolved.lastComponent)
  }

  /// For a link target of the shape sysfs writes (`../../../devices/pci0000:3a/0000:3b:02.0`: `..`
  /// steps, then names, none empty, `.` or `..`) from a directory `depth` components deep: where
  /// the last name is in `bytes`, which is then what `appendingLinkTarget` would end in. nil for
  /// any other shape, or when the steps climb above the root (the full resolver answers those).
  static func lastNameOfPlainTarget(_ bytes: UnsafeBufferPointer<UInt8>, depth: Int) -> Range<Int>? {
    let dot = UInt8(ascii: "."), slash = UInt8(ascii: "/")
    var start = 0
    var ups = 0
    while start + 2 < bytes.count && bytes[start] == dot && bytes[start + 1] == dot && bytes[start + 2] == slash {
      start += 3
      ups += 1
    }
    guard start < bytes.count, ups <= depth else { return nil }
    var componentStart = start
    for index in start...bytes.count where index == bytes.count || bytes[index] == slash {
      let length = index - componentStart
      if length == 0 { return nil }
      if bytes[componentStart] == dot && (length == 1 || (length == 2 && bytes[componentStart + 1] == dot)) { return nil }
      if index == bytes.count { return componentStart..<index }
      componentStart = index + 1
    }
    return nil
  }

  /// As the kernel would name it on the live host.
  public var description: String { "/" + components.joined(separator: "/") }
}
