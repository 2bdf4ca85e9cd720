import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Builds a capture in a fresh temporary directory beside the destination and renames it into
/// place at the end, so a capture is either complete or absent. It only ever creates entries inside
/// its own temporary directory (never following a link, never opening an existing file: files
/// `O_CREAT|O_EXCL|O_NOFOLLOW`, directories `mkdir`, links `symlink`, all failing on an existing
/// entry), and on failure or interruption removes exactly what it created.
final class CaptureWriter {
  /// The destination as the user gave it.
  let destination: String
  /// Where the tree is built until `commit()`.
  private let staging: String
  /// Everything created below `staging`, in creation order (removed in reverse on failure).
  private var created: [String] = []
  private var directories: Set<HostPath> = [HostPath("")]
  private var committed = false
  /// SIGINT/SIGTERM/SIGHUP held back from before the staging directory exists until it is renamed
  /// into place or removed: each entry created first checks for one.
  private let signals: DeferredSignals

  /// Refuses a destination that exists and is not an empty directory, or whose parent is missing.
  init(destination: String) throws {
    var dest = destination
    while dest.count > 1 && dest.hasSuffix("/") { dest.removeLast() }
    guard !dest.isEmpty, dest != "/" else {
      throw SRIOVError(destination.isEmpty ? "''" : destination, "cannot capture into it: not a usable directory name",
        hint: "name a new directory, e.g. sriovctl capture ./host-capture")
    }
    self.destination = dest
    signals = DeferredSignals()
    var info = stat()
    if lstat(dest, &info) == 0 {
      let type: mode_t = info.st_mode & mode_t(S_IFMT)
      guard type == mode_t(S_IFDIR) else {
        throw SRIOVError(dest, "cannot capture into it: it exists and is not a directory",
          hint: "name a new directory (capture never overwrites)")
      }
      guard Self.isEmptyDirectory(dest) else {
        throw SRIOVError(dest, "cannot capture into it: the directory is not empty",
          hint: "name a new or empty directory (capture never overwrites or merges)")
      }
    }
    let parent = Self.parent(of: dest)
    var parentInfo = stat()
    guard stat(parent, &parentInfo) == 0, (parentInfo.st_mode & mode_t(S_IFMT)) == mode_t(S_IFDIR) else {
      throw SRIOVError(dest, "cannot capture into it: the parent directory \(parent) does not exist",
        hint: "create the parent directory first (capture creates only DIR itself)")
    }
    let name = dest.split(separator: "/").last.map(String.init) ?? "capture"
    var template: [CChar] = Array((parent + "/.\(name).capture-XXXXXX").utf8CString)
    let made: UnsafeMutablePointer<CChar>? = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    guard made != nil else {
      let e = Errno(rawValue: Glibc.errno)
      throw SRIOVError(dest, "cannot create a temporary directory in \(parent): \(e.description)",
        hint: e == .permissionDenied || e == .readOnlyFileSystem ? "choose a directory you can write to" : nil)
    }
    staging = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  deinit {
    if !committed { discard() }
    signals.release()
  }

  /// Throws when a held signal has arrived: the caller stops, `abandon()` removes the staging tree.
  func checkInterrupted() throws {
    guard let signal = signals.pending() else { return }
    throw SRIOVError(destination, "capture interrupted by \(DeferredSignals.name(signal)): removed the unfinished capture \(staging)",
      exitCode: 128 + signal)
  }

  /// Removes the staging tree, then lets a held signal through (it usually ends the process).
  func abandon() {
    if !committed { discard() }
    signals.release()
  }

  /// Makes `path` and its missing parents.
  func directory(_ path: HostPath) throws {
    guard !directories.contains(path) else { return }
    try directory(path.parent)
    try checkInterrupted()
    let full = staging + path.description
    guard mkdir(full, 0o755) == 0 else { throw failure("create directory", path) }
    created.append(full)
    directories.insert(path)
  }

  /// A new regular file with exactly `bytes`.
  func file(_ path: HostPath, _ bytes: [UInt8]) throws {
    try directory(path.parent)
    try checkInterrupted()
    let full = staging + path.description
    do {
      let fd = try FileDescriptor.open(
        full, .writeOnly, options: [.create, .exclusiveCreate, .noFollow, .closeOnExec], permissions: [.ownerReadWrite, .groupRead, .otherRead])
      created.append(full)
      defer { try? fd.close() }
      _ = try fd.writeAll(bytes)
    } catch {
      throw SRIOVError(destination, "cannot write \(path.description) in the capture: \(error)")
    }
  }

  func file(_ path: HostPath, text: String) throws { try file(path, Array(text.utf8)) }

  /// A relative symlink at `path` to `target` (both inside the capture).
  func link(_ path: HostPath, to target: HostPath) throws {
    try directory(path.parent)
    try checkInterrupted()
    let full = staging + path.description
    guard symlink(Self.relative(from: path.parent, to: target), full) == 0 else { throw failure("create link", path) }
    created.append(full)
  }

  func exists(_ path: HostPath) -> Bool {
    var info = stat()
    return lstat(staging + path.description, &info) == 0
  }

  /// Moves the finished tree to the destination (replacing it only when it is an empty directory).
  func commit() throws {
    if Self.isEmptyDirectory(destination) { rmdir(destination) }
    guard rename(staging, destination) == 0 else {
      let e = Errno(rawValue: Glibc.errno)
      throw SRIOVError(destination, "cannot move the finished capture into place: \(e.description)",
        hint: "the destination appeared or changed while capturing; name a new directory")
    }
    committed = true
    signals.release()
  }

  /// Removes what this writer created, newest first.
  private func discard() {
    for path in created.reversed() {
      if unlink(path) != 0 { rmdir(path) }
    }
    created = []
    rmdir(staging)
  }

  private func failure(_ what: String, _ path: HostPath) -> SRIOVError {
    let e = Errno(rawValue: Glibc.errno)
    return SRIOVError(destination, "cannot \(what) \(path.description) in the capture: \(e.description)")
  }

  /// `../../devices/x` from `directory` to `target`.
  static func relative(from directory: HostPath, to target: HostPath) -> String {
    let a = directory.components, b = target.components
    var common = 0
    while common < a.count, common < b.count, a[common] == b[common] { common += 1 }
    let ups: [String] = Array(repeating: "..", count: a.count - common)
    let parts: [String] = ups + Array(b[common...])
    return parts.isEmpty ? "." : parts.joined(separator: "/")
  }

  static func parent(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let head = String(path[..<slash])
    return head.isEmpty ? "/" : head
  }

  static func isEmptyDirectory(_ path: String) -> Bool {
    guard let dir = opendir(path) else { return false }
    defer { closedir(dir) }
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name != "." && name != ".." { return false }
    }
    return true
  }
}
