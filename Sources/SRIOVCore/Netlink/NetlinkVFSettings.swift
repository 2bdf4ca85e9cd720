import SystemPackage

/// VF settings of the live kernel over rtnetlink. The PF is found by the ifindex sysfs gives for its
/// netdev; kernel refusals come back as the `Errno` of `NLMSG_ERROR`, as the test fake throws them.
public struct NetlinkVFSettings: VFSettingsControl {
  private let sysfs: any HostFiles
  private let connect: () throws -> any NetlinkTransport

  /// `connect` opens a transport per call (a socket is cheap; nothing is shared between calls).
  public init(sysfs: any HostFiles, connect: @escaping () throws -> any NetlinkTransport = { try NetlinkSocket() }) {
    self.sysfs = sysfs
    self.connect = connect
  }

  public func read(pf: NetdevName) throws -> PFVFSettings {
    let index = try ifindex(of: pf)
    let netlink = RouteNetlink(transport: try connect())
    let replies = try netlink.request(
      type: NetlinkConstants.rtmGetLink, flags: 0, payload: VFInfoCodec.getLinkPayload(ifindex: index))
    guard let reply = replies.first else { throw NetlinkFormatError("no RTM_NEWLINK for \(pf)") }
    let link = try VFInfoCodec.parseLink(reply)
    guard link.ifindex == index else {
      throw NetlinkFormatError("asked for ifindex \(index), the reply is about \(link.ifindex)")
    }
    // No IFLA_NUM_VF: the interface has no PCI parent device, so no VFs.
    return link.settings ?? PFVFSettings(numVFs: 0, vfs: [:])
  }

  public func apply(_ setting: VFSetting, vf: Int, pf: NetdevName) throws {
    let index = try ifindex(of: pf)
    let netlink = RouteNetlink(transport: try connect())
    _ = try netlink.request(
      type: NetlinkConstants.rtmSetLink, flags: NetlinkConstants.flagAck,
      payload: VFInfoCodec.setVFPayload(ifindex: index, vf: vf, setting: setting))
  }

  /// `sys/class/net/<pf>/ifindex`.
  func ifindex(of pf: NetdevName) throws -> Int32 {
    let path = SysfsLayout.netdev(pf).appending("ifindex")
    let text: String
    do {
      text = try sysfs.readValue(path)
    } catch {
      throw SRIOVError(pf.name, "cannot find the interface's index: \(error)",
        hint: "run 'ip link' to check the interface exists")
    }
    guard let index = Int32(text), index > 0 else {
      throw SRIOVError(pf.name, "unexpected ifindex '\(text)' in \(sysfs.absolute(path))")
    }
    return index
  }
}
