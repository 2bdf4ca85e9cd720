#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// The process's edges: stdout, stderr and the environment.
enum Output {
  static func write(_ text: String) {
    fputs(text, stdout)
    fflush(stdout)
  }

  static func error(_ message: String, hint: String?) {
    var text = "Error: \(message)\n"
    if let hint { text += "hint: \(hint)\n" }
    fputs(text, stderr)
  }
}

enum Process {
  static var environment: [String: String] {
    var result: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
      let pair = String(cString: entry)
      if let eq = pair.firstIndex(of: "=") { result[String(pair[..<eq])] = String(pair[pair.index(after: eq)...]) }
      pointer += 1
    }
    return result
  }
}
