import ArgumentParser
import SRIOVCore

// Option values as typed values: the parser turns the words into these, so `run()` and core see
// only parsed values. Words the user types (`on`, `--spoofchk`) live here, not in SRIOVCore.

/// `on` or `off`, as `ip link` spells them (any case).
struct OnOff: ExpressibleByArgument, Equatable {
  let isOn: Bool
  init?(argument: String) {
    switch argument.lowercased() {
    case "on": isOn = true
    case "off": isOn = false
    default: return nil
    }
  }
  static var allValueStrings: [String] { ["on", "off"] }
}

extension VFLinkState: ExpressibleByArgument {
  public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
  public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension VLANProtocol: ExpressibleByArgument {
  public init?(argument: String) {
    guard let match = Self.allCases.first(where: { $0.rawValue.lowercased() == argument.lowercased() }) else { return nil }
    self = match
  }
  public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension EswitchMode: ExpressibleByArgument {
  public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

// Values whose parse error explains the expected form: declared with `transform:` (the parser
// appends our explanation to its message), and conforming so they can be used bare too.
extension MACAddress: ExpressibleByArgument {
  public init?(argument: String) { try? self.init(parsing: argument) }
}

extension DeviceRef: ExpressibleByArgument {
  public init?(argument: String) { try? self.init(parsing: argument) }
}

extension DriverName: ExpressibleByArgument {
  public init?(argument: String) { try? self.init(parsing: argument) }
}
