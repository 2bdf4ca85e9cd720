/// A network interface name, validated so it can never name a path outside `/sys/class/net`.
public struct NetdevName: Hashable, Sendable, CustomStringConvertible {
  public let name: String

  /// The kernel's rules (`dev_valid_name`): 1–15 bytes, not `.` or `..`, no `/`, `:` or white space.
  public init(parsing text: String) throws(ParseError) {
    let invalid = text.isEmpty || text.utf8.count > 15 || text == "." || text == ".." || Self.hasForbiddenCharacter(text)
    if invalid {
      throw ParseError(input: text, what: "a network interface name",
        expected: "1-15 characters without '/', ':' or spaces, e.g. enp59s0f0")
    }
    self.name = text
  }

  public var description: String { name }

  private static func hasForbiddenCharacter(_ text: String) -> Bool {
    // Byte-wise for ASCII (every netdev of a listing is checked); ASCII white space is 0x09-0x0D and 0x20.
    if text.utf8.isASCII {
      return text.utf8.contains { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ":") || (0x09...0x0d).contains($0) || $0 == 0x20 || $0 == 0 }
    }
    return text.contains { $0 == "/" || $0 == ":" || $0.isWhitespace || $0 == "\0" }
  }
}

/// What a user may name a device by on the command line: a PCI address or a netdev name.
public enum DeviceRef: Hashable, Sendable, CustomStringConvertible {
  case address(PCIAddress)
  case netdev(NetdevName)

  public init(parsing text: String) throws(ParseError) {
    if let address = PCIAddress(strict: text) {
      self = .address(address)
      return
    }
    // Something address-shaped but wrong (`3b:00.9`, `0000:3b:0.0`) is a bad address, not a netdev.
    let looksLikeAddress = text.contains(".") && text.split(separator: ":").count >= 2
      && text.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
    if looksLikeAddress { _ = try PCIAddress(parsing: text) }
    do {
      self = .netdev(try NetdevName(parsing: text))
    } catch {
      throw ParseError(input: text, what: "a PCI address or network interface name",
        expected: "0000:3b:00.0, 3b:00.0 or an interface name like enp59s0f0")
    }
  }

  public var description: String {
    switch self {
    case .address(let a): a.description
    case .netdev(let n): n.name
    }
  }
}
