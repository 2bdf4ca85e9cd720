/// An error the CLI prints as one line (subject, attempt, cause) plus an optional `hint:` line.
public protocol UserFacingError: Error, CustomStringConvertible {
  /// The single line after `Error: `.
  var message: String { get }
  /// How to fix it, when we know.
  var hint: String? { get }
  /// Process exit status: 1 for failures, 64 for usage errors.
  var exitCode: Int32 { get }
}

extension UserFacingError {
  public var description: String { message }
  public var hint: String? { nil }
  public var exitCode: Int32 { 1 }
}

/// A failure tied to a subject (a device, the host root, ...).
public struct SRIOVError: UserFacingError, Sendable {
  public let subject: String
  public let problem: String
  public let hint: String?
  public let exitCode: Int32

  public init(_ subject: String, _ problem: String, hint: String? = nil, exitCode: Int32 = 1) {
    self.subject = subject
    self.problem = problem
    self.hint = hint
    self.exitCode = exitCode
  }

  public var message: String { "\(subject): \(problem)" }
}

/// Bad command-line input is a usage error (exit 64) with the expected form already in the text.
extension ParseError: UserFacingError {
  public var message: String { description }
  public var exitCode: Int32 { 64 }
}
