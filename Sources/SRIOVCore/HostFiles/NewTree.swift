import CPCI
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// The door's writing side for a tree the tool builds from nothing (a capture): a fresh staging
/// directory `.<name>.<purpose>-XXXXXX` (mode 0700) beside the destination, into which entries are
/// only ever created, relative to the staging directory's fd and resolved beneath it (files
/// `O_CREAT|O_EXCL|O_NOFOLLOW`, `mkdirat`, `symlinkat`: each fails on an existing entry, none
/// follows a link), then renamed into place whole. The destination is the user's own path.
final class NewTree {
  /// The staging directory's path (for messages and the final rename).
  let staging: String
  /// `O_PATH` fd of the staging directory; every entry is created beneath it.
  private let fd: Int32
  /// The last directory entries were created in, kept open (a capture writes a directory's files together).
  private var current: (path: HostPath, fd: Int32)?

  /// Creates the staging directory beside `destination`; the error is mkdtemp's.
  init(beside destination: String, purpose: String) throws(Errno) {
    let parent = Self.parent(of: destination)
    let name = destination.split(separator: "/").last.map(String.init) ?? purpose
    var template: [CChar] = Array((parent + "/.\(name).\(purpose)-XXXXXX").utf8CString)
    let made: UnsafeMutablePointer<CChar>? = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    guard made != nil else { throw Errno.last }
    staging = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let opened = staging.withCString { hostfile_open_directory(AT_FDCWD, $0, 0, 1) }
    guard opened >= 0 else {
      rmdir(staging)
      throw Errno(rawValue: -opened)
    }
    fd = opened
  }

  deinit {
    if let current { close(current.fd) }
    close(fd)
  }

  /// A directory (its parent must exist in the tree).
  func makeDirectory(_ path: HostPath) throws(Errno) {
    guard let name = path.lastComponent else { throw .fileExists }
    let parent = try directory(path.parent)
    guard mkdirat(parent, name, 0o755) == 0 else { throw Errno.last }
  }

  /// A new regular file (mode 0644) with exactly `bytes`.
  func makeFile(_ path: HostPath, _ bytes: [UInt8]) throws(Errno) {
    guard let name = path.lastComponent else { throw .fileExists }
    let file = hostfile_create_exclusive(try directory(path.parent), name, 0o644)
    guard file >= 0 else { throw Errno(rawValue: -file) }
    defer { close(file) }
    var written = 0
    while written < bytes.count {
      let n = bytes.withUnsafeBytes { Glibc.write(file, $0.baseAddress! + written, bytes.count - written) }
      if n < 0 && Errno.last == .interrupted { continue }
      guard n > 0 else { throw n < 0 ? Errno.last : .ioError }
      written += n
    }
  }

  /// A new symlink `path -> target` (the text as given).
  func makeLink(_ path: HostPath, to target: String) throws(Errno) {
    guard let name = path.lastComponent else { throw .fileExists }
    guard symlinkat(target, try directory(path.parent), name) == 0 else { throw Errno.last }
  }

  /// Whether anything is at `path` in the tree (a final link not followed).
  func exists(_ path: HostPath) -> Bool {
    guard let name = path.lastComponent, let parent = try? directory(path.parent) else { return path.components.isEmpty }
    var info = stat()
    return fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0
  }

  /// Removes the entry at `path` (file, link or empty directory), best effort.
  func remove(_ path: HostPath) {
    guard let name = path.lastComponent, let parent = try? directory(path.parent) else { return }
    if unlinkat(parent, name, 0) != 0 { unlinkat(parent, name, AT_REMOVEDIR) }
  }

  /// Removes the (by then empty) staging directory.
  func removeStaging() {
    if let current { close(current.fd) }
    current = nil
    rmdir(staging)
  }

  /// Renames the staging directory to `destination`, first removing `destination` when it is an
  /// empty directory (never anything else).
  func rename(to destination: String) throws(Errno) {
    if Self.isEmptyDirectory(destination) { rmdir(destination) }
    guard Glibc.rename(staging, destination) == 0 else { throw Errno.last }
  }

  /// An fd of the tree's directory `path`, resolved beneath the staging directory.
  private func directory(_ path: HostPath) throws(Errno) -> Int32 {
    if path.components.isEmpty { return fd }
    if let current, current.path == path { return current.fd }
    let opened = path.components.joined(separator: "/").withCString { hostfile_open_directory(fd, $0, 1, 1) }
    guard opened >= 0 else { throw Errno(rawValue: -opened) }
    if let current { close(current.fd) }
    current = (path, opened)
    return opened
  }

  // MARK: the destination, the user's own path

  /// `st_mode` of what is at `path` (a final link not followed); nil when nothing is.
  static func entryMode(_ path: String) -> UInt32? {
    var info = stat()
    return lstat(path, &info) == 0 ? info.st_mode : nil
  }

  /// Whether `path` leads to a directory (links followed, as the user meant them).
  static func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && info.st_mode & 0o170000 == 0o040000
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

  static func parent(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let head = String(path[..<slash])
    return head.isEmpty ? "/" : head
  }
}
