import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// `Sysfs` over real files below a root directory.
public struct RootedSysfs: Sysfs {
  /// Absolute path of the host root, without a trailing slash ("" for `/`).
  public let rootPrefix: String

  public init(root: String) {
    var prefix = root
    while prefix.hasSuffix("/") { prefix.removeLast() }
    rootPrefix = prefix
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
      return absolute(try realPath(path.parent).appending(last))
    } catch {
      throw SysfsError(operation, path: absolute(path), cause: error.cause)
    }
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
    let directory = try realPath(path.parent)
    guard let last = path.lastComponent,
      let target = try rawLink(atFullPath: absolute(directory.appending(last)))
    else { return nil }
    guard let resolved = directory.appendingLinkTarget(target) else {
      throw SysfsError(.readLink, path: absolute(path), cause: .linkEscapesRoot(target))
    }
    return resolved
  }

  /// The link's target text, or nil when nothing exists there.
  private func rawLink(atFullPath full: String) throws(SysfsError) -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink(full, &buffer, buffer.count - 1)
    if n < 0 {
      let e = Errno(rawValue: Glibc.errno)
      if e == .noSuchFileOrDirectory { return nil }
      throw SysfsError(.readLink, path: full, cause: .errno(e))
    }
    let bytes: [UInt8] = buffer[0..<n].map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
  }

  private func isSymlink(_ path: HostPath) -> Bool {
    var info = stat()
    guard lstat(absolute(path), &info) == 0 else { return false }
    let type: mode_t = info.st_mode & mode_t(S_IFMT)
    return type == mode_t(S_IFLNK)
  }

  /// `path` with every symlink in it resolved inside the root (like realpath(3), but rooted).
  public func realPath(_ path: HostPath) throws(SysfsError) -> HostPath {
    var resolved = HostPath("")
    var pending: [String] = path.components.reversed()  // a stack: next component last
    var hops = 0
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
      guard isSymlink(candidate) else {
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
    var info = stat()
    return lstat(full, &info) == 0
  }
}
