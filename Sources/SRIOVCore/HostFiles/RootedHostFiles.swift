import CPCI
import Synchronization
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Directories already resolved inside the root during one read-only pass (see
/// `RootedHostFiles.cachingResolutions()`). Holds only results of the rooted walk, and only for paths
/// whose every component existed, so it can make nothing reachable that the walk would refuse.
final class ResolutionCache: Sendable {
  struct State {
    /// `realPath` results, by the path asked for.
    var resolved: [HostPath: HostPath] = [:]
    /// Paths known to exist and not to be symlinks (real directories on the way).
    var plain: Set<HostPath> = []
    /// Paths found missing (`lstat` ENOENT): a report probes many files under absent directories
    /// (`etc/NetworkManager/...` for owners), and each probe would walk to the missing one again.
    var missing: Set<HostPath> = []
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
  func isMissing(_ path: HostPath) -> Bool { state.withLock { $0.missing.contains(path) } }
  func remember(missing path: HostPath) { _ = state.withLock { $0.missing.insert(path) } }
  func remember(_ path: HostPath, as result: HostPath, plain: [HostPath]) {
    state.withLock { s in
      s.resolved[path] = result
      for p in plain { s.plain.insert(p) }
    }
  }
}

/// The host root's directory, opened once (`O_PATH`) so that every final open is resolved by the
/// kernel beneath it (see hostfiles.h). Shared by the copies of one `RootedHostFiles`.
final class RootDirectory: Sendable {
  /// -1 when the root cannot be opened (then every open fails with the path's own error).
  let fd: Int32
  /// Whether this root is the machine's own `/` (same device and inode), however it was spelled.
  let isLive: Bool

  init(path: String) {
    fd = path.withCString { hostfile_open_directory(AT_FDCWD, $0, 0, 1) }
    var mine = stat(), top = stat()
    isLive = fd >= 0 && fstat(fd, &mine) == 0 && stat("/", &top) == 0 && mine.st_dev == top.st_dev && mine.st_ino == top.st_ino
  }

  deinit { if fd >= 0 { close(fd) } }
}

/// `HostFiles` over real files below a root directory: the one door to the host's files. It enforces
/// the root boundary for every caller (docs/robustness.md): every component, the last included,
/// resolved inside the root; the final open `O_NOFOLLOW|O_NONBLOCK`, beneath the root's fd; only
/// regular files read or written; reads capped; attributes never created or truncated on open.
public struct RootedHostFiles: HostFiles {
  /// Absolute path of the host root, without a trailing slash ("" for the live host `/`).
  public let rootPrefix: String
  /// Set on copies made by `cachingResolutions()`; nil: every call walks the path again.
  private let cache: ResolutionCache?
  private let directory: RootDirectory

  /// `root` as the user gave it; `//`, `/./` or a link to `/` are the live host too.
  public init(root: String) {
    let directory = RootDirectory(path: root.isEmpty ? "/" : root)
    var prefix = root
    while prefix.hasSuffix("/") { prefix.removeLast() }
    rootPrefix = directory.isLive ? "" : prefix
    self.directory = directory
    cache = nil
  }

  private init(rootPrefix: String, cache: ResolutionCache, directory: RootDirectory) {
    self.rootPrefix = rootPrefix
    self.cache = cache
    self.directory = directory
  }

  /// Whether this is the machine's own root (then links need no rooted walk: there is no outside).
  public var isLive: Bool { rootPrefix.isEmpty }

  /// A copy that remembers directories it has resolved inside the root (`realPath` of an existing
  /// path), for a read-only pass such as `list` or `show` over a tree that does not change meanwhile.
  /// Results are the same as without it; links are still resolved inside the root, once each.
  public func cachingResolutions() -> RootedHostFiles {
    // The fd reader walks with an uncached copy: it must not hold the cache that holds it.
    let functions = FunctionDirectories(sysfs: RootedHostFiles(rootPrefix: rootPrefix, directory: directory))
    return RootedHostFiles(rootPrefix: rootPrefix, cache: ResolutionCache(functions: functions), directory: directory)
  }

  public func forReadOnlyPass() -> any HostFiles { cachingResolutions() }

  private init(rootPrefix: String, directory: RootDirectory) {
    self.rootPrefix = rootPrefix
    self.cache = nil
    self.directory = directory
  }

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

  public func read(_ path: HostPath, limit: Int) throws(SysfsError) -> String {
    // A function's attribute on a caching copy: read relative to its directory's fd (one page at
    // most there; anything longer or out of the ordinary is read below, with the precise error).
    if limit >= 4096, case let (reader, function, name?)? = pciFunction(path) {
      switch reader.read(name, in: function) {
      case .text(let text): return text
      case .missing: throw notFound(.read, path, function, name)
      case .unusual: break
      }
    }
    return String(decoding: try readBytes(path, limit: limit), as: UTF8.self)
  }

  /// `sys/bus/pci/devices/<function>` or `.../<function>/<name>` as the directory-fd reader of a
  /// caching copy knows it (see `FunctionDirectories`); nil: walk the path as for any other file.
  private func pciFunction(_ path: HostPath) -> (FunctionDirectories, FunctionDirectories.Function, String?)? {
    guard let reader = cache?.functions else { return nil }
    let c = path.components
    guard c.count == 5 || c.count == 6, c[3] == "devices", c[2] == "pci", c[1] == "bus", c[0] == "sys",
      let function = reader.function(c[4])
    else { return nil }
    return (reader, function, c.count == 6 ? c[5] : nil)
  }

  /// The error the walk gives for a missing entry of a function's directory, without walking.
  private func notFound(_ operation: SysfsError.Operation, _ path: HostPath, _ function: FunctionDirectories.Function, _ name: String) -> SysfsError {
    SysfsError(operation, path: rootPrefix.isEmpty ? absolute(path) : absolute(function.path.appending(name)),
      cause: .errno(.noSuchFileOrDirectory))
  }

  /// The bytes of the regular file at `path` (binary files such as `config`, copied by `capture`).
  public func readBytes(_ path: HostPath, limit: Int) throws(SysfsError) -> [UInt8] {
    let full = try inRoot(path, .read)
    let fd = try open(full, path, write: false, .read)
    defer { close(fd) }
    return try Self.readAll(fd, limit: limit, path: full)
  }

  /// The whole content of a file the user named (`-f FILE`, outside the host root): links followed
  /// as the user meant them, but only a regular file is read (a FIFO would block, a device never
  /// ends), and at most `limit` bytes.
  public static func readUserFile(_ path: String, limit: Int) throws(SysfsError) -> [UInt8] {
    var mode: UInt32 = 0
    let fd = path.withCString { hostfile_open(AT_FDCWD, $0, 0, 0, 1, &mode) }
    if fd == Int32(HOSTFILE_NOT_REGULAR) { throw SysfsError(.read, path: path, cause: .notRegularFile(SysfsError.kind(mode: mode))) }
    if fd < 0 { throw SysfsError(.read, path: path, cause: .errno(Errno(rawValue: -fd))) }
    defer { close(fd) }
    return try readAll(fd, limit: limit, path: path)
  }

  /// Up to `limit` bytes from `fd`, to its end; longer is an error, never a larger allocation.
  static func readAll(_ fd: Int32, limit: Int, path: String) throws(SysfsError) -> [UInt8] {
    var result: [UInt8] = []
    let outcome: Errno? = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { buffer in
      while true {
        // At the limit, one more byte tells a file of exactly `limit` bytes from a longer one.
        let wanted = max(1, min(buffer.count, limit - result.count))
        let n = Glibc.read(fd, buffer.baseAddress, wanted)
        if n < 0 {
          if errno == EINTR { continue }
          return Errno.last
        }
        if n == 0 { return nil }
        if result.count >= limit { return .fileTooLarge }
        result.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[0..<n]))
      }
    }
    switch outcome {
    case nil: return result
    case .fileTooLarge?: throw SysfsError(.read, path: path, cause: .tooLarge(limit: limit))
    case let e?: throw SysfsError(.read, path: path, cause: .errno(e))
    }
  }

  public func write(_ value: String, to path: HostPath) throws(SysfsError) {
    let full = try inRoot(path, .write(value))
    var mode: UInt32 = 0
    let bytes = Array(value.utf8)
    let rc = withTarget(full) { dirfd, relative, beneath in
      bytes.withUnsafeBufferPointer { buffer in
        hostfile_write(dirfd, relative, beneath, UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self), buffer.count, &mode)
      }
    }
    if rc < 0 { throw failure(rc, mode: mode, full, path, .write(value)) }
  }

  /// Runs `body` with what the final open takes: the root's fd and the path below it (the kernel
  /// then resolves it beneath the root), or, on the live host, the absolute path.
  private func withTarget<R>(_ full: String, _ body: (Int32, UnsafePointer<CChar>, Int32) -> R) -> R {
    if rootPrefix.isEmpty || directory.fd < 0 {
      return full.withCString { body(AT_FDCWD, $0, 0) }
    }
    // `full` is the root's path, '/', then the path resolved inside it.
    let relative = full.utf8.count > rootPrefix.utf8.count + 1 ? String(full.utf8.dropFirst(rootPrefix.utf8.count + 1))! : "."
    return relative.withCString { body(directory.fd, $0, 1) }
  }

  /// Opens the regular file at `full` (already resolved inside the root) for reading or writing.
  private func open(_ full: String, _ path: HostPath, write: Bool, _ operation: SysfsError.Operation) throws(SysfsError) -> Int32 {
    var mode: UInt32 = 0
    let fd = withTarget(full) { dirfd, relative, beneath in hostfile_open(dirfd, relative, write ? 1 : 0, beneath, 0, &mode) }
    if fd < 0 { throw failure(fd, mode: mode, full, path, operation) }
    return fd
  }

  /// The error for a negative result of a hostfiles.h call.
  private func failure(_ rc: Int32, mode: UInt32, _ full: String, _ path: HostPath, _ operation: SysfsError.Operation) -> SysfsError {
    switch rc {
    case Int32(HOSTFILE_NOT_REGULAR): return SysfsError(operation, path: full, cause: .notRegularFile(SysfsError.kind(mode: mode)))
    case Int32(HOSTFILE_LINKED): return SysfsError(operation, path: full, cause: .hardLinked)
    case -EXDEV:
      // RESOLVE_BENEATH: the tree changed under the rooted walk and now leads out of the root.
      return SysfsError(operation, path: full, cause: .linkEscapesRoot(path.description))
    default: return SysfsError(operation, path: full, cause: .errno(Errno(rawValue: -rc)))
    }
  }

  public func readLinkIfPresent(_ path: HostPath) throws(SysfsError) -> HostPath? {
    if let (reader, function, name) = pciFunction(path) {
      guard let name else { return function.path }  // the bus link itself, as the reader resolved it
      switch reader.readLink(name, in: function) {
      case .target(let resolved): return resolved
      case .missing: return nil
      case .unusual: break
      }
    }
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

  public func readLinkName(_ path: HostPath) throws(SysfsError) -> String?? {
    if case let (reader, function, name?)? = pciFunction(path) {
      switch reader.readLinkName(name, in: function) {
      case .name(let last): return .some(last)
      case .missing: return nil
      case .unusual: break
      }
    }
    return try readLinkIfPresent(path).map(\.lastComponent)
  }

  /// The link's target text, or nil when nothing exists there.
  private func rawLink(atFullPath full: String) throws(SysfsError) -> String? {
    if let cache, let known = cache.link(full) { return known }
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink(full, &buffer, buffer.count - 1)
    if n < 0 {
      let e = Errno.last
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
    var underMissing = false  // a component before this one was missing
    var plain: [HostPath] = []
    while let name = pending.popLast() {
      if name == "." || name.isEmpty { continue }
      if name == ".." {
        guard !resolved.components.isEmpty else {
          throw SysfsError(.readLink, path: absolute(path), cause: .linkEscapesRoot(path.description))
        }
        resolved = resolved.parent
        underMissing = false
        continue
      }
      let candidate = resolved.appending(name)
      let found: Kind
      if underMissing {
        found = .missing  // below a missing directory nothing exists: no lstat to ask
      } else if let cache {
        found = cache.isPlain(candidate) ? .other : cache.isMissing(candidate) ? .missing : kind(candidate)
        if found == .missing { cache.remember(missing: candidate) }
      } else {
        found = kind(candidate)
      }
      guard found == .symlink else {
        if found == .missing {
          complete = false
          underMissing = true
        } else if cache != nil {
          plain.append(candidate)
        }
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
    if let (reader, function, name) = pciFunction(path) {
      switch reader.list(name, in: function) {
      case .names(let names): return names
      case .missing: if let name { throw notFound(.list, path, function, name) }
      case .unusual: break
      }
    }
    // A directory is listed through its own link too (bus/pci/devices/X), so resolve all of it.
    let full = rootPrefix.isEmpty ? absolute(path) : absolute(try realPath(path))
    guard let dir = opendir(full) else {
      throw SysfsError(.list, path: full, cause: .errno(Errno.last))
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

  public func subdirectories(_ path: HostPath) throws(SysfsError) -> [String] {
    if let (reader, function, name) = pciFunction(path) {
      switch reader.list(name, in: function, directoriesOnly: true) {
      case .names(let names): return names
      case .missing: if let name { throw notFound(.list, path, function, name) }
      case .unusual: break
      }
    }
    let full = rootPrefix.isEmpty ? absolute(path) : absolute(try realPath(path))
    return try list(path).filter { name in
      var info = stat()
      return lstat(full + "/" + name, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }
  }

  public func exists(_ path: HostPath) -> Bool {
    if let (reader, function, name) = pciFunction(path) {
      guard let name else { return true }
      if let known = reader.exists(name, in: function) { return known }
    }
    // Whatever would lead outside the root does not exist in it.
    guard let full = try? inRoot(path, .read) else { return false }
    if let cache, cache.link(full) != nil { return true }  // a link read during this pass
    var info = stat()
    return lstat(full, &info) == 0
  }
}

// MARK: files the tool owns (the lock, persist's files, captures)

/// A file or link written under a unique temporary name next to its target, not yet in place:
/// `commit` renames it over the target, `discard` removes it. Several staged files can be checked
/// and written before any of them is put in place.
public final class StagedFile {
  public let path: HostPath
  fileprivate let directoryFD: Int32
  fileprivate let temporary: String
  fileprivate let name: String
  fileprivate var pending = true

  fileprivate init(path: HostPath, directoryFD: Int32, temporary: String, name: String) {
    self.path = path
    self.directoryFD = directoryFD
    self.temporary = temporary
    self.name = name
  }

  /// Puts the file in place (renameat over the target: a reader sees the old or the new, whole).
  public func commit() throws(Errno) {
    guard renameat(directoryFD, temporary, directoryFD, name) == 0 else { throw Errno.last }
    pending = false
  }

  /// Removes the temporary if it was not committed.
  public func discard() {
    if pending { unlinkat(directoryFD, temporary, 0) }
    pending = false
  }

  deinit {
    discard()
    close(directoryFD)
  }
}

/// An exclusive `flock` on a lock file the door opened (`HostFiles.lock`), released when the value is
/// dropped (the kernel also drops it when the process exits).
public final class HostFileLock: @unchecked Sendable {
  private let fd: Int32
  /// The lock file's absolute path, for messages (`fuser PATH`).
  public let path: String

  /// Takes the lock on `fd`, which it then owns (closed on failure too).
  init(locking fd: Int32, path: String) throws(SysfsError) {
    // A lock can be busy for an instant without another sriovctl: a process that forks (a test
    // runner, an agent embedding SRIOVCore) shares the lock's open file with the child until the
    // child's exec closes it. Retry for a tenth of a second before calling it taken.
    var attempts = 0
    while flock(fd, LOCK_EX | LOCK_NB) != 0 {
      let e = Errno.last
      guard (e == .wouldBlock || e == .interrupted) && attempts < 10 else {
        close(fd)
        throw SysfsError(.lock, path: path, cause: .errno(e))
      }
      attempts += 1
      var pause = timespec(tv_sec: 0, tv_nsec: 10_000_000)
      nanosleep(&pause, nil)
    }
    self.fd = fd
    self.path = path
  }

  deinit { close(fd) }
}

extension HostFiles {
  public func lock(_ path: HostPath) throws(SysfsError) -> HostFileLock {
    try HostFileLock(locking: try lockFile(path), path: absolute(path))
  }
}

extension RootedHostFiles {
  /// An `O_PATH` fd of the directory at `path`, resolved inside the root (links in it followed only
  /// where they stay inside); missing directories are created (0755) when `create`.
  public func openDirectory(_ path: HostPath, create: Bool) throws(SysfsError) -> Int32 {
    let resolved = isLive ? path : try realPath(path)
    let beneath: Int32 = isLive ? 0 : 1
    guard directory.fd >= 0 else {
      throw SysfsError(.list, path: absolute(path), cause: .errno(.noSuchFileOrDirectory))
    }
    var current = fcntl(directory.fd, F_DUPFD_CLOEXEC, 0)
    guard current >= 0 else { throw SysfsError(.list, path: absolute(path), cause: .errno(Errno.last)) }
    var walked = HostPath("")
    for name in resolved.components {
      walked = walked.appending(name)
      // From the root each time, so the kernel checks the whole path beneath it.
      var next = walked.components.joined(separator: "/").withCString { hostfile_open_directory(directory.fd, $0, beneath, 1) }
      if next == -ENOENT && create {
        if mkdirat(current, name, 0o755) != 0 && errno != EEXIST {
          let e = Errno.last
          close(current)
          throw SysfsError(.create, path: absolute(walked), cause: .errno(e))
        }
        next = walked.components.joined(separator: "/").withCString { hostfile_open_directory(directory.fd, $0, beneath, 1) }
      }
      close(current)
      guard next >= 0 else {
        throw next == -EXDEV ? SysfsError(.list, path: absolute(walked), cause: .linkEscapesRoot(walked.description))
          : SysfsError(.list, path: absolute(walked), cause: .errno(Errno(rawValue: -next)))
      }
      current = next
    }
    return current
  }

  /// Writes `contents` to a new temporary file beside `path` (created `O_EXCL|O_NOFOLLOW`, fsync'ed);
  /// its directory is created inside the root when missing.
  public func stage(_ contents: [UInt8], at path: HostPath, mode: UInt32) throws(SysfsError) -> StagedFile {
    let staged = try stagedName(for: path)
    let fd = hostfile_create_exclusive(staged.directoryFD, staged.temporary, UInt32(mode))
    guard fd >= 0 else { throw SysfsError(.create, path: absolute(path), cause: .errno(Errno(rawValue: -fd))) }
    defer { close(fd) }
    var written = 0
    while written < contents.count {
      let n = contents.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, contents.count - written) }
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { throw SysfsError(.create, path: absolute(path), cause: .errno(n < 0 ? Errno.last : .ioError)) }
      written += n
    }
    guard fsync(fd) == 0 else { throw SysfsError(.create, path: absolute(path), cause: .errno(Errno.last)) }
    return staged
  }

  public func makeDirectory(_ path: HostPath) throws(SysfsError) {
    close(try openDirectory(path, create: true))
  }

  /// A new symlink `path -> target` under a temporary name beside `path`.
  public func stageSymlink(_ target: String, at path: HostPath) throws(SysfsError) -> StagedFile {
    let staged = try stagedName(for: path)
    guard symlinkat(target, staged.directoryFD, staged.temporary) == 0 else {
      throw SysfsError(.create, path: absolute(path), cause: .errno(Errno.last))
    }
    return staged
  }

  private func stagedName(for path: HostPath) throws(SysfsError) -> StagedFile {
    guard let name = path.lastComponent else { throw SysfsError(.create, path: absolute(path), cause: .errno(.invalidArgument)) }
    let fd = try openDirectory(path.parent, create: true)
    // Unique per process and call: concurrent runs never share (or truncate) a temporary.
    let temporary = ".\(name).sriovctl-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
    return StagedFile(path: path, directoryFD: fd, temporary: temporary, name: name)
  }

  /// The text of the link at `path` (not resolved), nil when nothing is there; an error when
  /// something other than a link is there.
  public func linkText(_ path: HostPath) throws(SysfsError) -> String? {
    guard let name = path.lastComponent else { return nil }
    let fd: Int32
    do { fd = try openDirectory(path.parent, create: false) } catch where error.isNotFound { return nil }
    defer { close(fd) }
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = cpci_readlink_at(fd, name, &buffer, Int32(buffer.count))
    if n == -ENOENT { return nil }
    if n == -EINVAL { throw SysfsError(.readLink, path: absolute(path), cause: .notRegularFile("not a symbolic link")) }
    guard n >= 0 else { throw SysfsError(.readLink, path: absolute(path), cause: .errno(Errno(rawValue: -n))) }
    return String(decoding: buffer[0..<Int(n)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// Removes the file or link at `path` (not a directory); false when it was not there.
  @discardableResult
  public func remove(_ path: HostPath) throws(SysfsError) -> Bool {
    guard let name = path.lastComponent else { return false }
    let fd: Int32
    do { fd = try openDirectory(path.parent, create: false) } catch where error.isNotFound { return false }
    defer { close(fd) }
    if unlinkat(fd, name, 0) == 0 { return true }
    if errno == ENOENT { return false }
    throw SysfsError(.write(""), path: absolute(path), cause: .errno(Errno.last))
  }
}

extension RootedHostFiles {
  public func ownerAndMode(_ path: HostPath) -> (uid: UInt32, mode: UInt32)? {
    guard let real = try? realPath(path) else { return nil }
    var info = stat()
    guard lstat(absolute(real), &info) == 0 else { return nil }
    return (info.st_uid, info.st_mode)
  }

  /// Whether an executable file is at `path` (resolved inside the root).
  public func isExecutable(_ path: HostPath) -> Bool {
    guard let full = try? inRoot(path, .read) else { return false }
    return access(full, X_OK) == 0
  }

  public func entryMode(_ path: HostPath) -> UInt32? {
    guard let full = try? inRoot(path, .read) else { return nil }
    var info = stat()
    return lstat(full, &info) == 0 ? info.st_mode : nil
  }

  public func writeRefusal(_ path: HostPath) -> Errno? {
    // Unknown (left to the write, which has a better message) when the path leads nowhere.
    guard let full = try? inRoot(path, .write("")) else { return nil }
    // AT_EACCESS: the effective uid and capabilities, as the write itself would be judged.
    return faccessat(AT_FDCWD, full, W_OK, AT_EACCESS) == 0 ? nil : Errno.last
  }

  public func lockFile(_ path: HostPath) throws(SysfsError) -> Int32 {
    guard let name = path.lastComponent else { throw SysfsError(.create, path: absolute(path), cause: .errno(.invalidArgument)) }
    let directory = try openDirectory(path.parent, create: true)
    defer { close(directory) }
    var mode: UInt32 = 0
    let fd = hostfile_open_lock(directory, name)
    if fd < 0 {
      var info = stat()
      if fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 { mode = info.st_mode }
      if fd == -ELOOP { throw SysfsError(.create, path: absolute(path), cause: .notRegularFile("a symbolic link")) }
      if fd == Int32(HOSTFILE_NOT_REGULAR) { throw SysfsError(.create, path: absolute(path), cause: .notRegularFile(SysfsError.kind(mode: mode))) }
      if fd == Int32(HOSTFILE_LINKED) { throw SysfsError(.create, path: absolute(path), cause: .hardLinked) }
      throw SysfsError(.create, path: absolute(path), cause: .errno(Errno(rawValue: -fd)))
    }
    return fd
  }

  public func vouch(_ path: HostPath, as libraryPath: String, limit: Int?) throws(SysfsError) {
    let full = try inRoot(path, .read)
    let fd = try open(full, path, write: false, .read)
    defer { close(fd) }
    if let limit {
      var info = stat()
      if fstat(fd, &info) == 0 && Int(info.st_size) > limit {
        throw SysfsError(.read, path: full, cause: .tooLarge(limit: limit))
      }
    }
    let same = libraryPath.withCString { hostfile_same_file(fd, $0) }
    guard same == 1 else {
      throw SysfsError(.read, path: libraryPath, cause: same < 0 ? .errno(Errno(rawValue: -same)) : .linkEscapesRoot(path.description))
    }
  }
}
