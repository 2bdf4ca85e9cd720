import SystemPackage

/// A failed sysfs operation: what was attempted, where, and the kernel's errno.
public struct SysfsError: Error, Sendable, CustomStringConvertible {
  public enum Operation: Sendable, Equatable {
    case read
    case write(String)
    case readLink
    case list
  }

  public enum Cause: Sendable, Equatable {
    case errno(Errno)
    /// A symlink pointing outside the host root (absolute, or too many `..`).
    case linkEscapesRoot(String)
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
    }
    switch cause {
    case .errno(let e): return "\(attempt) failed: \(e.description)"
    case .linkEscapesRoot(let target): return "\(attempt) failed: it points outside the host root (\(target))"
    }
  }
}
