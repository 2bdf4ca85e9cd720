/// devlink: generic netlink live, `ROOT/sriovctl/devlink.json` in a capture (see `AnswerSource`).
public typealias DevlinkSource = AnswerSource<DevlinkSourceKind, any DevlinkControl>

public enum DevlinkSourceKind: String, AnswerSourceKind {
  case devlink, capture
  public static let dumpPath = HostPath("sriovctl/devlink.json")
}

extension Host {
  /// The live kernel for the live host; a capture's dump when present; nil otherwise.
  public func devlinkSource() throws -> DevlinkSource? {
    if isLive { return DevlinkSource(kind: .devlink, control: NetlinkDevlink()) }
    return try storedDump(DevlinkSource.dumpPath, what: "devlink answers") { text, path in
      DevlinkSource(kind: .capture, control: CapturedDevlink(dump: try DevlinkDump.decode(text, source: path), path: path))
    }
  }
}

/// What a capture stores of devlink: each PF's eSwitch answer and the whole port dump.
///
/// ```
/// {"schema_version": 1,
///  "devices": [{"handle": "pci/0000:3b:00.0", "supported": true, "mode": "switchdev",
///               "inline_mode": "none", "encap_mode": "basic", "unsupported_reason": null}],
///  "ports": [{"handle": "pci/0000:3b:00.0", "index": 1, "flavour": "pcivf", "pf": 0, "vf": 0,
///             "controller": 0, "external": false, "netdev": "enp59s0f0_0", "ifindex": 9}]}
/// ```
public struct DevlinkDump: Sendable, Equatable {
  public var eswitches: [DevlinkHandle: EswitchQuery]
  public var ports: [DevlinkPort]

  public init(eswitches: [DevlinkHandle: EswitchQuery], ports: [DevlinkPort]) {
    self.eswitches = eswitches
    self.ports = ports
  }

  public func encode() -> String {
    let devices: [JSON] = eswitches.keys.sorted().map { handle in
      .object([("handle", .string(handle.description))] + EswitchView.fields(eswitches[handle]!))
    }
    let portsJSON: [JSON] = ports.sorted { ($0.handle, $0.index) < ($1.handle, $1.index) }.map(EswitchView.json)
    return JSON.document([("devices", .array(devices)), ("ports", .array(portsJSON))]).rendered()
  }

  /// Errors name the file, line and column of the offending value.
  public static func decode(_ text: String, source: String) throws(SRIOVError) -> DevlinkDump {
    let hint = "the stored devlink answers are damaged; capture the host again or remove the file"
    let fail = { (node: DocumentNode, problem: String) -> SRIOVError in SRIOVError("\(source):\(node.position)", problem, hint: hint) }
    let root: DocumentNode
    do {
      root = try Document.parseJSON(text, source: source)
    } catch {
      throw SRIOVError("\(error)", "cannot read the stored devlink answers", hint: hint)
    }
    guard root["schema_version"]?.integer == 1 else { throw fail(root, "expected \"schema_version\": 1") }
    guard let devices = root["devices"]?.elements else { throw fail(root, "expected \"devices\": a list") }
    guard let portNodes = root["ports"]?.elements else { throw fail(root, "expected \"ports\": a list") }
    func handle(_ node: DocumentNode) throws(SRIOVError) -> DevlinkHandle {
      guard let text = node["handle"]?.string, let h = try? DevlinkHandle(parsing: text) else {
        throw fail(node["handle"] ?? node, "expected \"handle\": BUS/NAME")
      }
      return h
    }
    func optional<T>(_ node: DocumentNode, _ key: String, _ what: String, _ convert: (DocumentNode) -> T?) throws(SRIOVError) -> T? {
      guard let value = node[key], !value.isNull else { return nil }
      guard let converted = convert(value) else { throw fail(value, "\"\(key)\" must be \(what), not \(value.kindDescription)") }
      return converted
    }
    var eswitches: [DevlinkHandle: EswitchQuery] = [:]
    for device in devices {
      let h = try handle(device)
      if device["supported"]?.bool == true {
        eswitches[h] = .supported(EswitchSettings(
          mode: try optional(device, "mode", "an eSwitch mode") { $0.string.flatMap(EswitchMode.init(rawValue:)) },
          inlineMode: try optional(device, "inline_mode", "an inline mode") { $0.string.flatMap(EswitchInlineMode.init(rawValue:)) },
          encapMode: try optional(device, "encap_mode", "an encap mode") { $0.string.flatMap(EswitchEncapMode.init(rawValue:)) }))
      } else {
        eswitches[h] = .unsupported(try optional(device, "unsupported_reason", "a string") { $0.string } ?? "not supported")
      }
    }
    let count = { (n: DocumentNode) -> Int? in n.integer.flatMap { $0 >= 0 ? $0 : nil } }
    var ports: [DevlinkPort] = []
    for node in portNodes {
      let h = try handle(node)
      guard let index = node["index"]?.integer, let index32 = UInt32(exactly: index) else {
        throw fail(node["index"] ?? node, "expected \"index\": a port index")
      }
      ports.append(DevlinkPort(
        handle: h, index: index32,
        flavour: try optional(node, "flavour", "a port flavour") { $0.string.flatMap(DevlinkPortFlavour.init(name:)) },
        pfNumber: try optional(node, "pf", "a PF number", count),
        vfNumber: try optional(node, "vf", "a VF number", count),
        controller: try optional(node, "controller", "a controller number", count),
        external: try optional(node, "external", "a boolean") { $0.bool },
        netdev: try optional(node, "netdev", "an interface name") { n in n.string.flatMap { (try? NetdevName(parsing: $0))?.name } },
        ifindex: try optional(node, "ifindex", "an interface index", count)))
    }
    return DevlinkDump(eswitches: eswitches, ports: ports)
  }

  /// Asks the live control about each handle and dumps the ports.
  public static func read(_ handles: [DevlinkHandle], from control: any DevlinkControl) throws -> DevlinkDump {
    var eswitches: [DevlinkHandle: EswitchQuery] = [:]
    for handle in handles { eswitches[handle] = try control.eswitch(handle) }
    return DevlinkDump(eswitches: eswitches, ports: try control.ports())
  }
}

/// A capture's stored devlink answers: read-only.
public struct CapturedDevlink: DevlinkControl {
  public let dump: DevlinkDump
  let path: String

  public init(dump: DevlinkDump, path: String) {
    self.dump = dump
    self.path = path
  }

  public func eswitch(_ handle: DevlinkHandle) throws -> EswitchQuery {
    guard let answer = dump.eswitches[handle] else {
      throw SRIOVError(handle.description, "the capture stored no devlink answer for this device (\(path))")
    }
    return answer
  }

  public func setEswitch(_ handle: DevlinkHandle, mode: EswitchMode?, inlineMode: EswitchInlineMode?, encapMode: EswitchEncapMode?) throws {
    throw SRIOVError(handle.description, "cannot change the eSwitch: the host root is a capture (\(path)), not a live kernel",
      hint: "run without --root on the host itself")
  }

  public func ports() throws -> [DevlinkPort] { dump.ports }
}

extension CaptureWalk {
  /// Stores the eSwitch answer of every captured PF and the port dump; what cannot be read is
  /// listed as unreadable, not fatal.
  func dumpDevlink(_ control: any DevlinkControl) throws {
    var dump = DevlinkDump(eswitches: [:], ports: [])
    for pf in roles.filter({ $0.value == .pf }).map(\.key).sorted() {
      let handle = DevlinkHandle(pci: pf)
      do {
        dump.eswitches[handle] = try control.eswitch(handle)
      } catch {
        unreadable.append("eSwitch of \(handle) (devlink): \(error)")
      }
    }
    do {
      dump.ports = try control.ports()
    } catch {
      unreadable.append("devlink ports: \(error)")
    }
    try writer.file(DevlinkSource.dumpPath, text: dump.encode())
  }
}
