import SystemPackage

/// Builds a capture in a fresh temporary directory beside the destination and renames it into
/// place at the end, so a capture is either complete or absent. It only ever creates entries inside
/// its own temporary directory, through the door's `NewTree` (beneath the staging directory's fd,
/// never following a link, never opening an existing file), and on failure or interruption removes
/// exactly what it created.
final class CaptureWriter {
  /// The destination as the user gave it.
  let destination: String
  /// Where the tree is built until `commit()`.
  private let tree: NewTree
  private var staging: String { tree.staging }
  /// Everything created below `staging`, in creation order (removed in reverse on failure).
  private var created: [HostPath] = []
  private var directories: Set<HostPath> = [HostPath("")]
  private var committed = false
  /// SIGINT/SIGTERM/SIGHUP held back from before the staging directory exists until it is renamed
  /// into place or removed: each entry created first checks for one.
  private let signals: DeferredSignals

  /// Refuses a destination that exists and is not an empty directory, or whose parent is missing.
  init(destination: String) throws {
    var dest = destination
    while dest.count > 1 && dest.hasSuffix("/") { dest.removeLast() }
    guard !dest.isEmpty, dest != "/" else {
      throw SRIOVError(destination.isEmpty ? "''" : destination, "cannot capture into it: not a usable directory name",
        hint: "name a new directory, e.g. sriovctl capture ./host-capture")
    }
    self.destination = dest
    if let mode = NewTree.entryMode(dest) {
      guard mode & 0o170000 == 0o040000 else {
        throw SRIOVError(dest, "cannot capture into it: it exists and is not a directory",
          hint: "name a new directory (capture never overwrites)")
      }
      guard NewTree.isEmptyDirectory(dest) else {
        throw SRIOVError(dest, "cannot capture into it: the directory is not empty",
          hint: "name a new or empty directory (capture never overwrites or merges)")
      }
    }
    let parent = NewTree.parent(of: dest)
    guard NewTree.isDirectory(parent) else {
      throw SRIOVError(dest, "cannot capture into it: the parent directory \(parent) does not exist",
        hint: "create the parent directory first (capture creates only DIR itself)")
    }
    signals = DeferredSignals()
    do { tree = try NewTree(beside: dest, purpose: "capture") } catch {
      signals.release()
      throw SRIOVError(dest, "cannot create a temporary directory in \(parent): \(error.description)",
        hint: error == .permissionDenied || error == .readOnlyFileSystem ? "choose a directory you can write to" : nil)
    }
  }

  deinit {
    if !committed { discard() }
    signals.release()
  }

  /// Throws when a held signal has arrived: the caller stops, `abandon()` removes the staging tree.
  func checkInterrupted() throws {
    guard let signal = signals.pending() else { return }
    throw SRIOVError(destination, "capture interrupted by \(DeferredSignals.name(signal)): removed the unfinished capture \(staging)",
      exitCode: 128 + signal)
  }

  /// Removes the staging tree, then lets a held signal through (it usually ends the process).
  func abandon() {
    if !committed { discard() }
    signals.release()
  }

  /// Makes `path` and its missing parents.
  func directory(_ path: HostPath) throws {
    guard !directories.contains(path) else { return }
    try directory(path.parent)
    try checkInterrupted()
    do { try tree.makeDirectory(path) } catch { throw failure("create directory", path, error) }
    created.append(path)
    directories.insert(path)
  }

  /// A new regular file with exactly `bytes`.
  func file(_ path: HostPath, _ bytes: [UInt8]) throws {
    try directory(path.parent)
    try checkInterrupted()
    do { try tree.makeFile(path, bytes) } catch {
      if error != .fileExists { created.append(path) }  // a partly written file is ours to remove
      throw SRIOVError(destination, "cannot write \(path.description) in the capture: \(error)")
    }
    created.append(path)
  }

  func file(_ path: HostPath, text: String) throws { try file(path, Array(text.utf8)) }

  /// A relative symlink at `path` to `target` (both inside the capture).
  func link(_ path: HostPath, to target: HostPath) throws {
    try directory(path.parent)
    try checkInterrupted()
    do { try tree.makeLink(path, to: Self.relative(from: path.parent, to: target)) } catch { throw failure("create link", path, error) }
    created.append(path)
  }

  func exists(_ path: HostPath) -> Bool { tree.exists(path) }

  /// Moves the finished tree to the destination (replacing it only when it is an empty directory).
  func commit() throws {
    do { try tree.rename(to: destination) } catch {
      throw SRIOVError(destination, "cannot move the finished capture into place: \(error.description)",
        hint: "the destination appeared or changed while capturing; name a new directory")
    }
    committed = true
    signals.release()
  }

  /// Removes what this writer created, newest first.
  private func discard() {
    for path in created.reversed() { tree.remove(path) }
    created = []
    tree.removeStaging()
  }

  private func failure(_ what: String, _ path: HostPath, _ e: Errno) -> SRIOVError {
    SRIOVError(destination, "cannot \(what) \(path.description) in the capture: \(e.description)")
  }

  /// `../../devices/x` from `directory` to `target`.
  static func relative(from directory: HostPath, to target: HostPath) -> String {
    let a = directory.components, b = target.components
    var common = 0
    while common < a.count, common < b.count, a[common] == b[common] { common += 1 }
    let ups: [String] = Array(repeating: "..", count: a.count - common)
    let parts: [String] = ups + Array(b[common...])
    return parts.isEmpty ? "." : parts.joined(separator: "/")
  }
}
