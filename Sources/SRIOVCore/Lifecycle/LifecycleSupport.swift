import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Time for waiting on the kernel: injected so tests advance it without sleeping.
public protocol LifecycleClock: Sendable {
  /// Seconds on a monotonic clock.
  func now() -> Double
  func sleep(seconds: Double)
}

/// `CLOCK_MONOTONIC` and `nanosleep`.
public struct MonotonicClock: LifecycleClock {
  public init() {}

  public func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    let seconds: Double = Double(ts.tv_sec)
    let fraction: Double = Double(ts.tv_nsec) / 1_000_000_000
    return seconds + fraction
  }

  public func sleep(seconds: Double) {
    guard seconds > 0 else { return }
    let whole: Double = seconds.rounded(.down)
    let nanos: Double = (seconds - whole) * 1_000_000_000
    var request = timespec(tv_sec: Int(whole), tv_nsec: Int(nanos))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && Errno.last == .interrupted { request = remaining }
  }
}

/// The exclusive lock `<root>/run/sriovctl.lock`, held while a command changes the host.
/// Released when the value is dropped (the kernel also drops it when the process exits).
public final class HostLock: @unchecked Sendable {
  private let held: HostFileLock
  public var path: String { held.path }

  private init(_ held: HostFileLock) { self.held = held }

  /// Takes the lock at `sysfs`' `run/sriovctl.lock`, creating `run/` and the file if needed (inside
  /// the root: a `run` or lock file that is a link, a FIFO or a hard link is refused). Fails within a
  /// tenth of a second when another process holds it.
  public static func acquire(_ sysfs: any HostFiles) throws(SRIOVError) -> HostLock {
    let path = sysfs.absolute(SysfsLayout.lockFile)
    do { return HostLock(try sysfs.lock(SysfsLayout.lockFile)) } catch where error.operation == .lock {
      let e = error.errno
      if e == .wouldBlock || e == .resourceTemporarilyUnavailable {
        throw SRIOVError(path, "another sriovctl is changing this host (it holds the lock)",
          hint: "wait for it to finish and retry; 'fuser \(path)' shows which process holds it")
      }
      throw failure(path, "cannot lock it: \(error.causeDescription)", e)
    } catch {
      throw failure(path, "cannot take the lock: \(error)", error.errno)
    }
  }

  private static func failure(_ path: String, _ problem: String, _ e: Errno?) -> SRIOVError {
    let hint: String = switch e {
    case .permissionDenied?, .notPermitted?, .readOnlyFileSystem?: "run as root (sudo)"
    default: "the lock lives in run/ of the host root; remove what is there if it is not a plain file"
    }
    return SRIOVError(path, problem, hint: hint)
  }
}

/// Turns a failed sysfs write into one line a user can act on (kernel-abi.md §2).
public enum WriteErrors {
  public static func explain(_ error: SysfsError, subject: String, write: SysfsWrite, totalVFs: Int? = nil) -> SRIOVError {
    let attribute: String = write.path.lastComponent ?? write.path.description
    let cause: String = error.errno?.description ?? error.description
    let problem = "writing \(attribute)=\(SysfsWrite.shown(write.value)) failed: \(cause) (\(error.path))"
    return SRIOVError(subject, problem, hint: hint(error.errno, attribute: attribute, subject: subject, totalVFs: totalVFs))
  }

  static func hint(_ errno: Errno?, attribute: String, subject: String, totalVFs: Int?) -> String? {
    let numVFs = attribute == SysfsLayout.Attribute.sriovNumVFs.rawValue
    switch errno {
    case .outOfRange?:
      let limit: String = totalVFs.map { "at most \($0)" } ?? "fewer"
      return "the device supports \(limit) VFs (sriov_totalvfs)"
    case .noSuchFileOrDirectory? where numVFs:
      return "the PF has no driver, or its driver does not support SR-IOV configuration via sysfs (see dmesg); bind the PF's driver first, or pci-pf-stub for a driver without SR-IOV support"
    case .noSuchFileOrDirectory?:
      return "the attribute is missing: this kernel or driver does not provide it"
    case .resourceBusy? where numVFs:
      return "VFs are already enabled: write 0 first (sriovctl does when the count changes), or something still holds a VF"
    case .resourceBusy?:
      return "the device is busy; stop what uses it and retry"
    case .noMemory? where numVFs:
      return "the firmware reserved no MMIO or bus numbers for VFs; enable SR-IOV and above-4G decoding in the BIOS, or boot with pci=realloc"
    case .noSpace?:
      return "the PF has no MSI-X vectors left for VFs; ask for fewer VFs or give the PF fewer queues"
    case .permissionDenied?, .notPermitted?:
      return "run as root (sudo)"
    case .operationNotSupportedByDevice?:
      return "the device is not bound to that driver (any more); run 'sriovctl show \(subject)'"
    case .invalidArgument?:
      return "the kernel rejected the value; check dmesg"
    default:
      return nil
    }
  }
}
