import ArgumentParser

/// The help each command gives the shared change options (the words differ, the options do not).
protocol ChangeOptionsHelp {
  static var force: String { get }
  static var dryRun: String { get }
  static var timeout: String { get }
  static var defaultTimeout: Double { get }
}

/// `--force`, `--dry-run` and `--timeout`, as every command that changes the host takes them.
struct ChangeOptions<Help: ChangeOptionsHelp>: ParsableArguments {
  @Flag(name: .long, help: ArgumentHelp(Help.force)) var force = false
  @Flag(name: .long, help: ArgumentHelp(Help.dryRun)) var dryRun = false
  @Option(name: .long, help: ArgumentHelp(Help.timeout, valueName: "seconds")) var timeout: Double = Help.defaultTimeout

  func validate() throws {
    guard timeout > 0 else { throw ValidationError("--timeout must be more than 0 seconds (got \(timeout))") }
  }
}
