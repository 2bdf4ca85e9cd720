import SRIOVCore
import SystemPackage

/// An in-memory host root with kernel-like link semantics (relative targets resolved from the
/// directory that holds the link, never leaving the root), so fuzzed trees cost no file I/O.
public final class MemorySysfs: HostFiles, @unchecked Sendable {
  enum Node { case directory, file(String), link(String) }
  private var nodes: [[String]: Node] = [[]: .directory]

  public init() {}

  public func file(_ path: String, _ content: String) {
    let parts = Self.split(path)
    makeDirectories(Array(parts.dropLast()))
    nodes[parts] = .file(content)
  }

  public func link(_ path: String, _ target: String) {
    let parts = Self.split(path)
    makeDirectories(Array(parts.dropLast()))
    nodes[parts] = .link(target)
  }

  public func directory(_ path: String) { makeDirectories(Self.split(path)) }

  private func makeDirectories(_ parts: [String]) {
    for i in 0...parts.count where nodes[Array(parts.prefix(i))] == nil { nodes[Array(parts.prefix(i))] = .directory }
  }

  static func split(_ path: String) -> [String] { path.split(separator: "/").map(String.init) }

  private func fail(_ op: SysfsError.Operation, _ path: HostPath, _ e: Errno) -> SysfsError {
    SysfsError(op, path: absolute(path), cause: .errno(e))
  }

  /// Every link in `parts` resolved (the last one too when `followLast`).
  private func resolve(_ parts: [String], followLast: Bool, _ op: SysfsError.Operation, _ path: HostPath) throws(SysfsError) -> [String] {
    var resolved: [String] = []
    var pending: [String] = parts.reversed()
    var hops = 0
    while let name = pending.popLast() {
      if name == "." || name.isEmpty { continue }
      if name == ".." {
        guard !resolved.isEmpty else { throw SysfsError(op, path: absolute(path), cause: .linkEscapesRoot("..")) }
        resolved.removeLast()
        continue
      }
      let candidate = resolved + [name]
      if case .link(let target)? = nodes[candidate], followLast || !pending.isEmpty {
        hops += 1
        guard hops <= 40 else { throw fail(op, path, .tooManySymbolicLinkLevels) }
        guard !target.hasPrefix("/") else { throw SysfsError(op, path: absolute(path), cause: .linkEscapesRoot(target)) }
        pending.append(contentsOf: Self.split(target).reversed())
        continue
      }
      resolved = candidate
    }
    return resolved
  }

  /// As the rooted door reads: never through a final link, regular files only, capped.
  public func read(_ path: HostPath, limit: Int) throws(SysfsError) -> String {
    let parts = try resolve(path.components, followLast: false, .read, path)
    switch nodes[parts] {
    case .file(let content)?:
      guard content.utf8.count <= limit else { throw SysfsError(.read, path: absolute(path), cause: .tooLarge(limit: limit)) }
      return content
    case .link?: throw SysfsError(.read, path: absolute(path), cause: .notRegularFile("a symbolic link"))
    case .directory?: throw SysfsError(.read, path: absolute(path), cause: .notRegularFile("a directory"))
    default: throw fail(.read, path, .noSuchFileOrDirectory)
    }
  }

  public func write(_ value: String, to path: HostPath) throws(SysfsError) { throw fail(.write(value), path, .permissionDenied) }

  public func readLinkIfPresent(_ path: HostPath) throws(SysfsError) -> HostPath? {
    let parent = try resolve(Array(path.components.dropLast()), followLast: true, .readLink, path)
    guard let last = path.lastComponent else { return nil }
    switch nodes[parent + [last]] {
    case nil: return nil
    case .link(let target)?:
      let directory = HostPath(parent.joined(separator: "/"))
      guard let resolved = directory.appendingLinkTarget(target) else {
        throw SysfsError(.readLink, path: absolute(path), cause: .linkEscapesRoot(target))
      }
      return resolved
    default: throw fail(.readLink, path, .invalidArgument)
    }
  }

  public func list(_ path: HostPath) throws(SysfsError) -> [String] {
    let parts = try resolve(path.components, followLast: true, .list, path)
    guard case .directory? = nodes[parts] else { throw fail(.list, path, nodes[parts] == nil ? .noSuchFileOrDirectory : .notDirectory) }
    let n = parts.count
    return nodes.keys.filter { $0.count == n + 1 && Array($0.prefix(n)) == parts }.map { $0[n] }.sorted()
  }

  public func exists(_ path: HostPath) -> Bool {
    guard let last = path.lastComponent else { return true }
    guard let parent = try? resolve(Array(path.components.dropLast()), followLast: true, .read, path) else { return false }
    return nodes[parent + [last]] != nil
  }

  public func absolute(_ path: HostPath) -> String { "/fuzz" + path.description }
  public func lockFile(_ path: HostPath) throws(SysfsError) -> Int32 { throw fail(.create, path, .permissionDenied) }
  public func vouch(_ path: HostPath, as libraryPath: String, limit: Int?) throws(SysfsError) { _ = try read(path, limit: limit ?? HostFileLimits.text) }
}

/// A name a directory listing could really return (no '/', not '.' or '..', not empty).
public func isListableName(_ name: String) -> Bool {
  !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.utf8.contains(0)
}
