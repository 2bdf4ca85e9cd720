import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// `persist`: installs a desired-state file and a systemd unit that applies it at boot, after udev
/// has settled (the PF drivers are bound) and before `network-pre.target` (before networkd,
/// NetworkManager or ifupdown configure the VFs' interfaces), the way netplan's and rdma-core's
/// SR-IOV units are ordered.
public struct Persist: Sendable {
  /// The host root to install into (`/`, or an image being prepared).
  public let root: String

  public static let statePath = HostPath("etc/sriovctl/desired-state.yaml")
  public static let unitPath = HostPath("etc/systemd/system/sriovctl.service")
  /// What the unit runs (where the Debian package installs it).
  public static let binary = "/usr/bin/sriovctl"
  /// What `systemctl enable` creates for `WantedBy=multi-user.target`.
  public static let enableLink = HostPath("etc/systemd/system/multi-user.target.wants/sriovctl.service")

  /// The unit, byte for byte as `dist/systemd/sriovctl.service` (a test compares them).
  public static let unitText = """
    # Installed by 'sriovctl persist': applies /etc/sriovctl/desired-state.yaml at every boot.
    [Unit]
    Description=Apply the SR-IOV desired state (sriovctl)
    # Early: PF drivers must be bound (udev settled), the VFs must exist before the network
    # managers (ordered after network-pre.target) look for their interfaces.
    DefaultDependencies=no
    Wants=systemd-udev-settle.service network-pre.target
    After=systemd-udev-settle.service systemd-modules-load.service local-fs.target
    Before=network-pre.target shutdown.target
    Conflicts=shutdown.target
    ConditionPathExists=/etc/sriovctl/desired-state.yaml

    [Service]
    Type=oneshot
    RemainAfterExit=yes
    ExecStart=/usr/bin/sriovctl apply -f /etc/sriovctl/desired-state.yaml
    # Creating many VFs takes minutes on some NICs.
    TimeoutStartSec=10min

    [Install]
    WantedBy=multi-user.target

    """

  /// The largest desired-state file read (4 MiB).
  static let maxFileSize = 4 << 20

  public init(root: String) { self.root = root }

  /// One file or link `persist` puts in place.
  public struct Item: Sendable {
    public let path: HostPath
    /// "file" or "symlink".
    public let kind: String
    /// Already in place: nothing written.
    public let upToDate: Bool
    /// The file is (or would be) removed rather than written.
    public var removed = false
  }

  public struct Outcome: Sendable {
    public let dryRun: Bool
    public let items: [Item]
    /// Whether `ROOT/usr/bin/sriovctl` (what the unit runs) exists.
    public let binaryPresent: Bool
    /// Other owners of the PFs in the file (docs/owners.md), shown before the plan.
    public var warnings: [String] = []
    /// Extra files written (path, content), shown by a dry run after the unit.
    public var extraTexts: [(HostPath, String)] = []
    public var changed: Bool { items.contains { !$0.upToDate } }

    public func text() -> String {
      var out = warnings.map { "warning: \($0)\n" }.joined()
      if !binaryPresent {
        out += "warning: the unit runs \(Persist.binary), which is not there: it will fail at boot until sriovctl is installed there (the Debian package does; make install needs PREFIX=/usr)\n"
      }
      for item in items {
        let verb = item.upToDate ? "unchanged" : item.removed ? (dryRun ? "would remove" : "removed") : (dryRun ? "would write" : "wrote")
        out += "\(verb) \(item.path)\(item.kind == "symlink" ? " -> /\(Persist.unitPath.components.joined(separator: "/"))" : "")\n"
      }
      if dryRun { out += "\n--- \(Persist.unitPath) ---\n" + Persist.unitText }
      if dryRun { for (path, text) in extraTexts { out += "\n--- \(path) ---\n" + text } }
      return out
    }

    public func json() -> JSON {
      let list: [JSON] = items.map { item in
        .object([("path", .string(item.path.description)), ("kind", .string(item.kind)), ("changed", .bool(!item.upToDate)),
          ("removed", .bool(item.removed))])
      }
      return JSON.document([("result", .object([
        ("dry_run", .bool(dryRun)), ("files", .array(list)), ("unit", .string(Persist.unitText)),
        ("warnings", .strings(warnings)),
        ("binary_present", .bool(binaryPresent)), ("changed", .bool(changed)),
      ]))])
    }
  }

  /// Installs `stateText` (already checked with `DesiredState.parse`), the unit and its enable link.
  /// Each file is written whole (temporary file, fsync, rename): a crash leaves the old or the new.
  /// `extra`: more files to put in place (`nil` content: remove the file if it is there), such as
  /// the NetworkManager udev rule (`NMUnmanagedRule`).
  public func install(stateText: String, dryRun: Bool, extra: [(HostPath, String?)] = []) throws -> Outcome {
    let target = "/" + Self.unitPath.components.joined(separator: "/")
    var files: [(HostPath, String)] = [(Self.statePath, stateText), (Self.unitPath, Self.unitText)]
    var removals: [HostPath] = []
    for (path, content) in extra {
      if let content { files.append((path, content)) } else { removals.append(path) }
    }
    var items: [Item] = []
    for (path, content) in files {
      let full = try absolute(path, create: !dryRun)
      let same = full.map { (try? readFile($0)) == content } ?? false
      if !same && !dryRun { try writeAtomically(content, to: full!, shown: path) }
      items.append(Item(path: path, kind: "file", upToDate: same))
    }
    let link = try absolute(Self.enableLink, create: !dryRun)
    let current: String? = link.flatMap(readLink)
    let same = current == target
    if !same && !dryRun, let link {
      if current != nil || exists(link) { unlink(link) }
      guard symlink(target, link) == 0 else {
        throw failure(Self.enableLink, "cannot create the enable link", Errno(rawValue: Glibc.errno))
      }
    }
    items.append(Item(path: Self.enableLink, kind: "symlink", upToDate: same))
    for path in removals {
      guard let full = try absolute(path, create: false), exists(full) else { continue }
      if !dryRun && unlink(full) != 0 { throw failure(path, "cannot remove it", Errno(rawValue: Glibc.errno)) }
      var item = Item(path: path, kind: "file", upToDate: false)
      item.removed = true
      items.append(item)
    }
    let binary = RootedSysfs(root: root).absolute(HostPath(String(Self.binary.dropFirst())))
    var outcome = Outcome(dryRun: dryRun, items: items, binaryPresent: access(binary, X_OK) == 0)
    outcome.extraTexts = extra.compactMap { path, text in text.map { (path, $0) } }
    return outcome
  }

  // MARK: files inside the root

  /// The absolute path of `path` with its directory resolved inside the root (created when
  /// `create`); nil when the directory does not exist and `create` is false.
  func absolute(_ path: HostPath, create: Bool) throws -> String? {
    let sysfs = RootedSysfs(root: root)
    var directory = HostPath("")
    for name in path.parent.components {
      let next = directory.appending(name)
      // Resolve links inside the root (an image's /etc may be a link; it must not lead out of it).
      let real: HostPath
      if sysfs.rootPrefix.isEmpty {
        real = next
      } else {
        do { real = try sysfs.realPath(next) } catch {
          throw SRIOVError(sysfs.absolute(next), "cannot use it: \(error)", hint: "--root must be a directory tree whose links stay inside it")
        }
      }
      let full = sysfs.absolute(real)
      if !exists(full) {
        guard create else { return nil }
        guard mkdir(full, 0o755) == 0 || Glibc.errno == EEXIST else {
          throw failure(next, "cannot create the directory", Errno(rawValue: Glibc.errno))
        }
      }
      directory = real
    }
    guard let last = path.lastComponent else { return nil }
    return sysfs.absolute(directory.appending(last))
  }

  private func writeAtomically(_ content: String, to full: String, shown: HostPath) throws {
    let temporary = full + ".sriovctl-new"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
    guard fd >= 0 else { throw failure(shown, "cannot write it", Errno(rawValue: Glibc.errno)) }
    let descriptor = FileDescriptor(rawValue: fd)
    do {
      _ = try descriptor.writeAll(Array(content.utf8))
      guard fsync(fd) == 0 else { throw Errno(rawValue: Glibc.errno) }
      try descriptor.close()
    } catch {
      try? descriptor.close()
      unlink(temporary)
      throw failure(shown, "cannot write it", error as? Errno ?? .ioError)
    }
    guard rename(temporary, full) == 0 else {
      let e = Errno(rawValue: Glibc.errno)
      unlink(temporary)
      throw failure(shown, "cannot put it in place", e)
    }
  }

  private func exists(_ full: String) -> Bool {
    var info = stat()
    return lstat(full, &info) == 0
  }

  private func readLink(_ full: String) -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink(full, &buffer, buffer.count - 1)
    guard n >= 0 else { return nil }
    return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  private func failure(_ path: HostPath, _ attempt: String, _ e: Errno) -> SRIOVError {
    let hint: String? = (e == .permissionDenied || e == .notPermitted || e == .readOnlyFileSystem) ? "run as root (sudo)" : nil
    return SRIOVError(RootedSysfs(root: root).absolute(path), "\(attempt): \(e.description)", hint: hint)
  }
}

/// The whole content of a file.
func readFile(_ full: String) throws(Errno) -> String {
  let descriptor: FileDescriptor
  do { descriptor = try FileDescriptor.open(full, .readOnly, options: [.closeOnExec]) } catch { throw error as? Errno ?? .ioError }
  defer { try? descriptor.close() }
  var result: [UInt8] = []
  var buffer = [UInt8](repeating: 0, count: 65536)
  while true {
    let count: Int
    do { count = try buffer.withUnsafeMutableBytes { try descriptor.read(into: $0) } } catch { throw error as? Errno ?? .ioError }
    if count == 0 { break }
    result.append(contentsOf: buffer[0..<count])
    // The file describes a host: anything this large is not a desired-state file.
    if result.count > Persist.maxFileSize { throw .fileTooLarge }
  }
  return String(decoding: result, as: UTF8.self)
}

extension DesiredState {
  /// Reads and parses the file at `path` (as the user typed it; not inside `--root`: the file
  /// describes the host, it is not part of it).
  public static func load(path: String) throws -> (state: DesiredState, text: String) {
    let text: String
    do { text = try readFile(path) } catch {
      let hint: String = switch error {
      case .permissionDenied: "run as root (sudo), or make the file readable"
      case .isDirectory: "give the file, not its directory"
      case .fileTooLarge: "a desired-state file is at most \(Persist.maxFileSize >> 20) MiB; is it the right file?"
      default: "check the path given with -f"
      }
      throw SRIOVError(path, "cannot read the desired-state file: \(error.description)", hint: hint)
    }
    return (try parse(text, source: path), text)
  }
}
