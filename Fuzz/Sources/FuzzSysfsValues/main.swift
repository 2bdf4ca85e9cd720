import FuzzSupport
@testable import SRIOVCore

/// sysfs attribute values and links as the inventory and `check` read them: hex IDs, class codes,
/// counts, NUMA nodes, booleans, `resource` lines, `virtfn`/`physfn`/`driver`/`iommu_group`/netdev
/// link targets (including ones that climb out of the root), IOMMU group types, cpuinfo, the kernel
/// command line and the IOMMU ecap. Input fields are newline-separated (';' stands for a newline
/// inside a multi-line value); an empty field leaves the attribute out.
/// Properties: nothing traps; every failure is one line; what parses is in range.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let f = Fields(UnsafeBufferPointer(start: data, count: size))
  let multi = { (i: Int) -> String? in f[i].map { String($0.map { $0 == ";" ? "\n" : $0 }) } }
  let fs = MemorySysfs()
  let bridge = "sys/devices/pci0000:3a/0000:3a:00.0"
  let pf = bridge + "/0000:3b:00.0", vf = bridge + "/0000:3b:02.0"
  fs.link("sys/bus/pci/devices/0000:3a:00.0", "../../../devices/pci0000:3a/0000:3a:00.0")
  fs.link("sys/bus/pci/devices/0000:3b:00.0", "../../../devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0")
  fs.link("sys/bus/pci/devices/0000:3b:02.0", "../../../devices/pci0000:3a/0000:3a:00.0/0000:3b:02.0")
  for (name, value) in [("vendor", "0x8086"), ("device", "0x2030"), ("class", "0x060400")] { fs.file(bridge + "/" + name, value + "\n") }
  let pfAttributes = ["vendor", "device", "class", "subsystem_vendor", "numa_node", "sriov_totalvfs", "sriov_numvfs",
    "sriov_offset", "sriov_vf_device", "sriov_drivers_autoprobe"]
  for (i, name) in pfAttributes.enumerated() { if let v = f[i] { fs.file(pf + "/" + name, v) } }
  if let v = f[10] { fs.link(pf + "/driver", v) }
  if let v = f[11] { fs.link(pf + "/iommu_group", v) }
  if let v = f[12] { fs.link(pf + "/virtfn0", v) }
  if let v = f[13] { fs.link(vf + "/physfn", v) }
  fs.file(vf + "/vendor", f[14] ?? "0x8086\n")
  fs.file(vf + "/device", "0x154c\n")
  fs.file(vf + "/class", f[15] ?? "0x020000\n")
  fs.directory("sys/kernel/iommu_groups/4/devices")
  if let v = f[16] { fs.file("sys/kernel/iommu_groups/4/type", v) }
  if let v = f[17] { fs.link("sys/class/net/eth0", v) }
  if let v = multi(18) { fs.file(pf + "/resource", v) }
  if let v = multi(19) { fs.file("proc/cpuinfo", v) }
  if let v = f[20] { fs.file("proc/cmdline", v) }
  if let v = f[21] { fs.file("sys/devices/virtual/iommu/dmar0/intel-iommu/ecap", v); fs.link("sys/class/iommu/dmar0", "../../devices/virtual/iommu/dmar0") }
  if let v = f[22] { fs.link(vf + "/iommu_group", v) }
  if let v = f[23], isListableName(v) { fs.link("sys/kernel/iommu_groups/4/devices/" + v, "../../../../devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0") }
  if let v = f[24], isListableName(v) { fs.directory("sys/bus/pci/devices/" + v) }

  let host = Host(root: "/fuzz", sysfs: fs)
  let inventory = host.inventory
  let attempt = { (what: String, body: () throws -> Void) in
    do { try body() } catch { requireOneLine(error, what) }
  }
  attempt("allAddresses") {
    for a in try inventory.allAddresses() {
      attempt("device \(a)") {
        let d = try inventory.device(a)
        if let numa = d.numaNode { require(numa >= 0, "negative NUMA node kept") }
        if let s = d.sriov { require(s.vfs.allSatisfy { $0.index >= 0 }, "negative VF index") }
      }
      attempt("group of \(a)") { if let g = try inventory.iommuGroupID(of: a) { _ = try inventory.iommuGroup(g) } }
    }
  }
  attempt("PFs") { _ = try inventory.physicalFunctionAddresses() }
  attempt("netdevs") { _ = try inventory.netdevsByDevice() }
  attempt("resolve eth0") { _ = try inventory.resolve(.netdev(try NetdevName(parsing: "eth0"))) }
  attempt("host facts") { _ = try CheckFacts.gatherHost(host) }
  if let text = multi(18) {
    for line in text.split(separator: "\n") { _ = CheckFacts.parseResource(line) }
  }
  for i in 0..<f.values.count {
    if let v = f[i] {
      attempt("PCIID") { _ = try PCIID(parsing: v) }
      attempt("PCIClass") { let c = try PCIClass(parsing: v); require(c.value <= 0xff_ffff, "class out of range") }
    }
  }
  return 0
}

runFuzzer { data, size in fuzzOne(data, size) }
