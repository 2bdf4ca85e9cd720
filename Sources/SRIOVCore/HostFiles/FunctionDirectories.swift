import CPCI
import Synchronization
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// How a caching `RootedHostFiles` (one read-only pass: `list`, `show`) reads PCI function directories:
/// each directory is located once, opened once, and the entries of
/// `sys/bus/pci/devices/<function>/` are read with `openat`/`readlinkat`/`fstatat` relative to a
/// directory fd, with no path strings built per attribute and no rooted walk per read. Callers do
/// not see it: they ask `RootedHostFiles` for paths, and it routes those here (`pciFunction`).
///
/// It answers only the ordinary case and returns nil (or `.unusual`) for anything else: a missing
/// directory, a symlink where a plain file or directory belongs, an unexpected errno, a link that
/// would leave the root. `RootedHostFiles` then walks the path as for any other file, which gives the
/// full answer or the precise error, so results and messages are the same either way.
///
/// Why it keeps "nothing outside the root is reachable": every directory it opens was resolved by
/// `RootedHostFiles.realPath` (the rooted walk) and must have no link in it; a function's directory must
/// be a real directory in that parent's listing; final components are never followed (`O_NOFOLLOW`,
/// `AT_SYMLINK_NOFOLLOW`, `readlinkat`); link targets are resolved lexically inside the root by
/// `HostPath`, the one resolver.
final class FunctionDirectories: Sendable {
  /// A PCI function whose directory is a real directory inside the root.
  /// A class: every read of an attribute passes one around, and a struct's path and prefix were
  /// copied (retained and released) each time.
  final class Function: Sendable {
    /// Where `sys/bus/pci/devices/<address>` leads.
    let path: HostPath
    /// fd of the directory that holds it (open until the reader goes away).
    let parentFD: Int32
    /// `<address>/`, prefix of every attribute's path relative to the parent fd.
    let prefix: String
    /// Index of the parent among the open directories.
    let parentIndex: Int
    /// The parent is a sysfs directory (its attributes need no `fstat`: see `cpci_read_sysfs_at`).
    let onSysfs: Bool

    init(path: HostPath, parentFD: Int32, prefix: String, parentIndex: Int, onSysfs: Bool) {
      self.path = path
      self.parentFD = parentFD
      self.prefix = prefix
      self.parentIndex = parentIndex
      self.onSysfs = onSysfs
    }
  }

  enum Value: Sendable {
    case text(String)
    case missing
    /// Anything else: ask `RootedHostFiles` for the real answer or error.
    case unusual
  }

  enum Link: Sendable {
    case target(HostPath)
    case missing
    case unusual
  }

  private struct Directory {
    let path: HostPath
    let fd: Int32
    /// Entries that are real directories (d_type), so a path through them follows no link.
    let subdirectories: Set<String>
    let onSysfs: Bool
  }

  private struct State {
    var directories: [Directory] = []
    var byPath: [HostPath: Int] = [:]
    var functions: [String: Function] = [:]
    /// Parent directories by the directory part of a `sys/bus/pci/devices` link's target text
    /// (all VFs of a PF share it), so most lookups hash a short string, not a `HostPath`.
    var parentsByTarget: [Substring: (index: Int, path: HostPath)] = [:]
  }

  private let sysfs: RootedHostFiles
  private let devices: HostPath
  private let devicesFD: Int32
  private let state = Mutex(State())

  /// nil when `sys/bus/pci/devices` cannot be opened this way (the caller keeps the slow path).
  init?(sysfs: RootedHostFiles) {
    guard let real = try? sysfs.realPath(SysfsLayout.pciDevices) else { return nil }
    let fd = Self.openDirectory(sysfs.absolute(real))
    guard fd >= 0 else { return nil }
    self.sysfs = sysfs
    devices = real
    devicesFD = fd
  }

  deinit {
    cpci_close_fd(devicesFD)
    state.withLock { s in for d in s.directories { cpci_close_fd(d.fd) } }
  }

  /// The function's directory, found through its `sys/bus/pci/devices` link (read once per pass).
  func function(_ name: String) -> Function? {
    if let known = state.withLock({ $0.functions[name] }) { return known }
    guard case .text(let target) = Self.readLink(devicesFD, name), target.utf8.first != UInt8(ascii: "/"),
      let slash = target.utf8.lastIndex(of: UInt8(ascii: "/"))
    else { return nil }
    let directoryText = target[..<slash]
    let last = String(target[target.utf8.index(after: slash)...])
    guard last != "." && last != ".." && !last.isEmpty else { return nil }
    var parent = state.withLock { $0.parentsByTarget[directoryText] }
    if parent == nil {
      guard let path = devices.appendingLinkTarget(String(directoryText)), let index = directory(path) else { return nil }
      parent = (index, path)
      state.withLock { $0.parentsByTarget[directoryText] = (index, path) }
    }
    guard let parent, let directory = state.withLock({ s -> Directory? in
      s.directories[parent.index].subdirectories.contains(last) ? s.directories[parent.index] : nil
    }) else { return nil }
    let function = Function(path: HostPath(components: parent.path.components + [last]), parentFD: directory.fd, prefix: last + "/",
      parentIndex: parent.index, onSysfs: directory.onSysfs)
    state.withLock { $0.functions[name] = function }
    return function
  }

  /// Records where a PF's `virtfnN` link leads when it names a sibling (`../0000:3b:02.0`, the form
  /// the kernel writes): a real subdirectory of the PF's own parent. The kernel links the VF's
  /// `sys/bus/pci/devices` entry to the same directory, so a listing need not read that link too
  /// (one syscall per VF).
  private func noteSibling(_ name: String, of pf: Function) {
    state.withLock { s in
      guard s.functions[name] == nil, s.directories[pf.parentIndex].subdirectories.contains(name) else { return }
      let parent = s.directories[pf.parentIndex]
      s.functions[name] = Function(path: HostPath(components: parent.path.components + [name]), parentFD: parent.fd,
        prefix: name + "/", parentIndex: pf.parentIndex, onSysfs: parent.onSysfs)
    }
  }

  /// Whether the attribute exists (without following it); nil when that cannot be told simply.
  func exists(_ name: String, in function: Function) -> Bool? {
    let rc = Self.withPath(function.prefix, name) { cpci_exists_at(function.parentFD, $0) }
    return rc < 0 ? nil : rc == 1
  }

  /// A text attribute, whole.
  func read(_ name: String, in function: Function) -> Value {
    let fd = function.parentFD
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 4096) { buffer in
      let n = Self.withPath(function.prefix, name) { path in
        function.onSysfs
          ? cpci_read_sysfs_at(fd, path, buffer.baseAddress, Int32(buffer.count))
          : cpci_read_at(fd, path, buffer.baseAddress, Int32(buffer.count))
      }
      if n == -2 { return .missing }  // ENOENT
      // A full buffer may not be the whole file: let RootedHostFiles read it.
      guard n >= 0, n < Int32(buffer.count) else { return .unusual }
      return .text(String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress, count: Int(n)), as: UTF8.self))
    }
  }

  /// A link in the function's directory, resolved inside the root as `readLinkIfPresent` does.
  func readLink(_ name: String, in function: Function) -> Link {
    switch Self.readLink(function.parentFD, function.prefix + name) {
    case .text(let target):
      guard let resolved = function.path.appendingLinkTarget(target) else { return .unusual }
      return .target(resolved)
    case .missing: return .missing
    case .unusual: return .unusual
    }
  }

  enum LinkName: Sendable {
    /// The last component of the resolved target (nil when it resolves to the root itself).
    case name(String?)
    case missing
    case unusual
  }

  /// Only the last component of what a link resolves to (`driver`, `iommu_group`, `virtfnN`), as
  /// `HostPath.lastComponent(ofLinkTarget:)` gives it, taken from the `readlinkat` buffer when the
  /// target has sysfs' own shape. A PF's `virtfnN` link also tells where the VF's directory is.
  func readLinkName(_ name: String, in function: Function) -> LinkName {
    let result: (LinkName, String?) = Self.withPath(function.prefix, name) { path in
      withUnsafeTemporaryAllocation(of: CChar.self, capacity: 4096) { buffer in
        let n = cpci_readlink_at(function.parentFD, path, buffer.baseAddress, Int32(buffer.count))
        if n == -2 { return (.missing, nil) }  // ENOENT
        guard n > 0, n < Int32(buffer.count) else { return (.unusual, nil) }
        let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: UInt8.self), count: Int(n))
        let sibling = Self.siblingName(bytes)
        if let last = HostPath.lastNameOfPlainTarget(bytes, depth: function.path.components.count) {
          return (.name(String(decoding: UnsafeBufferPointer(rebasing: bytes[last]), as: UTF8.self)), sibling)
        }
        guard let last = function.path.lastComponent(ofLinkTarget: String(decoding: bytes, as: UTF8.self)) else { return (.unusual, nil) }
        return (.name(last), sibling)
      }
    }
    if let sibling = result.1, name.hasPrefix(SysfsLayout.virtfnPrefix) { noteSibling(sibling, of: function) }
    return result.0
  }

  /// `NAME` of a target `../NAME` (the form of a `virtfnN` link), else nil.
  private static func siblingName(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
    guard bytes.count > 3, bytes[0] == UInt8(ascii: "."), bytes[1] == UInt8(ascii: "."), bytes[2] == UInt8(ascii: "/"),
      !bytes[3...].contains(UInt8(ascii: "/"))
    else { return nil }
    let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[3...]), as: UTF8.self)
    return name == "." || name == ".." ? nil : name
  }

  enum Names: Sendable {
    case names([String])
    /// No such directory.
    case missing
    /// Anything else (a link where the directory belongs, an errno): ask `RootedHostFiles`.
    case unusual
  }

  /// The sorted entries of the function's directory (`name` nil) or of its subdirectory `name`
  /// (`net/`: the kernel puts each netdev whose parent is this function there). One open and one
  /// read; `O_NOFOLLOW` in the open, so a link where the directory belongs is `.unusual`.
  func list(_ name: String?, in function: Function, directoriesOnly: Bool = false) -> Names {
    let fd = name.map { name in Self.withPath(function.prefix, name) { cpci_open_directory(function.parentFD, $0) } }
      ?? cpci_open_directory(function.parentFD, String(function.prefix.dropLast()))
    if fd == -2 { return .missing }  // ENOENT: no netdev (or not a network function)
    guard fd >= 0 else { return .unusual }
    defer { cpci_close_fd(fd) }
    guard let entries = Self.entries(fd, shortReadEnds: name != nil) else { return .unusual }
    return .names(entries.filter { !directoriesOnly || $0.isDirectory }.map(\.name).sorted())
  }

  // MARK: directories

  /// Index of an open parent directory; nil unless the rooted walk finds it link-free.
  private func directory(_ path: HostPath) -> Int? {
    if let known = state.withLock({ $0.byPath[path] }) { return known }
    guard let real = try? sysfs.realPath(path), real == path else { return nil }
    let fd = Self.openDirectory(sysfs.absolute(path))
    guard fd >= 0 else { return nil }
    guard let entries = Self.entries(fd) else {
      cpci_close_fd(fd)
      return nil
    }
    let directory = Directory(path: path, fd: fd, subdirectories: Set(entries.filter(\.isDirectory).map(\.name)),
      onSysfs: cpci_is_sysfs(fd) == 1)
    return state.withLock { s in
      if let raced = s.byPath[path] {
        cpci_close_fd(fd)
        return raced
      }
      s.directories.append(directory)
      s.byPath[path] = s.directories.count - 1
      return s.directories.count - 1
    }
  }

  private static func openDirectory(_ absolute: String) -> Int32 {
    absolute.withCString { cpci_open_directory(-1, $0) }
  }

  /// `prefix + name` as a C string on the stack: attribute paths are composed thousands of times
  /// per listing, and a heap string for each was a measurable share.
  private static func withPath<R>(_ prefix: String, _ name: String, _ body: (UnsafePointer<CChar>) -> R) -> R {
    var prefix = prefix, name = name
    return prefix.withUTF8 { head in
      name.withUTF8 { tail in
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: head.count + tail.count + 1) { buffer in
          let raw = UnsafeMutableRawBufferPointer(buffer)
          raw.copyMemory(from: UnsafeRawBufferPointer(head))
          UnsafeMutableRawBufferPointer(rebasing: raw[head.count...]).copyMemory(from: UnsafeRawBufferPointer(tail))
          buffer[head.count + tail.count] = 0
          return body(UnsafePointer(buffer.baseAddress!))
        }
      }
    }
  }

  private static func readLink(_ fd: Int32, _ path: String) -> Value {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 4096) { buffer in
      let n = path.withCString { cpci_readlink_at(fd, $0, buffer.baseAddress, Int32(buffer.count)) }
      if n == -2 { return .missing }  // ENOENT
      guard n > 0, n < Int32(buffer.count) else { return .unusual }
      return .text(String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress, count: Int(n)), as: UTF8.self))
    }
  }

  /// Every entry but `.` and `..`, with whether it is a real directory. `shortReadEnds`: a read
  /// that leaves room for another entry (a name is at most 255 bytes) was the last, so the read
  /// that would return 0 is skipped: getdents fills the buffer while entries remain (kernfs, tmpfs
  /// and ext4 do), and `net/` directories are read once per function in a listing.
  private static func entries(_ fd: Int32, shortReadEnds: Bool = false) -> [(name: String, isDirectory: Bool)]? {
    var result: [(name: String, isDirectory: Bool)] = []
    let capacity = 32768
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
    defer { buffer.deallocate() }
    while true {
      let n = cpci_read_entries(fd, buffer.assumingMemoryBound(to: CChar.self), Int32(capacity))
      guard n >= 0 else { return nil }
      if n == 0 { return result }
      // Records decoded in C (cpci_entry): no byte offsets of linux_dirent64 in Swift.
      var offset: Int32 = 0
      let records = UnsafePointer(buffer.assumingMemoryBound(to: CChar.self))
      while offset < n {
        var name: UnsafePointer<CChar>? = nil
        var isDirectory: Int32 = 0
        let next = cpci_entry(records, n, offset, &name, &isDirectory)
        guard next > offset, let name else { return nil }
        let text = String(cString: name)
        if text != "." && text != ".." { result.append((text, isDirectory == 1)) }
        offset = next
      }
      if shortReadEnds && Int(n) < capacity - 280 { return result }
    }
  }
}

/// A binary attribute (`config`) read whole, for telling why config space is missing or short:
/// libpci says only "cannot read", and a capture's file may be any length.
enum BinaryAttribute: Sendable, Equatable {
  case bytes([UInt8])
  case missing
  /// Not a regular file (a link, a FIFO, a directory), or the read failed: what happened.
  case failed(String)

  /// The file `name` in `directory`, resolved inside the root; never follows the last component,
  /// never blocks (`O_NONBLOCK`: a FIFO in a hostile tree), never reads past config space's 4096 bytes.
  static func read(_ name: String, in directory: HostPath, sysfs: RootedHostFiles) -> BinaryAttribute {
    // Through the door: the same no-follow, non-blocking, regular-file and cap rules as every read.
    do {
      return .bytes(try sysfs.readBytes(directory.appending(name), limit: HostFileLimits.config))
    } catch where error.isNotFound {
      return .missing
    } catch {
      return .failed("\(name): \(error.causeDescription)")
    }
  }
}
