import CFuzzDriver
#if canImport(Glibc)
import Glibc
#endif

/// Runs libFuzzer's loop over `one` (the target's `LLVMFuzzerTestOneInput`) with the process's
/// arguments, and exits with its status. Every target's `main.swift` ends with this.
public func runFuzzer(_ one: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Never {
  var argc = CommandLine.argc
  var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
  exit(LLVMFuzzerRunDriver(&argc, &argv, one))
}
