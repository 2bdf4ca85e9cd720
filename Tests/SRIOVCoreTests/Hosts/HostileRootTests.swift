import Foundation
import SRIOVCore
import Synchronization
import Testing

/// Hostile host roots (issue 15): a copy of a fixture with one thing planted in it, next to a sentinel
/// directory `outside/` that nothing may change. Every command must end within seconds, with a clear
/// error where it cannot go on, in bounded memory, and must never read or write outside the root.
@Suite("hostile roots")
struct HostileRootTests {
  /// A scratch directory holding `root/` (a copy of x710-demo) and `outside/` (the sentinel).
  struct Scene {
    let dir: String
    var root: String { dir + "/root" }
    var outside: String { dir + "/outside" }
    /// PF 0000:3b:00.0's real directory, and VF 0's.
    var pf: String { root + "/sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0" }
    var vf: String { root + "/sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:02.0" }

    init() throws {
      dir = FileManager.default.temporaryDirectory.appendingPathComponent("sriovctl-hostile-\(UUID().uuidString)").path
      try FileManager.default.createDirectory(atPath: dir + "/outside", withIntermediateDirectories: true)
      try #require(try run("/bin/cp", ["-a", fixtureRoot("x710-demo"), dir + "/root"], env: [:]).status == 0)
      for name in ["victim", "secret"] {
        try "TOPSECRET-\(name)\n".write(toFile: outside + "/" + name, atomically: false, encoding: .utf8)
      }
      // A VF driver to bind to, as a loaded module gives it.
      let vfio = root + "/sys/bus/pci/drivers/vfio-pci"
      try FileManager.default.createDirectory(atPath: vfio, withIntermediateDirectories: true)
      for name in ["bind", "unbind", "new_id"] { try "".write(toFile: vfio + "/" + name, atomically: false, encoding: .utf8) }
    }

    func remove() { try? FileManager.default.removeItem(atPath: dir) }

    /// Replaces whatever is at `path` (inside the root) with a symlink to `target`.
    func link(_ path: String, to target: String) throws {
      try? FileManager.default.removeItem(atPath: path)
      try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
    }

    /// A relative link target from the directory holding `path` to `outside/<name>`: it climbs out.
    func climbing(from path: String, to name: String) -> String {
      let depth = URL(fileURLWithPath: path).deletingLastPathComponent().path.dropFirst(dir.count).split(separator: "/").count
      return String(repeating: "../", count: depth) + "outside/" + name
    }

    func fifo(_ path: String) throws {
      try? FileManager.default.removeItem(atPath: path)
      try #require(mkfifo(path, 0o644) == 0)
    }

    func hardLink(_ path: String, to outsideName: String) throws {
      try? FileManager.default.removeItem(atPath: path)
      try #require(Glibc.link(outside + "/" + outsideName, path) == 0)
    }

    /// Every entry under `outside/`: name, type, size, content or link target.
    func sentinel() throws -> [String] {
      var result: [String] = []
      let enumerator = FileManager.default.enumerator(atPath: outside)
      while let name = enumerator?.nextObject() as? String {
        let full = outside + "/" + name
        var info = stat()
        lstat(full, &info)
        // Not the link count: replacing a planted hard link inside the root lowers it, harmlessly.
        var line = "\(name) mode=\(String(info.st_mode, radix: 8)) size=\(info.st_size)"
        if info.st_mode & S_IFMT == S_IFREG { line += " " + String(decoding: try Data(contentsOf: URL(fileURLWithPath: full)), as: UTF8.self) }
        if info.st_mode & S_IFMT == S_IFLNK { line += " -> " + ((try? FileManager.default.destinationOfSymbolicLink(atPath: full)) ?? "?") }
        result.append(line)
      }
      return result.sorted()
    }
  }

  /// What a run of the CLI did, with its own peak memory.
  struct Run {
    let stdout: String
    let stderr: String
    /// nil when it did not end by itself within the deadline (then it was killed).
    let status: Int32?
    let maxRSSKiB: Int
    var output: String { stdout + stderr }
  }

  /// Runs the CLI under GNU time (`%M`: the child's peak resident set, from a plain fork, so the
  /// test process's own memory never counts as the child's, as it would after posix_spawn's vfork);
  /// kills it after `seconds`.
  static func runBounded(_ args: [String], seconds: Double = 20) throws -> Run {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sriovctl-run-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, dir + "/out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, dir + "/err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
    posix_spawnattr_setpgroup(&attributes, 0)
    let time = "/usr/bin/time"
    try #require(FileManager.default.isExecutableFile(atPath: time), "GNU time is needed (apt install time)")
    let argv = ([time, "-f", "%M", "-o", dir + "/rss", Repo.binary] + args).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    let environment = ProcessInfo.processInfo.environment.filter { $0.key != "SRIOVCTL_ROOT" }.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { environment.forEach { free($0) } }
    var pid: pid_t = 0
    try #require(posix_spawn(&pid, time, &actions, &attributes, argv, environment) == 0)
    var status: Int32 = 0
    let deadline = Date().addingTimeInterval(seconds)
    var ended = false
    while Date() < deadline {
      if waitpid(pid, &status, WNOHANG) == pid { ended = true; break }
      usleep(10_000)
    }
    if !ended {
      kill(-pid, SIGKILL)
      waitpid(pid, &status, 0)
    }
    let read = { (name: String) in String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))) ?? Data(), as: UTF8.self) }
    let exited = status & 0x7f == 0
    // time's exit status is the command's (128 + signal when the command was killed).
    let code = (status >> 8) & 0xff
    let rss = Int(read("rss").split(separator: "\n").last { Int($0) != nil } ?? "") ?? 0
    return Run(stdout: read("out"), stderr: read("err"), status: ended && exited && code < 128 ? code : nil, maxRSSKiB: rss)
  }

  /// A clear, bounded failure: ended by itself, nonzero, one `Error:` line first, no crash.
  static func expectClearFailure(_ run: Run, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(run.status != nil, "\(what): did not end within the deadline", sourceLocation: sourceLocation)
    #expect(run.status != 0 && run.status != nil, "\(what): exited \(String(describing: run.status))\n\(run.output)", sourceLocation: sourceLocation)
    #expect(run.stderr.hasPrefix("Error: "), "\(what): \(run.stderr)", sourceLocation: sourceLocation)
    #expect(!run.output.contains("Fatal error"), "\(what): \(run.output)", sourceLocation: sourceLocation)
    #expect(run.stderr.utf8.count < 2048, "\(what): \(run.stderr.utf8.count) bytes of stderr", sourceLocation: sourceLocation)
  }

  // MARK: writes never leave the root

  /// One way of leading a write out of the root, and the command that writes there.
  struct Escape: CustomTestStringConvertible, Sendable {
    let name: String
    let plant: @Sendable (Scene) throws -> Void
    let command: @Sendable (Scene) throws -> [String]
    /// Whether the command may succeed (it replaces the planted entry instead of writing through it).
    var mayReplace = false
    var testDescription: String { name }
  }

  static let desiredCount = """
    version: 1
    pfs:
      - {address: "3b:00.0", vfs: {count: 2}}
    """

  static func stateFile(_ scene: Scene) throws -> String {
    let path = scene.dir + "/want.yaml"
    try desiredCount.write(toFile: path, atomically: false, encoding: .utf8)
    return path
  }

  static let escapes: [Escape] = [
    Escape(name: "sriov_numvfs -> absolute path out, create",
      plant: { try $0.link($0.pf + "/sriov_numvfs", to: $0.outside + "/victim") },
      command: { ["--root", $0.root, "create", "3b:00.0", "2", "--force"] }),
    Escape(name: "sriov_numvfs -> ../ out, create",
      plant: { s in try s.link(s.pf + "/sriov_numvfs", to: s.climbing(from: s.pf + "/sriov_numvfs", to: "victim")) },
      command: { ["--root", $0.root, "create", "3b:00.0", "2", "--force"] }),
    Escape(name: "sriov_numvfs -> ../ out, remove",
      plant: { s in try s.link(s.pf + "/sriov_numvfs", to: s.climbing(from: s.pf + "/sriov_numvfs", to: "victim")) },
      command: { ["--root", $0.root, "remove", "3b:00.0", "--force"] }),
    Escape(name: "sriov_numvfs -> absolute path out, apply",
      plant: { try $0.link($0.pf + "/sriov_numvfs", to: $0.outside + "/victim") },
      command: { ["--root", $0.root, "apply", "--force", "-f", try stateFile($0)] }),
    Escape(name: "sriov_numvfs hard link to a file outside, create",
      plant: { try $0.hardLink($0.pf + "/sriov_numvfs", to: "victim") },
      command: { ["--root", $0.root, "create", "3b:00.0", "2", "--force"] }),
    Escape(name: "driver_override -> out, bind",
      plant: { try $0.link($0.vf + "/driver_override", to: $0.outside + "/victim") },
      command: { ["--root", $0.root, "bind", "3b:02.0", "vfio-pci"] }),
    Escape(name: "drivers/iavf/unbind -> out, unbind",
      plant: { s in try s.link(s.root + "/sys/bus/pci/drivers/iavf/unbind", to: s.climbing(from: s.root + "/sys/bus/pci/drivers/iavf/unbind", to: "victim")) },
      command: { ["--root", $0.root, "unbind", "3b:02.0"] }),
    Escape(name: "drivers_probe -> out, bind",
      plant: { try $0.link($0.root + "/sys/bus/pci/drivers_probe", to: $0.outside + "/victim") },
      command: { ["--root", $0.root, "bind", "3b:02.0", "vfio-pci"] }),
    Escape(name: "run/ -> a directory outside, lock",
      plant: { try $0.link($0.root + "/run", to: $0.outside) },
      command: { ["--root", $0.root, "create", "3b:00.0", "2", "--force"] }),
    Escape(name: "run/sriovctl.lock -> a file outside",
      plant: { s in
        try FileManager.default.createDirectory(atPath: s.root + "/run", withIntermediateDirectories: true)
        try s.link(s.root + "/run/sriovctl.lock", to: s.outside + "/lock")
      },
      command: { ["--root", $0.root, "create", "3b:00.0", "2", "--force"] }),
    Escape(name: "run/sriovctl.lock hard link to a file outside",
      plant: { s in
        try FileManager.default.createDirectory(atPath: s.root + "/run", withIntermediateDirectories: true)
        try s.hardLink(s.root + "/run/sriovctl.lock", to: "victim")
      },
      command: { ["--root", $0.root, "create", "3b:00.0", "2", "--force"] }),
    Escape(name: "persist: etc/sriovctl -> a directory outside",
      plant: { s in
        try FileManager.default.createDirectory(atPath: s.root + "/etc", withIntermediateDirectories: true)
        try s.link(s.root + "/etc/sriovctl", to: s.outside)
      },
      command: { ["--root", $0.root, "persist", "-f", try stateFile($0)] }),
    Escape(name: "persist: etc/systemd/system -> ../ out",
      plant: { s in
        try FileManager.default.createDirectory(atPath: s.root + "/etc/systemd", withIntermediateDirectories: true)
        try s.link(s.root + "/etc/systemd/system", to: "../../../outside")
      },
      command: { ["--root", $0.root, "persist", "-f", try stateFile($0)] }),
    Escape(name: "persist: desired-state.yaml hard link to a file outside",
      plant: { s in
        try FileManager.default.createDirectory(atPath: s.root + "/etc/sriovctl", withIntermediateDirectories: true)
        try s.hardLink(s.root + "/etc/sriovctl/desired-state.yaml", to: "victim")
      },
      command: { ["--root", $0.root, "persist", "-f", try stateFile($0)] }, mayReplace: true),
    Escape(name: "persist: the unit -> a file outside",
      plant: { s in
        try FileManager.default.createDirectory(atPath: s.root + "/etc/systemd/system", withIntermediateDirectories: true)
        try s.link(s.root + "/etc/systemd/system/sriovctl.service", to: s.outside + "/victim")
      },
      command: { ["--root", $0.root, "persist", "-f", try stateFile($0)] }, mayReplace: true),
    Escape(name: "persist: the enable link's directory -> out",
      plant: { s in
        try FileManager.default.createDirectory(atPath: s.root + "/etc/systemd/system", withIntermediateDirectories: true)
        try s.link(s.root + "/etc/systemd/system/multi-user.target.wants", to: s.outside)
      },
      command: { ["--root", $0.root, "persist", "-f", try stateFile($0)] }),
  ]

  @Test(arguments: escapes)
  func writesNeverLeaveTheRoot(_ escape: Escape) throws {
    let scene = try Scene()
    defer { scene.remove() }
    try escape.plant(scene)
    let before = try scene.sentinel()
    let run = try Self.runBounded(try escape.command(scene))
    #expect(try scene.sentinel() == before, "\(escape.name): something outside the root changed\n\(run.output)")
    if escape.mayReplace && run.status == 0 {
      // Replaced inside the root: the entry now holds what persist writes, the outside file is intact.
      #expect(run.stderr.isEmpty, "\(run.stderr)")
    } else {
      Self.expectClearFailure(run, escape.name)
    }
  }

  @Test func persistReplacesAPlantedHardLinkWithItsOwnFile() throws {
    let scene = try Scene()
    defer { scene.remove() }
    try FileManager.default.createDirectory(atPath: scene.root + "/etc/sriovctl", withIntermediateDirectories: true)
    try scene.hardLink(scene.root + "/etc/sriovctl/desired-state.yaml", to: "victim")
    let run = try Self.runBounded(["--root", scene.root, "persist", "-f", try Self.stateFile(scene)])
    #expect(run.status == 0, "\(run.output)")
    #expect(try String(contentsOfFile: scene.root + "/etc/sriovctl/desired-state.yaml", encoding: .utf8) == Self.desiredCount)
    #expect(try String(contentsOfFile: scene.outside + "/victim", encoding: .utf8) == "TOPSECRET-victim\n")
    // No temporary is left next to the files.
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: scene.root + "/etc/sriovctl").filter { $0.hasPrefix(".") }
    #expect(leftovers.isEmpty)
  }

  @Test func persistRefusedLateWritesNothing() throws {
    let scene = try Scene()
    defer { scene.remove() }
    // The unit's place is taken by a directory: refused, and the state file must not be installed.
    try FileManager.default.createDirectory(atPath: scene.root + "/etc/systemd/system/sriovctl.service", withIntermediateDirectories: true)
    let run = try Self.runBounded(["--root", scene.root, "persist", "-f", try Self.stateFile(scene)])
    Self.expectClearFailure(run, "unit path is a directory")
    #expect(run.stderr.contains("it is a directory, not a regular file"), "\(run.stderr)")
    #expect(!FileManager.default.fileExists(atPath: scene.root + "/etc/sriovctl/desired-state.yaml"))
    #expect(!FileManager.default.fileExists(atPath: scene.root + "/etc/systemd/system/multi-user.target.wants"))
  }

  /// Many `persist` runs at once, each with its own file: each succeeds or is turned away by the
  /// lock, and what is installed at the end is one whole run's files, with no temporary left.
  @Test func concurrentPersistsNeverMixOrFailOnATemporary() throws {
    let scene = try Scene()
    defer { scene.remove() }
    let count = 12
    let files = try (0..<count).map { i in
      let path = scene.dir + "/want-\(i).yaml"
      try ("# run \(i)\n" + Self.desiredCount).write(toFile: path, atomically: false, encoding: .utf8)
      return path
    }
    let results = Mutex<[Int: Run]>([:])
    DispatchQueue.concurrentPerform(iterations: count) { i in
      let run = try? Self.runBounded(["--root", scene.root, "persist", "-f", files[i]])
      results.withLock { $0[i] = run }
    }
    let runs = (0..<count).map { i in results.withLock { $0[i] } }
    var succeeded = 0
    for (i, run) in runs.enumerated() {
      let run = try #require(run)
      if run.status == 0 { succeeded += 1; continue }
      #expect(run.stderr.contains("another sriovctl is changing this host"), "run \(i): \(run.stderr)")
    }
    #expect(succeeded >= 1)
    let installed = try String(contentsOfFile: scene.root + "/etc/sriovctl/desired-state.yaml", encoding: .utf8)
    #expect(try files.contains { try String(contentsOfFile: $0, encoding: .utf8) == installed })
    #expect(try String(contentsOfFile: scene.root + "/etc/systemd/system/sriovctl.service", encoding: .utf8) == Persist.unitText)
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: scene.root + "/etc/systemd/system/multi-user.target.wants/sriovctl.service")
      == "/etc/systemd/system/sriovctl.service")
    for dir in ["/etc/sriovctl", "/etc/systemd/system", "/etc/systemd/system/multi-user.target.wants"] {
      #expect(try FileManager.default.contentsOfDirectory(atPath: scene.root + dir).filter { $0.hasPrefix(".") } == [])
    }
  }

  // MARK: reads never leave the root

  @Test(arguments: [
    ("vendor", ["list"]), ("vendor", ["show", "3b:00.0"]), ("vendor", ["check"]), ("vendor", ["list", "--json"]),
    ("sriov_totalvfs", ["list"]), ("sriov_numvfs", ["show", "3b:00.0", "--json"]),
    ("config", ["show", "3b:00.0"]), ("config", ["check", "3b:00.0"]),
  ])
  func readsNeverFollowALinkOutOfTheRoot(attribute: String, command: [String]) throws {
    let scene = try Scene()
    defer { scene.remove() }
    for target in [scene.outside + "/secret", scene.climbing(from: scene.pf + "/" + attribute, to: "secret")] {
      try scene.link(scene.pf + "/" + attribute, to: target)
      let run = try Self.runBounded(["--root", scene.root] + command)
      #expect(run.status != nil, "\(attribute) \(command): did not end")
      #expect(!run.output.contains("TOPSECRET"), "\(attribute) -> \(target), \(command): read outside the root\n\(run.output)")
      #expect(!run.output.contains("Fatal error"))
    }
  }

  @Test func pciIDsLinkedOutIsRefused() throws {
    let scene = try Scene()
    defer { scene.remove() }
    try scene.link(scene.root + "/usr/share/misc/pci.ids", to: scene.outside + "/secret")
    let run = try Self.runBounded(["--root", scene.root, "list"])
    #expect(!run.output.contains("TOPSECRET"), "\(run.output)")
    Self.expectClearFailure(run, "pci.ids -> outside")
  }

  // MARK: nothing hangs

  /// Where a FIFO is planted (inside the root, or the `-f` file) and the commands that meet it.
  static let fifoSites: [(String, [[String]])] = [
    ("PF/sriov_totalvfs", [["list"], ["show", "3b:00.0"], ["check"], ["create", "3b:00.0", "2", "--dry-run"]]),
    ("PF/sriov_numvfs", [["list"], ["create", "3b:00.0", "2", "--dry-run"], ["create", "3b:00.0", "2", "--force"], ["remove", "3b:00.0", "--force"]]),
    ("PF/vendor", [["list"], ["show", "3b:00.0"], ["check"]]),
    ("PF/config", [["show", "3b:00.0"], ["check"], ["check", "3b:00.0"]]),
    ("VF/driver_override", [["bind", "3b:02.0", "vfio-pci"], ["bind", "3b:02.0", "vfio-pci", "--dry-run"]]),
    ("proc/cmdline", [["check"]]),
    ("usr/share/misc/pci.ids", [["list"], ["show", "3b:00.0"]]),
    ("sys/bus/pci/drivers_probe", [["bind", "3b:02.0", "vfio-pci"]]),
    ("sys/bus/pci/drivers/iavf/unbind", [["unbind", "3b:02.0"]]),
    ("etc/sriovctl/desired-state.yaml", [["persist", "-f", "STATE"]]),
    ("-f", [["apply", "-f", "FIFO"], ["apply", "-f", "FIFO", "--dry-run"], ["persist", "-f", "FIFO"]]),
  ]

  @Test(arguments: fifoSites)
  func aFIFOAnywhereEndsInSeconds(site: String, commands: [[String]]) throws {
    for command in commands {
      let scene = try Scene()
      defer { scene.remove() }
      let path: String = switch site {
      case let s where s.hasPrefix("PF/"): scene.pf + "/" + s.dropFirst(3)
      case let s where s.hasPrefix("VF/"): scene.vf + "/" + s.dropFirst(3)
      case "-f": scene.dir + "/fifo.yaml"
      default: scene.root + "/" + site
      }
      try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
      try scene.fifo(path)
      let state = try Self.stateFile(scene)
      let args = command.map { $0 == "FIFO" ? path : $0 == "STATE" ? state : $0 }
      let run = try Self.runBounded(["--root", scene.root] + args, seconds: 15)
      #expect(run.status != nil, "\(site) \(command): still running after 15 s")
      #expect(!run.output.contains("Fatal error"), "\(site) \(command): \(run.output)")
      if run.status != 0 {
        #expect(run.stderr.contains("FIFO"), "\(site) \(command): the error should say what is there\n\(run.stderr)")
      }
    }
  }

  // MARK: memory stays bounded

  /// Peak memory of any command on any of these trees stays under this (a normal run takes ~15 MiB).
  static let memoryBoundKiB = 128 << 10

  @Test(arguments: ["PF/vendor", "PF/config", "PF/sriov_totalvfs", "VF/device", "proc/cmdline", "usr/share/misc/pci.ids", "sriovctl/vf-settings.json"])
  func hugeFilesAndEndlessDevicesStayBounded(site: String) throws {
    for kind in ["sparse", "zero", "urandom"] {
      let scene = try Scene()
      defer { scene.remove() }
      let path: String = switch site {
      case let s where s.hasPrefix("PF/"): scene.pf + "/" + s.dropFirst(3)
      case let s where s.hasPrefix("VF/"): scene.vf + "/" + s.dropFirst(3)
      default: scene.root + "/" + site
      }
      try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
      try? FileManager.default.removeItem(atPath: path)
      switch kind {
      case "sparse":
        // 8 GiB that take no disk: a reader that slurps it needs 8 GiB of memory.
        let fd = open(path, O_WRONLY | O_CREAT, 0o644)
        try #require(fd >= 0 && ftruncate(fd, 8 << 30) == 0)
        close(fd)
      case "zero": try #require(mknod(path, S_IFCHR | 0o644, Self.device(1, 5)) == 0)
      default: try #require(mknod(path, S_IFCHR | 0o644, Self.device(1, 9)) == 0)
      }
      for command in [["list", "--vfs"], ["list", "--json"], ["show", "3b:00.0"], ["show", "3b:02.0", "--json"], ["check"]] {
        let run = try Self.runBounded(["--root", scene.root] + command, seconds: 30)
        #expect(run.status != nil, "\(site) as \(kind), \(command): did not end")
        #expect(run.maxRSSKiB < Self.memoryBoundKiB, "\(site) as \(kind), \(command): \(run.maxRSSKiB) KiB")
        #expect(!run.output.contains("Fatal error"), "\(site) as \(kind), \(command): \(run.output)")
      }
    }
  }

  /// glibc's makedev (a macro Swift does not import) for small numbers.
  static func device(_ major: UInt64, _ minor: UInt64) -> dev_t { dev_t((major << 8) | minor) }

  /// Owners and modes come through the door (for NetworkManager's keyfile rule on the live host),
  /// resolved inside the root, never from a link's target outside it.
  @Test func ownerAndModeThroughTheDoor() throws {
    let scene = try Scene()
    defer { scene.remove() }
    let dir = scene.root + "/etc/NetworkManager/system-connections"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try "[connection]\n".write(toFile: dir + "/a.nmconnection", atomically: false, encoding: .utf8)
    chmod(dir + "/a.nmconnection", 0o600)
    try scene.link(dir + "/out.nmconnection", to: scene.outside + "/secret")
    let modes = HostFileModes(sysfs: RootedHostFiles(root: scene.root))
    let mode = try #require(modes.mode(of: HostPath("etc/NetworkManager/system-connections/a.nmconnection")))
    #expect(mode.uid == geteuid())
    #expect(mode.mode & 0o7777 == 0o600)
    chmod(dir + "/a.nmconnection", 0o644)
    #expect(modes.mode(of: HostPath("etc/NetworkManager/system-connections/a.nmconnection"))?.mode ?? 0 & 0o7777 == 0o100644)
    #expect(modes.mode(of: HostPath("etc/NetworkManager/system-connections/out.nmconnection")) == nil)
    #expect(modes.mode(of: HostPath("etc/NetworkManager/system-connections/none.nmconnection")) == nil)
  }

  // MARK: the live host is a value, not a string

  @Test(arguments: ["/", "//", "/./", "/.", "///"])
  func everySpellingOfSlashIsTheLiveHost(_ root: String) {
    #expect(RootedHostFiles(root: root).isLive)
    #expect(RootedHostFiles(root: root).rootPrefix == "")
  }

  @Test func aCopyIsNotLive() throws {
    try withTempCopy(of: "x710-demo") { root in
      #expect(!RootedHostFiles(root: root).isLive)
      let host = try Host(root: root)
      #expect(!host.isLive)
      #expect(!RootedHostFiles(root: root + "/.").isLive)
    }
  }
}
