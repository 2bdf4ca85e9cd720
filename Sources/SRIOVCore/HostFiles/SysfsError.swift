import SystemPackage

/// A failed sysfs operation: what was attempted, where, and the kernel's errno.
public struct SysfsError: Error, Sendable, CustomStringConvertible {
  public enum Operation: Sendable, Equatable {
    case read
    case write(String)
    case readLink
    case list
    /// Creating a file or directory the tool owns (persist, capture, the lock).
    case create
    /// Taking the exclusive lock on an open lock file.
    case lock
  }

  public enum Cause: Sendable, Equatable {
    case errno(Errno)
    /// A symlink pointing outside the host root (absolute, or too many `..`).
    case linkEscapesRoot(String)
    /// Something other than a regular file where one belongs (a FIFO, a device node, a directory,
    /// a symlink as the last component); the text names the type.
    case notRegularFile(String)
    /// A file longer than the cap for what it should be (an attribute is at most a page).
    case tooLarge(limit: Int)
    /// A file with more than one hard link, which the tool refuses to write: it may be a name for
    /// a file outside the root.
    case hardLinked
  }

  public let operation: Operation
  /// The full path on this machine, root included, so the user can inspect it.
  public let path: String
  public let cause: Cause

  public init(_ operation: Operation, path: String, cause: Cause) {
    self.operation = operation
    self.path = path
    self.cause = cause
  }

  public var errno: Errno? {
    if case .errno(let e) = cause { return e }
    return nil
  }

  public var isNotFound: Bool { errno == .noSuchFileOrDirectory }

  public var description: String {
    let attempt: String
    switch operation {
    case .read: attempt = "reading \(path)"
    case .write(let value): attempt = "writing '\(value)' to \(path)"
    case .readLink: attempt = "reading link \(path)"
    case .list: attempt = "listing \(path)"
    case .create: attempt = "creating \(path)"
    case .lock: attempt = "locking \(path)"
    }
    return "\(attempt) failed: \(causeDescription)"
  }

  /// The cause alone, as a message says it after "failed: ".
  public var causeDescription: String {
    switch cause {
    case .errno(let e): e.description
    case .linkEscapesRoot(let target): "it points outside the host root (\(Self.cut(target)))"
    case .notRegularFile(let kind): "it is \(kind), not a regular file"
    case .tooLarge(let limit): "it is larger than \(Self.size(limit)), more than this file can hold"
    case .hardLinked: "it has more than one hard link (it may be a name for a file outside the host root)"
    }
  }

  /// A link target as read from a tree, cut to a length an error line can carry.
  static func cut(_ text: String) -> String {
    text.utf8.count <= 128 ? text : String(decoding: text.utf8.prefix(125), as: UTF8.self) + "..."
  }

  static func size(_ bytes: Int) -> String {
    bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB"
      : bytes >= 1 << 10 && bytes % (1 << 10) == 0 ? "\(bytes >> 10) KiB" : "\(bytes) bytes"
  }

  /// What a file type is called in messages, from `st_mode`.
  static func kind(mode: UInt32) -> String {
    switch mode & 0o170000 {
    case 0o010000: "a FIFO"
    case 0o020000: "a character device"
    case 0o060000: "a block device"
    case 0o040000: "a directory"
    case 0o140000: "a socket"
    case 0o120000: "a symbolic link"
    default: "a special file"
    }
  }
}

#if canImport(Glibc)
import Glibc
#endif

extension Errno {
  /// The errno the last failed system call of this thread left: the one place it is read, so a
  /// caller cannot pick it up after another call has overwritten it by accident of spelling.
  public static var last: Errno { Errno(rawValue: Glibc.errno) }
}
