/// Host-wide checks: pure functions over `HostFacts`.
public enum HostChecks {
  static let subject = "host"

  public static func all(_ h: HostFacts) -> [Finding] {
    [cpu(h), firmware(h), kernelIOMMU(h)] + mode(h) + cmdline(h) + interruptRemapping(h) + vfio(h)
  }

  public static func cpu(_ h: HostFacts) -> Finding {
    guard let flags = h.cpuFlags else {
      return Finding("cpu.virtualization", subject, .unknown, "cannot read /proc/cpuinfo",
        hint: "check that procfs is mounted (or that the capture includes proc/cpuinfo)")
    }
    if flags.contains("vmx") { return Finding("cpu.virtualization", subject, .pass, "CPU supports Intel VT-x (vmx)") }
    if flags.contains("svm") { return Finding("cpu.virtualization", subject, .pass, "CPU supports AMD-V (svm)") }
    return Finding("cpu.virtualization", subject, .fail, "CPU shows no virtualisation flag (vmx or svm)",
      hint: "enable Intel VT-x / AMD SVM in the BIOS; inside a VM, enable nested virtualisation")
  }

  public static func firmware(_ h: HostFacts) -> Finding {
    if !h.acpiIOMMUTables.isEmpty {
      let names: [String] = h.acpiIOMMUTables.map { t in
        switch t {
        case "DMAR": "DMAR (Intel VT-d)"
        case "IVRS": "IVRS (AMD-Vi)"
        default: "IORT (Arm SMMU)"
        }
      }
      return Finding("iommu.firmware", subject, .pass, "firmware advertises an IOMMU: ACPI " + names.joined(separator: ", "))
    }
    if !h.iommuUnits.isEmpty {
      return Finding("iommu.firmware", subject, .warn,
        "no ACPI DMAR/IVRS/IORT table, but the kernel registered IOMMU units (device tree or emulation)")
    }
    return Finding("iommu.firmware", subject, .fail, "firmware advertises no IOMMU (no ACPI DMAR, IVRS or IORT table)",
      hint: "enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the BIOS/UEFI setup")
  }

  public static func kernelIOMMU(_ h: HostFacts) -> Finding {
    if h.iommuActive, let unknown = h.groupsUnknown {
      return Finding("iommu.kernel", subject, .pass,
        "kernel IOMMU active: \(h.iommuUnits.count) unit(s) (\(h.iommuUnits.joined(separator: ", "))) and devices linked to IOMMU groups (\(unknown.reason))",
        hint: unknown.hint)
    }
    if h.iommuActive {
      return Finding("iommu.kernel", subject, .pass,
        "kernel IOMMU active: \(h.iommuUnits.count) unit(s) (\(h.iommuUnits.joined(separator: ", "))), \(h.groups.count) IOMMU group(s)")
    }
    let tokens: [String] = h.cmdline ?? []
    let off: [String] = tokens.filter(isIOMMUOff)
    var hint: String
    if !off.isEmpty {
      hint = "remove " + off.joined(separator: " ") + " from the kernel command line"
      if off.contains("intel_iommu=off") { hint += " and add intel_iommu=on" }
      hint += ", then reboot"
    } else if h.acpiIOMMUTables.contains("IVRS") {
      hint = "the AMD IOMMU is on by default: check the BIOS IOMMU setting and dmesg for AMD-Vi errors (amd_iommu=on is not a valid option)"
    } else {
      hint = "add intel_iommu=on to the kernel command line (Intel; AMD enables its IOMMU by default) and reboot; enable VT-d/AMD-Vi in the BIOS"
    }
    let what = h.iommuUnits.isEmpty ? "no IOMMU units in /sys/class/iommu" : "no IOMMU groups in /sys/kernel/iommu_groups"
    return Finding("iommu.kernel", subject, .fail, "kernel IOMMU not active: \(what)", hint: hint)
  }

  static func isIOMMUOff(_ token: String) -> Bool {
    token == "intel_iommu=off" || token == "amd_iommu=off" || token == "iommu=off"
  }

  public static func mode(_ h: HostFacts) -> [Finding] {
    guard !h.groups.isEmpty else { return [] }
    let identity: [IOMMUGroup] = h.groups.filter { $0.type == "identity" }
    if identity.isEmpty {
      let types: [String] = Array(Set(h.groups.compactMap(\.type))).sorted()
      return [Finding("iommu.mode", subject, .pass,
        "host DMA is translated (group type \(types.isEmpty ? "not shown" : types.joined(separator: ", ")))")]
    }
    return [Finding("iommu.mode", subject, .warn,
      "\(identity.count) of \(h.groups.count) IOMMU groups are identity (passthrough, iommu=pt): host DMA is not translated",
      hint: "remove iommu=pt / iommu.passthrough=1 from the kernel command line for host DMA protection; vfio still isolates assigned devices")]
  }

  public static func cmdline(_ h: HostFacts) -> [Finding] {
    guard let tokens = h.cmdline else {
      return [Finding("kernel.cmdline", subject, .unknown, "cannot read /proc/cmdline",
        hint: "check that procfs is mounted (or that the capture includes proc/cmdline)")]
    }
    var found: [Finding] = []
    for t in tokens where isIOMMUOff(t) {
      found.append(Finding("kernel.cmdline", subject, .fail, "\(t) disables the IOMMU",
        hint: "remove \(t) from the kernel command line and reboot"))
    }
    if tokens.contains("amd_iommu=on") {
      found.append(Finding("kernel.cmdline", subject, .warn, "amd_iommu=on is not a valid option: the kernel ignores it",
        hint: "remove amd_iommu=on; the AMD IOMMU is on by default (valid values: off, fullflush, force_isolation, ...)"))
    }
    for t in tokens where t.hasPrefix("pcie_acs_override") {
      found.append(Finding("kernel.cmdline", subject, .warn,
        "\(t) makes the kernel pretend ACS isolation that the hardware does not provide",
        hint: "remove it: devices in the merged groups can reach each other by peer-to-peer DMA; prefer slots under ports with ACS"))
    }
    if found.isEmpty {
      found.append(Finding("kernel.cmdline", subject, .pass, "no kernel parameter disables the IOMMU or overrides ACS"))
    }
    return found
  }

  public static func interruptRemapping(_ h: HostFacts) -> [Finding] {
    guard !h.interruptRemapping.isEmpty else { return [] }
    let off: [String] = h.interruptRemapping.filter { !$0.value }.map(\.key).sorted()
    if off.isEmpty {
      return [Finding("iommu.interrupt_remapping", subject, .pass, "interrupt remapping supported (VT-d ecap IR)")]
    }
    return [Finding("iommu.interrupt_remapping", subject, .warn,
      "no interrupt remapping on \(off.joined(separator: ", ")): vfio refuses devices unless allow_unsafe_interrupts=1",
      hint: "enable interrupt remapping (x2APIC/VT-d) in the BIOS")]
  }

  public static func vfio(_ h: HostFacts) -> [Finding] {
    var found: [Finding] = []
    if h.vfioNoIOMMUMode == true {
      found.append(Finding("vfio.unsafe", subject, .warn, "vfio enable_unsafe_noiommu_mode is on: devices get no DMA isolation",
        hint: "echo N > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode (or drop vfio.enable_unsafe_noiommu_mode=1)"))
    }
    if h.vfioAllowUnsafeInterrupts == true {
      found.append(Finding("vfio.unsafe", subject, .warn, "vfio_iommu_type1 allow_unsafe_interrupts is on: guests can inject MSIs",
        hint: "drop vfio_iommu_type1.allow_unsafe_interrupts=1 and use a host with interrupt remapping"))
    }
    if found.isEmpty {
      found.append(Finding("vfio.unsafe", subject, .pass, "no unsafe vfio mode enabled"))
    }
    if h.vfioPCIAvailable {
      found.append(Finding("vfio.available", subject, .pass, "vfio-pci is loaded"))
    } else {
      found.append(Finding("vfio.available", subject, .warn, "vfio-pci is not loaded", hint: "modprobe vfio-pci"))
    }
    return found
  }
}
