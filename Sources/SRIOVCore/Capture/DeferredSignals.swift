#if canImport(Glibc)
import Glibc
#endif

/// SIGINT, SIGTERM and SIGHUP held back while a capture builds its staging tree, so that one arriving
/// mid-way stops the capture between two files and the staging directory is removed before the
/// process ends, instead of hundreds of MB being left beside the destination.
///
/// No handler and no global: the signals are blocked in the calling thread (`pthread_sigmask`) and
/// polled with `sigpending` between files. The one process-wide state this touches is the signal
/// mask of the capturing thread (threads it starts inherit it), never a disposition. `release()`
/// restores the mask as it was; a signal that arrived meanwhile is then delivered with its own
/// disposition: by default the process ends by it, as whoever sent it asked, with the staging
/// directory already gone. Signals the process ignores or already blocks are left alone (Linux keeps
/// a blocked signal pending even when its disposition is to ignore it).
final class DeferredSignals {
  static let deferrable: [Int32] = [SIGINT, SIGTERM, SIGHUP]
  private var previous = sigset_t()
  private var held = sigset_t()
  private var active = false

  init() {
    sigemptyset(&held)
    var empty = sigset_t()
    sigemptyset(&empty)
    pthread_sigmask(SIG_BLOCK, &empty, &previous)  // reads the current mask
    for signal in Self.deferrable where sigismember(&previous, signal) != 1 && !Self.isIgnored(signal) {
      sigaddset(&held, signal)
    }
    pthread_sigmask(SIG_BLOCK, &held, nil)
    active = true
  }

  deinit { release() }

  /// The first held signal that has arrived, or nil.
  func pending() -> Int32? {
    guard active else { return nil }
    var set = sigset_t()
    sigpending(&set)
    return Self.deferrable.first { sigismember(&held, $0) == 1 && sigismember(&set, $0) == 1 }
  }

  /// Restores the mask; a held signal that arrived is delivered now. Idempotent.
  func release() {
    guard active else { return }
    active = false
    pthread_sigmask(SIG_SETMASK, &previous, nil)
  }

  static func name(_ signal: Int32) -> String {
    switch signal {
    case SIGINT: "SIGINT"
    case SIGTERM: "SIGTERM"
    case SIGHUP: "SIGHUP"
    default: "signal \(signal)"
    }
  }

  private static func isIgnored(_ signal: Int32) -> Bool {
    var current = sigaction()
    guard sigaction(signal, nil, &current) == 0, current.sa_flags & SA_SIGINFO == 0 else { return false }
    // SIG_IGN is the handler value 1; Swift does not import the macro.
    return current.__sigaction_handler.sa_handler.map { unsafeBitCast($0, to: Int.self) == 1 } ?? false
  }
}
