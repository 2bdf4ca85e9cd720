/// An error the CLI prints as one line (subject, attempt, cause) plus an optional `hint:` line.
/// Core says what kind of error it is; the CLI alone turns the kind into an exit status.
public protocol UserFacingError: Error, CustomStringConvertible {
  /// The single line after `Error: `.
  var message: String { get }
  /// How to fix it, when we know.
  var hint: String? { get }
  var kind: ErrorKind { get }
}

/// What went wrong, in the terms a caller acts on (the CLI maps these to exit statuses).
public enum ErrorKind: Equatable, Sendable {
  /// The operation failed, or the host could not be read.
  case failure
  /// The request itself is malformed: nothing was attempted.
  case usage
  /// A signal stopped the operation after it cleaned up.
  case interrupted(signal: Int32)
}

extension UserFacingError {
  public var description: String { message }
  public var hint: String? { nil }
  public var kind: ErrorKind { .failure }
}

/// A failure tied to a subject (a device, the host root, ...).
public struct SRIOVError: UserFacingError, Sendable {
  public let subject: String
  public let problem: String
  public let hint: String?
  public let kind: ErrorKind

  public init(_ subject: String, _ problem: String, hint: String? = nil, kind: ErrorKind = .failure) {
    self.subject = subject
    self.problem = problem
    self.hint = hint
    self.kind = kind
  }

  /// The older spelling some planners still use: 64 is a usage error, 128+N a signal.
  public init(_ subject: String, _ problem: String, hint: String? = nil, exitCode: Int32) {
    let kind: ErrorKind = exitCode == 64 ? .usage : exitCode > 128 ? .interrupted(signal: exitCode - 128) : .failure
    self.init(subject, problem, hint: hint, kind: kind)
  }

  public var message: String { "\(subject): \(problem)" }
}

/// Bad input is a usage error with the expected form already in the text.
extension ParseError: UserFacingError {
  public var message: String { description }
  public var kind: ErrorKind { .usage }
}
