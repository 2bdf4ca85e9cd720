/// What a shell offers when the user presses TAB on a device argument: PCI addresses and netdev
/// names, read from the host root the command line names. Completion runs the binary on every TAB,
/// so this reads only directory listings and links (no config space, no pci.ids) and never fails:
/// a broken root simply completes to nothing.
public struct CompletionCandidates: Sendable {
  /// Which devices a command's argument accepts.
  public enum Scope: Sendable {
    /// SR-IOV physical functions (`create`, `remove`, `check`, `set`).
    case physicalFunctions
    /// Physical functions and their VFs (`show`, `bind`, `unbind`).
    case functionsAndVFs
  }

  public let inventory: Inventory

  public init(inventory: Inventory) { self.inventory = inventory }

  /// Candidates read from a host root directory (`/` in production).
  /// A read-only pass over a tree that does not change meanwhile: resolutions are cached.
  public init(root: HostRoot) { self.init(inventory: Inventory(sysfs: root.files.forReadOnlyPass())) }
  public init(root: String) { self.init(root: HostRoot(root)) }

  /// The host root a completion request is about: `--root DIR` / `--root=DIR` among the words typed
  /// so far, else `SRIOVCTL_ROOT`, else `/` (the same order the commands use).
  public static func root(words: [String], environment: [String: String]) -> String {
    var root: String?
    for (index, word) in words.enumerated() {
      if word == "--root", index + 1 < words.count {
        root = words[index + 1]
      } else if word.hasPrefix("--root=") {
        root = String(word.dropFirst("--root=".count))
      }
    }
    if let typed = root.map(unquoted), !typed.isEmpty {
      // The shell hands over the word as typed, so `~/` is not expanded yet.
      if typed.hasPrefix("~/"), let home = environment["HOME"] { return home + String(typed.dropFirst(1)) }
      return typed
    }
    return HostRoot.path(option: nil, environment: environment)
  }

  /// Addresses first (in bus order), then netdev names, each starting with `prefix`. A prefix
  /// without the PCI domain (`3b:`) completes to short addresses (`3b:00.0`), which the commands
  /// accept too.
  public func candidates(_ scope: Scope, prefix: String) -> [String] {
    guard let pfs = try? inventory.physicalFunctionAddresses() else { return [] }
    var addresses: [PCIAddress] = []
    for pf in pfs {
      addresses.append(pf)
      if scope == .functionsAndVFs, let vfs = try? inventory.vfs(of: pf) { addresses.append(contentsOf: vfs.map(\.address)) }
    }
    var names: [String] = addresses.map(\.description)
    names.append(contentsOf: netdevNames(of: addresses, scope: scope))
    if prefix.isEmpty { return names }
    var matching: [String] = names.filter { $0.hasPrefix(prefix) }
    let domainZero = "0000:"
    for address in addresses {
      let full: String = address.description
      guard full.hasPrefix(domainZero) else { continue }
      let short = String(full.dropFirst(domainZero.count))
      if short.hasPrefix(prefix) { matching.append(short) }
    }
    return matching
  }

  /// The functions' interface names, in the order of `addresses`. PFs alone: each one's own
  /// `net/` directory (a few listings); with VFs: one pass over /sys/class/net, cheaper than a
  /// listing per VF on a host with thousands of them.
  private func netdevNames(of addresses: [PCIAddress], scope: Scope) -> [String] {
    var byDevice: [PCIAddress: [String]] = [:]
    switch scope {
    case .physicalFunctions:
      for address in addresses {
        byDevice[address] = (try? inventory.sysfs.listIfPresent(SysfsLayout.attribute(.net, of: address))) ?? []
      }
    case .functionsAndVFs:
      byDevice = (try? inventory.netdevsByDevice()) ?? [:]
    }
    return addresses.flatMap { (byDevice[$0] ?? []).sorted() }
  }

  /// `'dir'` or `"dir"` as typed, without the quotes.
  private static func unquoted(_ word: String) -> String {
    for quote in ["'", "\""] where word.count >= 2 && word.hasPrefix(quote) && word.hasSuffix(quote) {
      return String(word.dropFirst().dropLast())
    }
    return word
  }
}
