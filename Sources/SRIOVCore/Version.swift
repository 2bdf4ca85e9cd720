/// The release this build is. The repository's `VERSION` file is the source: a test checks that
/// this constant, `VERSION`, the top CHANGELOG entry and the `.deb` all agree (SwiftPM has no
/// build-time defines, so the value is checked in rather than generated).
public enum Release {
  public static let version = "0.1.0"
}
