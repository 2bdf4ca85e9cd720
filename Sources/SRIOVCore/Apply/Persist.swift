import SystemPackage

/// `persist`: installs a desired-state file and a systemd unit that applies it at boot, after udev
/// has settled (the PF drivers are bound) and before `network-pre.target` (before networkd,
/// NetworkManager or ifupdown configure the VFs' interfaces), the way netplan's and rdma-core's
/// SR-IOV units are ordered.
public struct Persist: Sendable {
  /// The host root to install into (`/`, or an image being prepared), through the door.
  public let files: any HostFiles

  public static let statePath = HostPath("etc/sriovctl/desired-state.yaml")
  public static let unitPath = HostPath("etc/systemd/system/sriovctl.service")
  /// Where the unit looks for sriovctl, in order: the Debian package's place, then `make install`'s
  /// (PREFIX=/usr/local). The unit runs the first one installed in the root.
  public static let binaries = ["/usr/bin/sriovctl", "/usr/local/bin/sriovctl"]
  /// What `systemctl enable` creates for `WantedBy=multi-user.target`.
  public static let enableLink = HostPath("etc/systemd/system/multi-user.target.wants/sriovctl.service")

  /// The unit running the Debian package's binary, byte for byte as `dist/systemd/sriovctl.service`
  /// (a test compares them; `make install` rewrites ExecStart the same way for its BINDIR).
  public static let unitText = unitText(binary: binaries[0])

  /// The unit with `binary` in ExecStart.
  public static func unitText(binary: String) -> String {
    """
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
    ExecStart=\(binary) apply -f /etc/sriovctl/desired-state.yaml
    # Creating many VFs takes minutes on some NICs.
    TimeoutStartSec=10min

    [Install]
    WantedBy=multi-user.target

    """
  }

  /// The largest desired-state file read (the parser's own cap).
  static let maxFileSize = DesiredState.maxFileBytes

  public init(root: HostRoot) { files = root.files }
  public init(root: String) { self.init(root: HostRoot(root)) }

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
    /// What the unit runs, and whether it is installed in the root (`ROOT/usr/bin/sriovctl` ...).
    public let binary: String
    public let binaryPresent: Bool
    public var unit: String { Persist.unitText(binary: binary) }
    /// Other owners of the PFs in the file (docs/owners.md), shown before the plan.
    public var warnings: [String] = []
    /// Extra files written (path, content), shown by a dry run after the unit.
    public var extraTexts: [(HostPath, String)] = []
    public var changed: Bool { items.contains { !$0.upToDate } }
  }

  /// Installs `stateText` (already checked with `DesiredState.parse`), the unit and its enable link,
  /// under the host lock. Every target is checked first (a directory, FIFO or device where a file
  /// belongs is refused before anything is written); then each file is staged under a unique name
  /// (O_EXCL, fsync) and only then renamed into place, so a refusal or failure leaves the old
  /// installation, and concurrent runs never share a temporary file.
  /// `extra`: more files to put in place (`nil` content: remove the file if it is there), such as
  /// the NetworkManager udev rule (`NMUnmanagedRule`).
  public func install(stateText: String, dryRun: Bool, extra: [(HostPath, String?)] = []) throws -> Outcome {
    let sysfs = files
    let lock = dryRun ? nil : try HostLock.acquire(sysfs)
    defer { withExtendedLifetime(lock) {} }
    let target = "/" + Self.unitPath.components.joined(separator: "/")
    let installed = Self.binaries.first { sysfs.isExecutable(HostPath(String($0.dropFirst()))) }
    let binary = installed ?? Self.binaries[0]
    var files: [(HostPath, String)] = [(Self.statePath, stateText), (Self.unitPath, Self.unitText(binary: binary))]
    var removals: [HostPath] = []
    for (path, content) in extra {
      if let content { files.append((path, content)) } else { removals.append(path) }
    }
    var items: [Item] = []
    var previous: [HostPath: String?] = [:]
    for (path, content) in files {
      let current: String?
      do { current = try sysfs.readIfPresent(path, limit: HostFileLimits.text) } catch {
        throw failure(path, "cannot replace it", error)
      }
      previous[path] = current
      items.append(Item(path: path, kind: "file", upToDate: current == content))
    }
    let currentLink: String?
    do { currentLink = try sysfs.linkText(Self.enableLink) } catch where error.cause == .notRegularFile("not a symbolic link") {
      currentLink = nil  // a plain file where the link belongs: replaced by the link
    } catch {
      throw failure(Self.enableLink, "cannot replace it", error)
    }
    items.append(Item(path: Self.enableLink, kind: "symlink", upToDate: currentLink == target))
    for path in removals where sysfs.exists(path) {
      var item = Item(path: path, kind: "file", upToDate: false)
      item.removed = true
      items.append(item)
    }
    var outcome = Outcome(dryRun: dryRun, items: items, binary: binary, binaryPresent: installed != nil)
    outcome.extraTexts = extra.compactMap { path, text in text.map { (path, $0) } }
    guard !dryRun else { return outcome }

    // Stage everything that changes; nothing is in place until all of it is written.
    var staged: [StagedFile] = []
    for item in items where !item.upToDate && !item.removed {
      do {
        if item.kind == "symlink" {
          staged.append(try sysfs.stageSymlink(target, at: item.path))
        } else {
          let content = files.first { $0.0 == item.path }!.1
          staged.append(try sysfs.stage(Array(content.utf8), at: item.path))
        }
      } catch {
        throw failure(item.path, "cannot write it", error)
      }
    }
    var committed: [StagedFile] = []
    for file in staged {
      do { try file.commit() } catch {
        restore(committed, previous: previous, sysfs: sysfs)
        throw failure(file.path, "cannot put it in place", SysfsError(.create, path: sysfs.absolute(file.path), cause: .errno(error)))
      }
      committed.append(file)
    }
    for item in items where item.removed {
      do { try sysfs.remove(item.path) } catch { throw failure(item.path, "cannot remove it", error) }
    }
    return outcome
  }

  /// Puts back what `committed` replaced (best effort: the rename that failed was the anomaly).
  private func restore(_ committed: [StagedFile], previous: [HostPath: String?], sysfs: any HostFiles) {
    for file in committed.reversed() {
      if let old = previous[file.path], let old {
        try? sysfs.stage(Array(old.utf8), at: file.path).commit()
      } else {
        _ = try? sysfs.remove(file.path)
      }
    }
  }

  private func failure(_ path: HostPath, _ attempt: String, _ error: SysfsError) -> SRIOVError {
    let e = error.errno
    let hint: String = switch e {
    case .permissionDenied?, .notPermitted?, .readOnlyFileSystem?: "run as root (sudo)"
    default: "remove or fix what is at \(files.absolute(path)); persist writes only plain files and its own link there"
    }
    return SRIOVError(files.absolute(path), "\(attempt): \(error)", hint: hint)
  }
}

extension DesiredState {
  /// Reads and parses the file at `path` (as the user typed it; not inside `--root`: the file
  /// describes the host, it is not part of it).
  public static func load(path: String) throws -> (state: DesiredState, text: String) {
    let bytes: [UInt8]
    do { bytes = try RootedHostFiles.readUserFile(path, limit: Persist.maxFileSize) } catch {
      let hint: String = switch error.cause {
      case .errno(.permissionDenied): "run as root (sudo), or make the file readable"
      case .notRegularFile("a directory"): "give the file, not its directory"
      case .notRegularFile: "give a regular file (a FIFO or device is not read: save the state to a file first)"
      case .tooLarge: "a desired-state file is at most \(Persist.maxFileSize >> 20) MiB; is it the right file?"
      default: "check the path given with -f"
      }
      throw SRIOVError(path, "cannot read the desired-state file: \(error.causeDescription)", hint: hint)
    }
    // Checked as bytes (UTF-8, no NUL or C0) before decoding, so the text is exactly the file.
    let state = try parse(bytes: bytes, source: path)
    return (state, String(decoding: bytes, as: UTF8.self))
  }
}
