/// A value one closure of a step finds and another uses: what `observe` read before the action,
/// which `undo` restores.
final class StepMemo<Value> {
  var value: Value

  init(_ value: Value) { self.value = value }
}

extension Step {
  /// One sysfs write, its failure explained for a user (kernel-abi.md §2).
  static func write(_ write: SysfsWrite, subject: String, sysfs: any HostFiles, totalVFs: Int? = nil) -> Step {
    Step(write.description, subject: subject, action: { () throws in
      do throws(SysfsError) { try sysfs.write(write.value, to: write.path) } catch {
        throw WriteErrors.explain(error, subject: subject, write: write, totalVFs: totalVFs)
      }
    })
  }

  /// One VF setting: send it, read it back; undo sends the value it replaced and reads that back.
  /// The one apply/read-back/restore of `set` and `apply`. `restore` is nil when the driver did not
  /// report the earlier value: then there is nothing to undo with.
  static func vfSetting(
    _ setting: VFSetting, description: String, subject: String, target: @escaping () -> VFSettingsTarget,
    control: any VFSettingsControl,
    restore: @escaping () -> VFSetting?, read: @escaping () throws -> VFSettings,
    observe: @escaping () throws -> StepNeed = { .needed }
  ) -> Step {
    func send(_ value: VFSetting) throws {
      let target = target()
      do { try control.apply(value, vf: target.vf, pf: target.netdev) } catch {
        throw VFSettingsErrors.explain(error, setting: value, target: target)
      }
    }
    return Step(description, subject: subject, observe: observe,
      action: { try send(setting) },
      verify: {
        let now = try read()
        guard setting.isReflected(in: now) else {
          throw SRIOVError(target().subject, "the kernel accepted \(setting) but reports \(VFSettingsView.text(now))",
            hint: "the driver changed something else or ignored the request; check dmesg")
        }
      },
      undo: {
        guard let before = restore() else {
          throw SRIOVError(target().subject, "cannot restore \(setting.name): its earlier value was not reported")
        }
        do { try send(before) } catch let error as SRIOVError {
          throw SRIOVError(error.subject, "restoring: " + error.problem, hint: error.hint)
        }
        let now = try read()
        guard before.isReflected(in: now) else {
          throw SRIOVError(target().subject, "restoring: the kernel accepted \(before) but reports \(VFSettingsView.text(now))")
        }
      })
  }
}
