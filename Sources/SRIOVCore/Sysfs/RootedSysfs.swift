import Synchronization
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Directories already resolved inside the root during one read-only pass (see
/// `RootedSysfs.cachingResolutions()`). Holds only results of the rooted walk, and only for paths
/// whose every component existed, so it can make nothing reachable that the walk would refuse.
final class ResolutionCache: Sendable {
  struct State {
    /// `realPath` results, by the path asked for.
    var resolved: [HostPath: HostPath] = [:]
    /// Paths known to exist and not to be symlinks (real directories on the way).
    var plain: Set<HostPath> = []
    /// Link targets by full path (a device's bus link is read by several questions about it).
    var links: [String: String] = [:]
    /// `readLinkIfPresent` results by the link's full path.
    var resolvedLinks: [String: HostPath] = [:]
    /// Absolute path of the resolved directory, by the (unresolved) path asked for.
    var directories: [HostPath: String] = [:]
  }
  let state = Mutex(State())
  /// Directory-fd reads of function directories for the same pass (nil when not available).
  let functions: FunctionDirectories?

  init(functions: FunctionDirectories?) { self.functions = functions }

  func link(_ full: String) -> String? { state.withLock { $0.links[full] } }
  func remember(link full: String, target: String) { state.withLock { $0.links[full] = target } }

  func resolvedLink(_ full: String) -> HostPath? { state.withLock { $0.resolvedLinks[full] } }
  func remember(resolvedLink full: String, _ path: HostPath) { state.withLock { $0.resolvedLinks[full] = path } }

  func directory(_ path: HostPath) -> String? { state.withLock { $0.directories[path] } }
  func remember(directory path: HostPath, absolute: String) { state.withLock { $0.directories[path] = absolute } }

  func resolved(_ path: HostPath) -> HostPath? { state.withLock { $0.resolved[path] } }
  func isPlain(_ path: HostPath) -> Bool { state.withLock { $0.plain.contains(path) } }
  func remember(_ path: HostPath, as result: HostPath, plain: [HostPath]) {
    state.withLock { s in
      s.resolved[path] = result
      for p in plain { s.plain.insert(p) }
    }
  }
}

/// `Sysfs` over real files below a root directory.
public struct RootedSysfs: Sysfs {
  /// Absolute path of the host root, without a trailing slash ("" for `/`).
  public let rootPrefix: String
  /// Set on copies made by `cachingResolutions()`; nil: every call walks the path again.
  private let cache: ResolutionCache?

  public init(root: String) {
    var prefix = root
    while prefix.hasSuffix("/") { prefix.removeLast() }
    rootPrefix = prefix
    cache = nil
  }

  private init(rootPrefix: String, cache: ResolutionCache) {
    self.rootPrefix = rootPrefix
    self.cache = cache
  }

  /// A copy that remembers directories it has resolved inside the root (`realPath` of an existing
  /// path), for a read-only pass such as `list` or `show` over a tree that does not change meanwhile.
  /// Results are the same as without it; links are still resolved inside the root, once each.
  public func cachingResolutions() -> RootedSysfs {
    // The fd reader walks with an uncached copy: it must not hold the cache that holds it.
    let functions = FunctionDirectories(sysfs: RootedSysfs(root: rootPrefix.isEmpty ? "/" : rootPrefix))
    return RootedSysfs(rootPrefix: rootPrefix, cache: ResolutionCache(functions: functions))
  }

  /// The directory-fd reader of a caching copy (see `FunctionDirectories`).
  var functionDirectories: FunctionDirectories? { cache?.functions }

  public func absolute(_ path: HostPath) -> String {
    rootPrefix + path.description
  }

  /// The absolute path to hand to the OS, with every link above the last component resolved
  /// inside the root, so an absolute or `..`-heavy link in a capture can never lead outside it.
  /// On the live host (root `/`) there is no outside, and the OS resolves links itself.
  private func inRoot(_ path: HostPath, _ operation: SysfsError.Operation) throws(SysfsError) -> String {
    guard !rootPrefix.isEmpty, let last = path.lastComponent else { return absolute(path) }
    do {
      if cache != nil { return try cachedDirectory(path.parent) + "/" + last }
      return absolute(try realPath(path.parent).appending(last))
    } catch {
      throw SysfsError(operation, path: absolute(path), cause: error.cause)
    }
  }

  /// With a cache: the absolute path of `path` resolved inside the root, built once per directory.
  private func cachedDirectory(_ path: HostPath) throws(SysfsError) -> String {
    if let cache, let known = cache.directory(path) { return known }
    let real = try realPath(path)
    let full = absolute(real)
    // Only directories the walk found complete (and not the root itself, whose absolute form ends in '/').
    if let cache, !real.components.isEmpty, cache.resolved(path) != nil {
      cache.remember(directory: path, absolute: full)
    }
    return real.components.isEmpty ? rootPrefix : full
  }

  public func read(_ path: HostPath) throws(SysfsError) -> String {
    let full = try inRoot(path, .read)
    do {
      let fd = try FileDescriptor.open(full, .readOnly, options: [.closeOnExec])
      defer { try? fd.close() }
      var result: [UInt8] = []
      // sysfs attributes are at most a page; read until EOF anyway for ordinary files.
      var buffer = [UInt8](repeating: 0, count: 4096)
      while true {
        let count = try buffer.withUnsafeMutableBytes { try fd.read(into: $0) }
        if count == 0 { break }
        result.append(contentsOf: buffer[0..<count])
        // A regular file (sysfs attributes included) reads short only at its end.
        if count < buffer.count { break }
      }
      return String(decoding: result, as: UTF8.self)
    } catch {
      throw SysfsError(.read, path: full, cause: .errno(error as? Errno ?? .ioError))
    }
  }

  public func write(_ value: String, to path: HostPath) throws(SysfsError) {
    let full = try inRoot(path, .write(value))
    do {
      // No .create: a mistyped attribute must fail, as it does on sysfs.
      let fd = try FileDescriptor.open(full, .writeOnly, options: [.closeOnExec, .truncate])
      defer { try? fd.close() }
      _ = try fd.writeAll(Array(value.utf8))
    } catch {
      throw SysfsError(.write(value), path: full, cause: .errno(error as? Errno ?? .ioError))
    }
  }

  public func readLinkIfPresent(_ path: HostPath) throws(SysfsError) -> HostPath? {
    // The kernel resolves a relative target from the directory that really holds the link, which
    // differs from `path`'s parent when `path` runs through another link (bus/pci/devices/X).
    let full: String
    let directory: HostPath
    if cache != nil && !rootPrefix.isEmpty, let last = path.lastComponent {
      full = try cachedDirectory(path.parent) + "/" + last
      if let cache, let known = cache.resolvedLink(full) { return known }
      directory = try realPath(path.parent)
    } else {
      directory = try realPath(path.parent)
      guard let last = path.lastComponent else { return nil }
      full = absolute(directory.appending(last))
    }
    guard let target = try rawLink(atFullPath: full) else { return nil }
    guard let resolved = directory.appendingLinkTarget(target) else {
      throw SysfsError(.readLink, path: absolute(path), cause: .linkEscapesRoot(target))
    }
    cache?.remember(resolvedLink: full, resolved)
    return resolved
  }

  /// The link's target text, or nil when nothing exists there.
  private func rawLink(atFullPath full: String) throws(SysfsError) -> String? {
    if let cache, let known = cache.link(full) { return known }
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink(full, &buffer, buffer.count - 1)
    if n < 0 {
      let e = Errno(rawValue: Glibc.errno)
      if e == .noSuchFileOrDirectory { return nil }
      throw SysfsError(.readLink, path: full, cause: .errno(e))
    }
    let bytes: [UInt8] = buffer[0..<n].map { UInt8(bitPattern: $0) }
    let target = String(decoding: bytes, as: UTF8.self)
    cache?.remember(link: full, target: target)
    return target
  }

  private enum Kind { case missing, symlink, other }

  private func kind(_ path: HostPath) -> Kind {
    var info = stat()
    guard lstat(absolute(path), &info) == 0 else { return .missing }
    let type: mode_t = info.st_mode & mode_t(S_IFMT)
    return type == mode_t(S_IFLNK) ? .symlink : .other
  }

  /// `path` with every symlink in it resolved inside the root (like realpath(3), but rooted).
  public func realPath(_ path: HostPath) throws(SysfsError) -> HostPath {
    if let cache, let known = cache.resolved(path) { return known }
    var resolved = HostPath("")
    var pending: [String] = path.components.reversed()  // a stack: next component last
    var hops = 0
    var complete = true  // every component existed
    var plain: [HostPath] = []
    while let name = pending.popLast() {
      if name == "." || name.isEmpty { continue }
      if name == ".." {
        guard !resolved.components.isEmpty else {
          throw SysfsError(.readLink, path: absolute(path), cause: .linkEscapesRoot(path.description))
        }
        resolved = resolved.parent
        continue
      }
      let candidate = resolved.appending(name)
      let found: Kind = (cache?.isPlain(candidate) ?? false) ? .other : kind(candidate)
      guard found == .symlink else {
        if found == .missing { complete = false } else if cache != nil { plain.append(candidate) }
        resolved = candidate
        continue
      }
      hops += 1
      guard hops <= 40, let target = try rawLink(atFullPath: absolute(candidate)) else {
        throw SysfsError(.readLink, path: absolute(candidate), cause: .errno(.tooManySymbolicLinkLevels))
      }
      guard !target.hasPrefix("/") else {
        throw SysfsError(.readLink, path: absolute(candidate), cause: .linkEscapesRoot(target))
      }
      // Walk the target from the link's directory, then what was left of the path.
      let parts: [String] = target.split(separator: "/").map { String($0) }
      pending.append(contentsOf: parts.reversed())
    }
    if let cache, complete { cache.remember(path, as: resolved, plain: plain) }
    return resolved
  }

  public func list(_ path: HostPath) throws(SysfsError) -> [String] {
    // A directory is listed through its own link too (bus/pci/devices/X), so resolve all of it.
    let full = rootPrefix.isEmpty ? absolute(path) : absolute(try realPath(path))
    guard let dir = opendir(full) else {
      throw SysfsError(.list, path: full, cause: .errno(Errno(rawValue: Glibc.errno)))
    }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
  }

  public func exists(_ path: HostPath) -> Bool {
    // Whatever would lead outside the root does not exist in it.
    guard let full = try? inRoot(path, .read) else { return false }
    if let cache, cache.link(full) != nil { return true }  // a link read during this pass
    var info = stat()
    return lstat(full, &info) == 0
  }
}
