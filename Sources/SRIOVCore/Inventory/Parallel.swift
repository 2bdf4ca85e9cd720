import CPCI
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Independent reads spread over a few threads. A listing of thousands of VFs is thousands of
/// small, independent sysfs reads; on a host with several cores they finish sooner side by side.
/// Results come back in index order, so output and the first error reported do not depend on
/// which thread read what.
enum Parallel {
  /// `(0..<count).map(body)`, computed on up to `threads` threads (this one included) that take
  /// `chunk` indices at a time. With one thread, or when a thread cannot be started, the work is
  /// done here, in order.
  static func map<T: Sendable>(_ count: Int, threads: Int, chunk: Int = 16, _ body: @Sendable (Int) -> T) -> [T] {
    guard count > 0 else { return [] }
    let threads = max(1, min(threads, (count + chunk - 1) / chunk))
    guard threads > 1 else { return (0..<count).map(body) }
    return withoutActuallyEscaping(body) { body in
      let work = Work(count: count, chunk: chunk, body: body)
      let started = (1..<threads).compactMap { _ in startThread { work.drain() } }
      work.drain()
      for thread in started { pthread_join(thread, nil) }
      return work.results()
    }
  }

  /// A result computed on a thread of its own while the caller goes on; `wait()` returns it. Without
  /// a thread (not wanted, or none could be started) `wait()` computes it.
  final class Pending<T: Sendable>: @unchecked Sendable {
    private let body: @Sendable () -> T
    // Written by the thread, read after `pthread_join`, which orders the two.
    private var result: T?
    private var thread: pthread_t?

    init(onThread: Bool, _ body: @escaping @Sendable () -> T) {
      self.body = body
      guard onThread else { return }
      thread = startThread { [self] in result = body() }
    }

    func wait() -> T {
      if let thread {
        pthread_join(thread, nil)
        self.thread = nil
      } else if result == nil {
        result = body()
      }
      return result!
    }
  }

  /// How many threads a large read may use: the CPUs this process may run on (its affinity, which
  /// containers and `taskset` narrow), at most four (a listing should not take the host).
  static var threadsForReads: Int { max(1, min(4, Int(cpci_usable_cpus()))) }

  /// Runs `run` on a new thread, to be joined; nil when no thread could be started.
  private static func startThread(_ run: @escaping @Sendable () -> Void) -> pthread_t? {
    var thread = pthread_t()
    let context = Unmanaged.passRetained(ThreadStart(run))
    let rc = pthread_create(&thread, nil, { raw in
      Unmanaged<ThreadStart>.fromOpaque(raw!).takeRetainedValue().run()
      return nil
    }, context.toOpaque())
    guard rc == 0 else {
      context.release()
      return nil
    }
    return thread
  }

  /// What a started thread runs (a class, so one pointer carries it; a C thread entry cannot name `T`).
  private final class ThreadStart: Sendable {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
  }

  /// The shared state of one `map`: the next chunk to take and a slot per result. Each index is
  /// written by exactly one thread and read only after every thread has been joined.
  private final class Work<T: Sendable>: @unchecked Sendable {
    let count: Int
    let chunk: Int
    let body: @Sendable (Int) -> T
    let next = Atomic<Int>(0)
    let slots: UnsafeMutableBufferPointer<T?>

    init(count: Int, chunk: Int, body: @escaping @Sendable (Int) -> T) {
      self.count = count
      self.chunk = chunk
      self.body = body
      slots = .allocate(capacity: count)
      slots.initialize(repeating: nil)
    }

    deinit {
      slots.deinitialize()
      slots.deallocate()
    }

    func drain() {
      while true {
        let start = next.wrappingAdd(chunk, ordering: .relaxed).oldValue
        guard start < count else { return }
        for index in start..<min(start + chunk, count) { slots[index] = body(index) }
      }
    }

    func results() -> [T] { slots.map { $0! } }
  }
}
