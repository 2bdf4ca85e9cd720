import CPCI
import Synchronization
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// The hot path of a read-only pass (`list`, `show`) over PCI function directories: each directory
/// is located once, opened once, and its attributes are read with `openat`/`readlinkat`/`fstatat`
/// relative to a directory fd, with no path strings built per attribute and no rooted walk per read.
///
/// It answers only the ordinary case and returns nil (or `.unusual`) for anything else: a missing
/// directory, a symlink where a plain file or directory belongs, an unexpected errno, a link that
/// would leave the root. The caller then asks `RootedSysfs`, which gives the full answer or the
/// precise error, so results and messages are the same as without this reader.
///
/// Why it keeps "nothing outside the root is reachable": every directory it opens was resolved by
/// `RootedSysfs.realPath` (the rooted walk) and must have no link in it; a function's directory must
/// be a real directory in that parent's listing; final components are never followed (`O_NOFOLLOW`,
/// `AT_SYMLINK_NOFOLLOW`, `readlinkat`); link targets are resolved lexically inside the root exactly
/// as `RootedSysfs.readLinkIfPresent` does.
final class FunctionDirectories: Sendable {
  /// A PCI function whose directory is a real directory inside the root.
  struct Function: Sendable {
    /// Where `sys/bus/pci/devices/<address>` leads.
    let path: HostPath
    /// fd of the directory that holds it (open until the reader goes away).
    let parentFD: Int32
    /// `<address>/`, prefix of every attribute's path relative to the parent fd.
    let prefix: String
  }

  enum Value: Sendable {
    case text(String)
    case missing
    /// Anything else: ask `RootedSysfs` for the real answer or error.
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
  }

  private struct State {
    var directories: [Directory] = []
    var byPath: [HostPath: Int] = [:]
    var functions: [String: Function] = [:]
    /// Parent directories by the directory part of a `sys/bus/pci/devices` link's target text
    /// (all VFs of a PF share it), so most lookups hash a short string, not a `HostPath`.
    var parentsByTarget: [Substring: (index: Int, path: HostPath)] = [:]
  }

  private let sysfs: RootedSysfs
  private let devices: HostPath
  private let devicesFD: Int32
  private let state = Mutex(State())

  /// nil when `sys/bus/pci/devices` cannot be opened this way (the caller keeps the slow path).
  init?(sysfs: RootedSysfs) {
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
    guard let parent, let parentFD = state.withLock({ s -> Int32? in
      s.directories[parent.index].subdirectories.contains(last) ? s.directories[parent.index].fd : nil
    }) else { return nil }
    let function = Function(path: HostPath(components: parent.path.components + [last]), parentFD: parentFD, prefix: last + "/")
    state.withLock { $0.functions[name] = function }
    return function
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
      let n = Self.withPath(function.prefix, name) { cpci_read_at(fd, $0, buffer.baseAddress, Int32(buffer.count)) }
      if n == -2 { return .missing }  // ENOENT
      // A full buffer may not be the whole file: let RootedSysfs read it.
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

  /// Only the last component of what a link resolves to (`driver`, `iommu_group`): the same as
  /// `readLink(_:in:)`'s `lastComponent`, including its refusal of targets that leave the root,
  /// without building the resolved path.
  func readLinkName(_ name: String, in function: Function) -> LinkName {
    Self.withPath(function.prefix, name) { path in
      withUnsafeTemporaryAllocation(of: CChar.self, capacity: 4096) { buffer in
        let n = cpci_readlink_at(function.parentFD, path, buffer.baseAddress, Int32(buffer.count))
        if n == -2 { return .missing }  // ENOENT
        guard n > 0, n < Int32(buffer.count) else { return .unusual }
        let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: UInt8.self), count: Int(n))
        // The usual shape: the last name is the answer, no string for the whole target.
        if let shape = Self.plainShape(bytes), shape.ups <= function.path.components.count {
          let lastStart = bytes.lastIndex(of: UInt8(ascii: "/")).map { $0 + 1 } ?? 0
          return .name(String(decoding: UnsafeBufferPointer(rebasing: bytes[max(lastStart, shape.namesStart)...]), as: UTF8.self))
        }
        guard let last = Self.lastComponent(of: String(decoding: bytes, as: UTF8.self), from: function.path) else { return .unusual }
        return .name(last)
      }
    }
  }

  /// For a link target of the shape sysfs gives (`../../../devices/pci0000:3a/0000:3b:02.0`: `..`
  /// steps, then names, none of them empty, `.` or `..`): how many `..` steps lead and where the
  /// names start. nil for any other shape (the general walk handles those).
  static func plainShape(_ bytes: UnsafeBufferPointer<UInt8>) -> (ups: Int, namesStart: Int)? {
    let dot = UInt8(ascii: "."), slash = UInt8(ascii: "/")
    var start = 0
    while start + 2 < bytes.count && bytes[start] == dot && bytes[start + 1] == dot && bytes[start + 2] == slash { start += 3 }
    guard start < bytes.count else { return nil }
    var componentStart = start
    for index in start...bytes.count where index == bytes.count || bytes[index] == slash {
      let length = index - componentStart
      if length == 0 { return nil }
      if bytes[componentStart] == dot && (length == 1 || (length == 2 && bytes[componentStart + 1] == dot)) { return nil }
      componentStart = index + 1
    }
    return (start / 3, start)
  }

  /// The last component (nearest the end) of `base.appendingLinkTarget(target)` that `match` accepts,
  /// as `.some(nil)` when none does; nil when the target leaves the root. No path is built.
  static func nearestComponent<T>(
    of target: String, from base: HostPath, _ matchName: (Substring) -> T?, _ matchBase: (String) -> T?
  ) -> T?? {
    let bytes = target.utf8
    guard bytes.first != UInt8(ascii: "/") else { return nil }
    if let found = nearestComponentOfPlainTarget(target, from: base, matchName, matchBase) { return found }
    var depth = base.components.count
    var names: [Substring] = []
    var start = bytes.startIndex
    while start != bytes.endIndex {
      let end = bytes[start...].firstIndex(of: UInt8(ascii: "/")) ?? bytes.endIndex
      let length: Int = bytes.distance(from: start, to: end)
      if length == 2 && bytes[start] == UInt8(ascii: ".") && bytes[bytes.index(after: start)] == UInt8(ascii: ".") {
        if !names.isEmpty {
          names.removeLast()
        } else {
          guard depth > 0 else { return nil }
          depth -= 1
        }
      } else if length > 1 || (length == 1 && bytes[start] != UInt8(ascii: ".")) {
        names.append(target[start..<end])
      }
      start = end == bytes.endIndex ? end : bytes.index(after: end)
    }
    for name in names.reversed() {
      if let found = matchName(name) { return .some(found) }
    }
    for component in base.components[0..<depth].reversed() {
      if let found = matchBase(component) { return .some(found) }
    }
    return .some(nil)
  }

  /// `nearestComponent` for the shape sysfs links have (`../../../devices/pci0000:3a/0000:3b:02.0`:
  /// `..` steps, then names, no `.`, `..` or empty component among them), without collecting the
  /// components. nil when the target has another shape (the general walk answers) or leaves the root
  /// (the general walk says so).
  private static func nearestComponentOfPlainTarget<T>(
    _ target: String, from base: HostPath, _ matchName: (Substring) -> T?, _ matchBase: (String) -> T?
  ) -> T??? {
    var text = target
    guard let shape = text.withUTF8(plainShape), shape.ups <= base.components.count else { return nil }
    // Nearest first: the names from the end, then what is left of the base.
    let bytes = target.utf8
    let start = bytes.index(bytes.startIndex, offsetBy: shape.namesStart)
    var end = bytes.endIndex
    var cursor = bytes.endIndex
    while cursor != start {
      let before = bytes.index(before: cursor)
      if bytes[before] == UInt8(ascii: "/") {
        if let found = matchName(target[cursor..<end]) { return .some(.some(found)) }
        end = before
      }
      cursor = before
    }
    if let found = matchName(target[start..<end]) { return .some(.some(found)) }
    for component in base.components[0..<(base.components.count - shape.ups)].reversed() {
      if let found = matchBase(component) { return .some(.some(found)) }
    }
    return .some(.some(nil))
  }

  /// `base.appendingLinkTarget(target)?.lastComponent`, as `.some(nil)` for the root; nil when the
  /// target leaves the root.
  static func lastComponent(of target: String, from base: HostPath) -> String?? {
    nearestComponent(of: target, from: base, { String($0) }, { $0 })
  }


  /// Links in the function's directory, read relative to one fd: `select` picks them from the
  /// directory's sorted names; each gives the last component of what it resolves to, as
  /// `readLinkName(_:in:)` does. nil when anything cannot be done this way.
  func readLinkNames(in function: Function, _ select: ([String]) -> [String]) -> [String: LinkName]? {
    let fd = cpci_open_directory(function.parentFD, String(function.prefix.dropLast()))
    guard fd >= 0 else { return nil }
    defer { cpci_close_fd(fd) }
    guard let names = Self.entries(fd)?.map(\.name).sorted() else { return nil }
    var result: [String: LinkName] = [:]
    for name in select(names) {
      switch Self.readLink(fd, name) {
      case .text(let target):
        guard let last = Self.lastComponent(of: target, from: function.path) else { return nil }
        result[name] = .name(last)
      case .missing: result[name] = .missing
      case .unusual: return nil
      }
    }
    return result
  }

  /// Names under `net/` directories in the function's own subtree: `<function>/net/*` and, for
  /// netdevs of a child device (virtio: `<function>/virtio2/net/eth0`), `net/` directories of its
  /// real subdirectories down to `depth` levels. Subdirectories named like a PCI address are other
  /// functions (below a bridge) and are skipped; links are never followed. nil when the directory
  /// cannot be read this way.
  func netdevCandidates(in function: Function, depth: Int = 3) -> [String]? {
    let fd = cpci_open_directory(function.parentFD, String(function.prefix.dropLast()))
    guard fd >= 0 else { return nil }
    defer { cpci_close_fd(fd) }
    var names: [String] = []
    guard Self.collectNetNames(fd, depth: depth, into: &names) else { return nil }
    return names
  }

  enum Names: Sendable {
    case names([String])
    /// No such directory.
    case missing
    /// Anything else (a link where the directory belongs, an errno): ask `RootedSysfs`.
    case unusual
  }

  /// The entries of the function's own `net/` directory: the kernel puts each netdev whose parent
  /// is this function there (`sys/class/net/<name>` links to it). One open and one read per
  /// function; `O_NOFOLLOW` in the open, so a link named `net` is `.unusual`.
  func netNames(in function: Function) -> Names {
    let fd = Self.withPath(function.prefix, "net") { cpci_open_directory(function.parentFD, $0) }
    if fd == -2 { return .missing }  // ENOENT: no netdev (or not a network function)
    guard fd >= 0 else { return .unusual }
    defer { cpci_close_fd(fd) }
    guard let entries = Self.entries(fd, shortReadEnds: true) else { return .unusual }
    return .names(entries.map(\.name).sorted())
  }

  private static func collectNetNames(_ fd: Int32, depth: Int, into names: inout [String]) -> Bool {
    guard let entries = entries(fd) else { return false }
    for entry in entries where entry.isDirectory {
      let isNet = entry.name == "net"
      guard isNet || (depth > 0 && PCIAddress(strict: entry.name) == nil) else { continue }
      let child = cpci_open_directory(fd, entry.name)
      guard child >= 0 else { return false }
      defer { cpci_close_fd(child) }
      if isNet {
        guard let netdevs = Self.entries(child) else { return false }
        names.append(contentsOf: netdevs.map(\.name))
      } else if !collectNetNames(child, depth: depth - 1, into: &names) {
        return false
      }
    }
    return true
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
    let directory = Directory(path: path, fd: fd, subdirectories: Set(entries.filter(\.isDirectory).map(\.name)))
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
  static func read(_ name: String, in directory: HostPath, sysfs: RootedSysfs) -> BinaryAttribute {
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
