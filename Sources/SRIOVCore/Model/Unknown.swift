/// Why a fact is unknown. Real hosts and other tools' captures lack files, hold short copies or
/// dangling links; the fact then degrades to unknown and the reason travels with it, so `show`,
/// `list` and `check` say the same "unknown, because ..." (issue 17).
public struct Unknown: Hashable, Sendable, CustomStringConvertible {
  public enum Cause: String, Hashable, Sendable {
    /// The live host refuses it to this user (config space past 64 bytes without CAP_SYS_ADMIN).
    case needsPrivilege = "needs_privilege"
    /// The root is a capture or snapshot that does not hold it.
    case notInRoot = "not_in_root"
    /// Present, but shorter than what the kernel gives.
    case truncated
    /// Present, but not in the form the kernel writes.
    case invalid
    /// Present, but reading it failed (the errno is in the reason).
    case unreadable
    /// The attribute does not exist here (an older kernel, or a copy that skipped it).
    case absent
  }

  public let cause: Cause
  /// What is missing and why, for people (`config is 64 bytes: ...`).
  public let reason: String
  /// What to do about it; nil when nothing helps.
  public let hint: String?

  public init(_ cause: Cause, _ reason: String, hint: String? = nil) {
    self.cause = cause
    self.reason = reason
    self.hint = hint
  }

  public var description: String { "unknown: " + reason }
}
