import ArgumentParser
import SRIOVCore

extension CompletionKind {
  /// TAB on a device argument offers the host's PF addresses and netdev names (and VFs where the
  /// command takes them), from the root given with `--root` or `SRIOVCTL_ROOT` on that line.
  static func devices(_ scope: CompletionCandidates.Scope) -> CompletionKind {
    .custom { words, _, prefix in
      let root = HostRoot(CompletionCandidates.root(words: words, environment: Process.environment))
      return CompletionCandidates(root: root).candidates(scope, prefix: prefix)
    }
  }
}
