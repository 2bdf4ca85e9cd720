/// Config space of one function as far as this root gives it, and why not when it does not.
/// libpci reads it (the design's door to config space); when libpci fails, or a capture gives less
/// than the full space, the file itself says why: missing, empty, short, garbled, refused.
struct ConfigReader {
  let inventory: Inventory
  let pci: PCILibrary

  func facts(of address: PCIAddress) -> DeviceReport.ConfigFacts {
    let sysfs = inventory.sysfs
    let live = inventory.isLive
    guard let base = try? inventory.directory(of: address) else {
      return .init(ConfigSpace(bytes: []), bytes: nil, unknown: Unknown(.notInRoot, "\(address) is not in this root"))
    }
    // libpci reaches a function only through its sys/bus/pci/devices link.
    let listed = base == SysfsLayout.device(address)
    var space: ConfigSpace? = nil
    var failure: String? = nil
    if listed {
      do { space = try pci.config(of: address) } catch { failure = error.description }
    }
    // The file itself, when libpci could not tell the whole story (never on a healthy live host).
    var file: BinaryAttribute? = nil
    if space == nil || (!live && space!.readableSize < 4096) {
      file = Self.configFile(in: base, sysfs: sysfs)
    }
    if space == nil, case .bytes(let bytes)? = file, bytes.count >= 64 { space = ConfigSpace(bytes: bytes) }
    return Self.classify(
      space: space, file: file, libpciFailure: failure, identity: identity(at: base), isLive: live)
  }

  /// The `config` file in `directory` through the door (no final link, no blocking, at most 4096 bytes).
  private static func configFile(in directory: HostPath, sysfs: any HostFiles) -> BinaryAttribute {
    do {
      return .bytes(try sysfs.readBytes(directory.appending("config"), limit: HostFileLimits.config))
    } catch where error.isNotFound {
      return .missing
    } catch {
      return .failed("config: \(error.causeDescription)")
    }
  }

  /// The IDs sysfs gives (to catch a garbled config) and whether the function is a VF (whose
  /// config reads ffff for both IDs).
  private func identity(at base: HostPath) -> (vendor: UInt16, device: UInt16, isVF: Bool)? {
    let sysfs = inventory.sysfs
    guard let vendor = try? sysfs.readValueIfPresent(base.appending("vendor")).flatMap({ try? PCIID(parsing: $0) }),
      let device = try? sysfs.readValueIfPresent(base.appending("device")).flatMap({ try? PCIID(parsing: $0) })
    else { return nil }
    return (vendor.value, device.value, sysfs.exists(base.appending("physfn")))
  }

  /// Pure: what was read (libpci's view and the file's) to facts with the reason they are partial.
  static func classify(
    space: ConfigSpace?, file: BinaryAttribute?, libpciFailure: String?,
    identity: (vendor: UInt16, device: UInt16, isVF: Bool)?, isLive: Bool
  ) -> DeviceReport.ConfigFacts {
    let fileBytes: Int? = if case .bytes(let b)? = file { b.count } else { nil }
    let none = ConfigSpace(bytes: [])
    guard let space else {
      let unknown: Unknown
      switch file {
      case .missing?:
        unknown = isLive
          ? Unknown(.unreadable, "there is no config attribute")
          : Unknown(.notInRoot, "this root has no config file for it", hint: Hints.capture("config space"))
      case .bytes(let bytes)? where bytes.isEmpty:
        unknown = Unknown(.truncated, "config is empty", hint: isLive ? nil : Hints.capture("config space"))
      case .bytes(let bytes)?:
        unknown = Unknown(.truncated, "config holds \(bytes.count) bytes, less than the 64-byte header",
          hint: isLive ? nil : Hints.capture("config space"))
      case .failed(let why)?:
        unknown = Unknown(.unreadable, why)
      case nil:
        unknown = Unknown(.unreadable, "cannot read config space: \(libpciFailure ?? "unknown error")")
      }
      return .init(none, bytes: fileBytes, unknown: unknown)
    }
    let bytes = fileBytes ?? space.readableSize
    if let identity, let vendor = space.word(0), let device = space.word(2),
      !(identity.isVF && vendor == 0xffff && device == 0xffff), vendor != identity.vendor || device != identity.device
    {
      let said = PCIID(vendor).description + ":" + PCIID(device).description
      let sysfsSays = PCIID(identity.vendor).description + ":" + PCIID(identity.device).description
      return .init(none, bytes: bytes, unknown: Unknown(.invalid,
        "config space is garbled: its IDs read \(said), vendor and device say \(sysfsSays)",
        hint: isLive ? nil : Hints.capture("a config file that matches the device")))
    }
    if space.readableSize < 256 {
      let unknown = isLive && space.readableSize == 64
        ? Unknown(.needsPrivilege, "config space past 64 bytes needs root (CAP_SYS_ADMIN)", hint: Hints.runAsRoot)
        : Unknown(.truncated, "this root holds only the first \(bytes) bytes of config space" + (bytes == 64 ? ", all a copy made without root gets" : ""),
          hint: isLive ? nil : Hints.capture("config space past \(bytes) bytes"))
      return .init(space, bytes: bytes, unknown: unknown)
    }
    if !isLive, space.isPCIExpress, bytes < 4096 {
      return .init(space, bytes: bytes, unknown: Unknown(.truncated,
        "this root holds only the first \(bytes) bytes of config space (no extended capabilities)",
        hint: Hints.capture("extended config space")))
    }
    return .init(space, bytes: bytes, unknown: nil)
  }
}
