import SystemPackage

/// The only door to the host's files. Paths are inside the host root; implementations decide where
/// that root is (`/` in production, a fixture or capture in tests).
public protocol HostFiles: Sendable {
  /// The whole content of a regular file of at most `limit` bytes (longer: `.tooLarge`); never
  /// through a final symlink, never blocking, never a FIFO or device node (`.notRegularFile`).
  func read(_ path: HostPath, limit: Int) throws(SysfsError) -> String
  /// Writes `value` once to an existing attribute (never creates a file, as on sysfs).
  func write(_ value: String, to path: HostPath) throws(SysfsError)
  /// The link's target resolved inside the root; nil when `path` does not exist.
  func readLinkIfPresent(_ path: HostPath) throws(SysfsError) -> HostPath?
  /// The last component of what the link at `path` resolves to inside the root (the driver's,
  /// the group's, the VF's name); nil when nothing is at `path`, `.some(nil)` when it is the root.
  func readLinkName(_ path: HostPath) throws(SysfsError) -> String??
  /// Entry names of a directory, sorted.
  func list(_ path: HostPath) throws(SysfsError) -> [String]
  /// The entries of a directory that are directories themselves (not links), sorted.
  func subdirectories(_ path: HostPath) throws(SysfsError) -> [String]
  /// Whether anything (file, dir or link) exists at `path`, without following a final link.
  func exists(_ path: HostPath) -> Bool
  /// The absolute path on this machine, for messages and for libpci.
  func absolute(_ path: HostPath) -> String
  /// An open fd of the lock file at `path` (created with its directory when absent): a regular
  /// file with one link, never through a link; the caller closes it.
  func lockFile(_ path: HostPath) throws(SysfsError) -> Int32
  /// Checks that `libraryPath`, which another library (libpci) will open itself, is the regular
  /// file at `path` inside the root: same file, not a link out, a FIFO or a device node; and at most
  /// `limit` bytes long when given.
  func vouch(_ path: HostPath, as libraryPath: String, limit: Int?) throws(SysfsError)
  /// The owner and permission bits of what `path` leads to inside the root; nil when unknown.
  func ownerAndMode(_ path: HostPath) -> (uid: UInt32, mode: UInt32)?

  // Everything below has a default for fakes and in-memory trees (see the extension), so callers
  // never need to know which door they hold.

  /// Whether this root is the machine's own `/`, decided by identity (device and inode), never by
  /// spelling: the live kernel, netlink and privileges apply. Fakes: false.
  var isLive: Bool { get }
  /// A door for one read-only pass over a tree that does not change meanwhile (`list`, `show`,
  /// completion): it may remember what it resolved. Same answers as `self`.
  func forReadOnlyPass() -> any HostFiles
  /// The bytes of the regular file at `path` (binary files such as `config`), same rules as `read`.
  func readBytes(_ path: HostPath, limit: Int) throws(SysfsError) -> [UInt8]
  /// `path` with every link in it resolved inside the root (an error when one leads out).
  func realPath(_ path: HostPath) throws(SysfsError) -> HostPath
  /// The `st_mode` of the entry at `path` itself (a final link is not followed); nil when nothing
  /// is there or it is outside the root.
  func entryMode(_ path: HostPath) -> UInt32?
  /// The text of the link at `path` (not resolved), nil when nothing is there; an error when
  /// something other than a link is there.
  func linkText(_ path: HostPath) throws(SysfsError) -> String?
  /// Removes the file or link at `path` (never a directory); false when nothing was there.
  @discardableResult
  func remove(_ path: HostPath) throws(SysfsError) -> Bool
  /// Atomic replace, first half: `contents` in a new file (`O_EXCL`, fsync'ed) beside `path`,
  /// creating its directory inside the root when missing; `StagedFile.commit` puts it in place.
  func stage(_ contents: [UInt8], at path: HostPath, mode: UInt32) throws(SysfsError) -> StagedFile
  /// A new symlink `path -> target`, staged the same way.
  func stageSymlink(_ target: String, at path: HostPath) throws(SysfsError) -> StagedFile
  /// The directory `path` and its missing parents (0755), each created inside the root.
  func makeDirectory(_ path: HostPath) throws(SysfsError)
  /// The exclusive lock at `path` (file and directory created inside the root when absent), held
  /// until the value is dropped; `.errno(.wouldBlock)` when another process holds it.
  func lock(_ path: HostPath) throws(SysfsError) -> HostFileLock
  /// The access probe: nil when this process may write `path` (as the write itself would be judged:
  /// effective uid and capabilities) or when that cannot be told; else the kernel's refusal.
  func writeRefusal(_ path: HostPath) -> Errno?
  /// Whether an executable file is at `path`.
  func isExecutable(_ path: HostPath) -> Bool
}

/// The most the tool reads of each kind of file (docs/robustness.md): enough for any honest
/// file, and a bound on memory for a dishonest one (an endless device, a huge sparse file).
public enum HostFileLimits {
  /// A sysfs attribute is at most one page; 64 KiB is the largest page size Linux uses.
  public static let attribute = 64 << 10
  /// Config space (the extended space of PCIe).
  public static let config = 4096
  /// pci.ids (about 1.3 MB today); the same cap as the C reader's.
  public static let pciIDs = 64 << 20
  /// Other text the tool reads whole (proc files, stored netlink dumps, its own files).
  public static let text = 16 << 20
}

extension HostFiles {
  public func readLinkName(_ path: HostPath) throws(SysfsError) -> String?? {
    try readLinkIfPresent(path).map(\.lastComponent)
  }

  /// Doors without entry kinds: what can be listed and is not a link.
  public func subdirectories(_ path: HostPath) throws(SysfsError) -> [String] {
    try list(path).filter { name in
      (try? readLinkIfPresent(path.appending(name))) == nil && (try? list(path.appending(name))) != nil
    }
  }

  /// Doors that do not know owners (fakes, in-memory trees) say nothing.
  public func ownerAndMode(_ path: HostPath) -> (uid: UInt32, mode: UInt32)? { nil }

  // Defaults for fakes and in-memory trees: a tree of text without links, owners or a kernel.
  public var isLive: Bool { false }
  public func forReadOnlyPass() -> any HostFiles { self }
  public func readBytes(_ path: HostPath, limit: Int) throws(SysfsError) -> [UInt8] { Array(try read(path, limit: limit).utf8) }
  public func realPath(_ path: HostPath) throws(SysfsError) -> HostPath { path }
  public func entryMode(_ path: HostPath) -> UInt32? {
    guard exists(path) else { return nil }
    return (try? list(path)) != nil ? 0o040000 : 0o100000
  }
  public func linkText(_ path: HostPath) throws(SysfsError) -> String? { nil }
  @discardableResult
  public func remove(_ path: HostPath) throws(SysfsError) -> Bool { throw unsupported(.write(""), path) }
  public func stage(_ contents: [UInt8], at path: HostPath, mode: UInt32) throws(SysfsError) -> StagedFile { throw unsupported(.create, path) }
  public func stageSymlink(_ target: String, at path: HostPath) throws(SysfsError) -> StagedFile { throw unsupported(.create, path) }
  public func makeDirectory(_ path: HostPath) throws(SysfsError) { throw unsupported(.create, path) }
  public func writeRefusal(_ path: HostPath) -> Errno? { nil }
  public func isExecutable(_ path: HostPath) -> Bool { false }

  private func unsupported(_ operation: SysfsError.Operation, _ path: HostPath) -> SysfsError {
    SysfsError(operation, path: absolute(path), cause: .errno(.notSupported))
  }

  /// `stage` with the mode of a file others read (0644).
  public func stage(_ contents: [UInt8], at path: HostPath) throws(SysfsError) -> StagedFile {
    try stage(contents, at: path, mode: 0o644)
  }

  /// A text attribute: at most `HostFileLimits.attribute` bytes.
  public func read(_ path: HostPath) throws(SysfsError) -> String {
    try read(path, limit: HostFileLimits.attribute)
  }

  /// nil when the attribute does not exist: absence is data, other failures are errors.
  public func readIfPresent(_ path: HostPath, limit: Int = HostFileLimits.attribute) throws(SysfsError) -> String? {
    do { return try read(path, limit: limit) } catch where error.isNotFound { return nil }
  }

  /// The attribute's first line without its newline, the way sysfs prints single values.
  public func readValue(_ path: HostPath) throws(SysfsError) -> String {
    trimmed(try read(path))
  }

  public func readValueIfPresent(_ path: HostPath) throws(SysfsError) -> String? {
    try readIfPresent(path).map(trimmed)
  }

  public func listIfPresent(_ path: HostPath) throws(SysfsError) -> [String] {
    do { return try list(path) } catch where error.isNotFound { return [] }
  }
}

extension Sequence<UInt8> {
  /// Whether these UTF-8 bytes are all ASCII: then each byte is one Character (but CR LF), so text
  /// work can go byte by byte.
  var isASCII: Bool { allSatisfy { $0 < 0x80 } }
}

func trimmed(_ text: String) -> String {
  // Byte-wise for ASCII text (what sysfs values are), where only CR LF joins into one Character;
  // Character-wise otherwise (a trailing blank can end a longer grapheme, e.g. after U+0600).
  var text = text
  let asciiEnd: Int? = text.withUTF8 { bytes in
    guard bytes.isASCII else { return nil }
    var end = bytes.count
    while end > 0 {
      let last = bytes[end - 1]
      guard last == UInt8(ascii: "\n") || last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") else { break }
      if last == UInt8(ascii: "\n") && end > 1 && bytes[end - 2] == UInt8(ascii: "\r") { break }
      end -= 1
    }
    return end
  }
  if let asciiEnd {
    return asciiEnd == text.utf8.count ? text : String(text.utf8.prefix(asciiEnd))!
  }
  var s = Substring(text)
  while let last = s.last, last == "\n" || last == " " || last == "\t" { s = s.dropLast() }
  return String(s)
}
