import Foundation
import SRIOVCore
import Testing

private let x710 = fixtureRoot("x710-demo")

private func repoFile(_ path: String) throws -> String {
  try String(contentsOfFile: Repo.root + "/" + path, encoding: .utf8)
}

@Suite("Distribution")
struct DistributionTests {
  // MARK: one version everywhere

  @Test func versionFileConstantBinaryAndChangelogAgree() throws {
    let version = try repoFile("VERSION").trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(version.wholeMatch(of: #/[0-9]+\.[0-9]+\.[0-9]+/#) != nil, "VERSION is '\(version)', not MAJOR.MINOR.PATCH")
    #expect(Release.version == version, "Sources/SRIOVCore/Version.swift says \(Release.version), VERSION says \(version)")

    let fast = try runBinary(["--version"])
    #expect(fast.stdout == version + "\n" && fast.status == 0)
    // Past the fast path (another argument present), swift-argument-parser answers the same.
    let parsed = try runBinary(["--version", "--json"])
    #expect(parsed.stdout == version + "\n")

    let top = try repoFile("CHANGELOG.md").components(separatedBy: "\n").first { $0.hasPrefix("## [") }
    let heading = try #require(top, "CHANGELOG.md has no '## [VERSION] - DATE' heading")
    #expect(heading.wholeMatch(of: #/## \[([^\]]+)\] - [0-9]{4}-[0-9]{2}-[0-9]{2}/#)?.1 == Substring(version),
      "the top CHANGELOG entry is '\(heading)', VERSION is \(version)")
  }

  @Test func installDocsNameTheCurrentPackage() throws {
    let version = try repoFile("VERSION").trimmingCharacters(in: .whitespacesAndNewlines)
    for doc in ["README.md", "docs/install.md"] {
      #expect(try repoFile(doc).contains("sriovctl_\(version)_amd64.deb"), "\(doc) names another version's .deb")
    }
  }

  /// README's tour shows real output: each command runs on (a copy of) the demo host and must print
  /// the lines shown under it (`...` stands for lines left out).
  @Test func readmeTourShowsRealOutput() throws {
    let readme = try repoFile("README.md")
    let tour = try #require(readme.components(separatedBy: "## Tour\n").dropFirst().first, "README.md has no Tour")
    let block = try #require(tour.components(separatedBy: "```\n").dropFirst().first, "the Tour has no code block")
    var steps: [HelpExample] = []
    for line in block.components(separatedBy: "\n") where !line.isEmpty {
      if line.hasPrefix("$ ") { steps.append(HelpExample(command: String(line.dropFirst(2)), output: [])) }
      else if !steps.isEmpty { steps[steps.count - 1].output.append(line) }
    }
    try #require(steps.first?.command == "export SRIOVCTL_ROOT=Fixtures/sysfs/x710-demo")
    #expect(steps.count >= 5, "the tour shows only \(steps.count) commands")
    try withTempCopy(of: "x710-demo") { root in
      for step in steps.dropFirst() {
        let words = step.command.split(separator: " ").map(String.init)
        try #require(words.first == "sriovctl", "a tour step runs something else: \(step.command)")
        let r = try runBinary(Array(words.dropFirst()), env: ["SRIOVCTL_ROOT": root])
        let printed = r.stdout.components(separatedBy: "\n")
        for expected in step.output where expected.trimmingCharacters(in: .whitespaces) != "..." {
          #expect(printed.contains(expected), "README tour: '\(step.command)' does not print '\(expected)'\n\(r.stdout)\(r.stderr)")
        }
      }
    }
  }

  /// The .deb and the man page take their version and date from VERSION and CHANGELOG, not from
  /// a copy (scripts/check-dist checks the built package itself).
  @Test func packagingReadsTheVersionFromTheOneSource() throws {
    let buildDeb = try repoFile("scripts/build-deb")
    #expect(buildDeb.contains("version=$(cat VERSION)"))
    #expect(try repoFile("dist/debian/control.in").contains("Version: @VERSION@"))
    #expect(try repoFile("Makefile").contains("VERSION     := $(shell cat VERSION)"))
  }

  /// One licence everywhere: the GPL v2 text in LICENSE, "or later" in the Debian copyright file and
  /// the README (libpci's terms).
  @Test func licenceIsGPL2OrLaterEverywhere() throws {
    let licence = try repoFile("LICENSE")
    #expect(licence.contains("GNU GENERAL PUBLIC LICENSE") && licence.contains("Version 2, June 1991"))
    let copyright = try repoFile("dist/debian/copyright")
    #expect(copyright.contains("License: GPL-2+") && copyright.contains("(at your option) any later"))
    let readme = try repoFile("README.md")
    #expect(readme.contains("(GPL-2.0-or-later)") && readme.contains("[LICENSE](LICENSE)"))
  }

  /// The release binary links libstdc++ statically (link/libstdc++.so), so neither the package's
  /// Depends (even build-deb's fallback without dpkg-shlibdeps) nor the docs ask for libstdc++6.
  @Test func packageDoesNotDependOnLibstdcxx() throws {
    #expect(try repoFile("link/libstdc++.so").contains("INPUT(libstdc++.a)"))
    let buildDeb = try repoFile("scripts/build-deb")
    let fallback = try #require(buildDeb.components(separatedBy: "\n").first { $0.contains("shlib_deps=\"libc6") })
    #expect(!fallback.contains("libstdc++"), "\(fallback)")
    #expect(try repoFile("scripts/check-dist").contains("Depends does not name libstdc++6"))
    #expect(try repoFile("README.md").contains("not on `libstdc++6`"))
    #expect(try repoFile("docs/install.md").contains("not `libstdc++6`"))
  }

  // MARK: completion scripts

  @Test(arguments: ["bash", "zsh", "fish"])
  func completionScriptMentionsEveryCommand(shell: String) throws {
    let r = try runBinary(["--generate-completion-script", shell])
    #expect(r.status == 0 && !r.stdout.isEmpty, "--generate-completion-script \(shell): \(r.stderr)")
    for name in try subcommandNames() {
      #expect(r.stdout.contains(name), "the \(shell) completion never mentions \(name)")
    }
    // Device arguments call back into sriovctl for candidates.
    #expect(r.stdout.contains("---completion show"), "\(shell): show's device argument has no custom completion")
  }

  /// What the shell scripts run on TAB: `sriovctl ---completion <command> -- <argument> ...words`.
  @Test func deviceArgumentsCompleteToTheHostsFunctions() throws {
    let show = try runBinary(["---completion", "show", "--", "positional@0", "4", "0", "sriovctl", "--root", x710, "show", ""])
    #expect(show.status == 0)
    #expect(show.stdout.components(separatedBy: "\n").filter { !$0.isEmpty } == [
      "0000:3b:00.0", "0000:3b:02.0", "0000:3b:02.1", "0000:3b:02.2", "0000:3b:02.3", "0000:3b:00.1",
      "enp59s0f0", "enp59s0f0v0", "enp59s0f0v1", "enp59s0f0v2", "enp59s0f0v3", "enp59s0f1",
    ])
    let create = try runBinary(["---completion", "create", "--", "positional@0", "2", "3", "sriovctl", "create", "enp"],
      env: ["SRIOVCTL_ROOT": x710])
    #expect(create.stdout == "enp59s0f0\nenp59s0f1\n", "create completes PFs only, from SRIOVCTL_ROOT")
  }

  // MARK: CompletionCandidates

  @Test func candidatesByScopeAndPrefix() {
    let candidates = CompletionCandidates(root: x710)
    #expect(candidates.candidates(.physicalFunctions, prefix: "") == ["0000:3b:00.0", "0000:3b:00.1", "enp59s0f0", "enp59s0f1"])
    #expect(candidates.candidates(.functionsAndVFs, prefix: "enp59s0f0v") == ["enp59s0f0v0", "enp59s0f0v1", "enp59s0f0v2", "enp59s0f0v3"])
    #expect(candidates.candidates(.physicalFunctions, prefix: "3b:00") == ["3b:00.0", "3b:00.1"], "short addresses complete too")
    #expect(candidates.candidates(.physicalFunctions, prefix: "0000:3b:00.1") == ["0000:3b:00.1"])
  }

  @Test func candidatesOnAMissingRootAreEmpty() {
    #expect(CompletionCandidates(root: "/nonexistent-sriovctl-root").candidates(.functionsAndVFs, prefix: "") == [])
  }

  @Test func completionRootFollowsTheCommandLineThenTheEnvironment() {
    let env = ["SRIOVCTL_ROOT": "/from-env", "HOME": "/home/admin"]
    #expect(CompletionCandidates.root(words: ["sriovctl", "--root", "/fixture", "show", ""], environment: env) == "/fixture")
    #expect(CompletionCandidates.root(words: ["sriovctl", "show", "--root=/fixture2", ""], environment: env) == "/fixture2")
    #expect(CompletionCandidates.root(words: ["sriovctl", "--root", "'/a dir'", "show"], environment: env) == "/a dir")
    #expect(CompletionCandidates.root(words: ["sriovctl", "--root", "~/capture", "show"], environment: env) == "/home/admin/capture")
    #expect(CompletionCandidates.root(words: ["sriovctl", "show", ""], environment: env) == "/from-env")
    #expect(CompletionCandidates.root(words: ["sriovctl", "show", ""], environment: [:]) == "/")
    #expect(CompletionCandidates.root(words: ["sriovctl", "show", "--root"], environment: [:]) == "/", "--root still being typed")
  }
}
