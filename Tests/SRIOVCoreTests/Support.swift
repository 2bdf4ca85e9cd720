import Foundation
import SRIOVCLI
import Testing

/// Where the repository, its fixtures and the built `sriovctl` are, found from this file.
enum Repo {
  static let root: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

  /// Every scenario in `Fixtures/sysfs/` (a test checks this matches the directory).
  static let scenarios = [
    "check-acs-off", "check-bus-range", "check-group-not-viable", "check-iommu-pt", "check-vf-bars-unassigned",
    "connectx5", "no-iommu", "nonroot-view", "nvme-sriov", "owners-fight", "owners-modprobe", "owners-netplan", "owners-nm", "owners-systemd", "owners-udev",
    "switch-no-acs", "vf-second-bus", "x710-demo", "x710-vf-settings",
  ]

  /// Scenarios shaped the way other tools copy hosts (`capture_of` in make-fixtures.py): read
  /// with `--root` like the others, but not kernel-exact, so lspci and the generator's checks differ.
  static let captureScenarios = [
    "capture-bridge-outside-bus", "capture-config-64", "capture-config-damaged", "capture-dangling-links",
    "capture-links-as-dirs", "capture-no-config", "el7-kernel-3.10", "inconsistent-sriov",
  ]

  /// Every directory in `Fixtures/sysfs/`, found, not listed: a new fixture is swept without editing tests.
  static var discoveredScenarios: [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: root + "/Fixtures/sysfs")) ?? []
    return names.filter { name in
      var isDirectory: ObjCBool = false
      return FileManager.default.fileExists(atPath: root + "/Fixtures/sysfs/" + name, isDirectory: &isDirectory) && isDirectory.boolValue
    }.sorted()
  }

  /// The executable next to the test bundle (whatever the build dir is), else `.build/debug`.
  static let binary: String = {
    let besideBundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
      .appendingPathComponent("sriovctl").path
    return FileManager.default.isExecutableFile(atPath: besideBundle) ? besideBundle : root + "/.build/debug/sriovctl"
  }()

  static let lspci = "/usr/bin/lspci"
  static var hasLspci: Bool { FileManager.default.isExecutableFile(atPath: lspci) }
}

/// The host root of one fixture scenario, used in place (read-only).
func fixtureRoot(_ scenario: String) -> String { Repo.root + "/Fixtures/sysfs/" + scenario }

/// The PCI addresses a root lists in `sys/bus/pci/devices`, sorted.
func deviceAddresses(root: String) throws -> [String] {
  try FileManager.default.contentsOfDirectory(atPath: root + "/sys/bus/pci/devices").sorted()
}

/// A private copy of a fixture (symlinks copied as symlinks), removed when `body` returns.
func withTempCopy<T>(of scenario: String, _ body: (String) throws -> T) throws -> T {
  let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sriovctl-test-\(UUID().uuidString)").path
  try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(atPath: dir) }
  let copy = dir + "/" + scenario
  let status = try run("/bin/cp", ["-a", fixtureRoot(scenario), copy], env: [:]).status
  try #require(status == 0, "cp -a \(scenario) failed")
  return try body(copy)
}

/// Runs the CLI in this process with `args` (the commands are the SRIOVCLI library): output is
/// captured through the task-local sink, the environment is ours without `SRIOVCTL_ROOT`, plus `env`.
/// Parallel-safe: nothing global is touched. `runBinary` is the same through the built executable.
func runCLI(_ args: [String], env: [String: String] = [:]) throws -> (stdout: String, stderr: String, status: Int32) {
  let out = Captured(), err = Captured()
  let sink = OutputSink(out: { out.append($0) }, err: { err.append($0) })
  let status = CLI.run(["sriovctl"] + args, sink: sink, environment: cliEnvironment(env))
  return (out.text, err.text, status)
}

/// Runs the built executable with `args`, for the end-to-end tests (process edges: exit status,
/// the thin `main`, real file descriptors).
func runBinary(_ args: [String], env: [String: String] = [:]) throws -> (stdout: String, stderr: String, status: Int32) {
  try #require(FileManager.default.isExecutableFile(atPath: Repo.binary),
    "no sriovctl at \(Repo.binary): run `swift build --build-tests` first")
  return try run(Repo.binary, args, env: env)
}

/// Ours without `SRIOVCTL_ROOT`, plus `env`: what a test's run of the CLI sees.
func cliEnvironment(_ env: [String: String]) -> [String: String] {
  var environment = ProcessInfo.processInfo.environment
  environment["SRIOVCTL_ROOT"] = nil
  environment.merge(env) { _, new in new }
  return environment
}

/// Text written by one in-process run (the sink may be called from the command's threads).
final class Captured: @unchecked Sendable {
  private let lock = NSLock()
  private var buffer = ""
  func append(_ text: String) { lock.withLock { buffer += text } }
  var text: String { lock.withLock { buffer } }
}

/// Runs a program to completion; output goes through temp files so no pipe can fill up.
func run(_ program: String, _ args: [String], env: [String: String]) throws -> (stdout: String, stderr: String, status: Int32) {
  let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sriovctl-run-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: dir) }
  let out = dir.appendingPathComponent("stdout"), err = dir.appendingPathComponent("stderr")
  _ = FileManager.default.createFile(atPath: out.path, contents: nil)
  _ = FileManager.default.createFile(atPath: err.path, contents: nil)
  let process = Process()
  process.executableURL = URL(fileURLWithPath: program)
  process.arguments = args
  process.environment = cliEnvironment(env)
  let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
  process.standardOutput = outHandle
  process.standardError = errHandle
  process.standardInput = FileHandle.nullDevice
  try process.run()
  process.waitUntilExit()
  try outHandle.close()
  try errHandle.close()
  return (
    String(decoding: try Data(contentsOf: out), as: UTF8.self),
    String(decoding: try Data(contentsOf: err), as: UTF8.self),
    process.terminationStatus
  )
}

/// A decoded JSON value that keeps `null` apart from a missing key and `true` apart from `1`.
enum JSONValue: Decodable, Equatable, CustomStringConvertible,
  ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral
{
  case null
  case bool(Bool)
  case int(Int)
  case double(Double)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])

  init(from decoder: any Decoder) throws {
    let c = try decoder.singleValueContainer()
    if c.decodeNil() { self = .null }
    else if let v = try? c.decode(Bool.self) { self = .bool(v) }
    else if let v = try? c.decode(Int.self) { self = .int(v) }
    else if let v = try? c.decode(Double.self) { self = .double(v) }
    else if let v = try? c.decode(String.self) { self = .string(v) }
    else if let v = try? c.decode([JSONValue].self) { self = .array(v) }
    else { self = .object(try c.decode([String: JSONValue].self)) }
  }

  init(parsing text: String) throws { self = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }

  init(stringLiteral value: String) { self = .string(value) }
  init(integerLiteral value: Int) { self = .int(value) }
  init(booleanLiteral value: Bool) { self = .bool(value) }
  init(arrayLiteral elements: JSONValue...) { self = .array(elements) }

  subscript(key: String) -> JSONValue? {
    if case .object(let fields) = self { return fields[key] }
    return nil
  }

  var keys: Set<String> {
    if case .object(let fields) = self { return Set(fields.keys) }
    return []
  }

  var array: [JSONValue]? {
    if case .array(let items) = self { return items }
    return nil
  }

  var string: String? {
    if case .string(let s) = self { return s }
    return nil
  }

  var description: String {
    switch self {
    case .null: "null"
    case .bool(let b): String(b)
    case .int(let i): String(i)
    case .double(let d): String(d)
    case .string(let s): "\"\(s)\""
    case .array(let a): "[" + a.map(\.description).joined(separator: ", ") + "]"
    case .object(let o): "{" + o.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
    }
  }
}
