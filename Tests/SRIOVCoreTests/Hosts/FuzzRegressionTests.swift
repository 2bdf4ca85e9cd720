import Foundation
import SRIOVCore
import Testing

/// Crashing inputs the fuzzers found (Fuzz/regressions/<Target>-<hash>), replayed through the same
/// properties without libFuzzer so the main suite keeps them fixed. See Fuzz/RUNS.md.
private let regressionDir = Repo.root + "/Fuzz/regressions"
private let regressions: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: regressionDir)) ?? []).sorted()

private func expectOneLine(_ error: any Error, _ context: String) {
  let text = String(describing: error)
  #expect(!text.isEmpty && !text.contains("\n") && !text.contains("\r"), "\(context): \(text.debugDescription)")
}

@Suite("Fuzz regressions")
struct FuzzRegressionTests {
  @Test func everyTargetHasItsRegressionsHere() {
    #expect(!regressions.isEmpty)
    for name in regressions {
      #expect(["FuzzAddress-", "FuzzMAC-", "FuzzSysfsValues-", "FuzzConfigSpace-", "FuzzJSONDocument-", "FuzzYAMLDocument-", "FuzzNetlinkReply-", "FuzzVFSettingsDump-"].contains { name.hasPrefix($0) }, "\(name)")
    }
  }

  @Test(arguments: regressions)
  func replay(name: String) throws {
    let bytes = try Data(contentsOf: URL(fileURLWithPath: regressionDir + "/" + name))
    let text = String(decoding: bytes, as: UTF8.self)
    if name.hasPrefix("FuzzAddress-") {
      do { _ = try DeviceRef(parsing: text) } catch { expectOneLine(error, name) }
      do { _ = try DriverName(parsing: text) } catch { expectOneLine(error, name) }
      // End to end: the argument comes back as one Error line, exit 64.
      let r = try runCLI(["--root", fixtureRoot("x710-demo"), "show", text])
      #expect(r.status == 64 && r.stderr.split(separator: "\n").count == 1 && r.stderr.hasPrefix("Error: "), "\(r.stderr.debugDescription)")
    } else if name.hasPrefix("FuzzMAC-") {
      do { _ = try MACAddress(parsing: text) } catch { expectOneLine(error, name) }
    } else if name.hasPrefix("FuzzSysfsValues-") {
      for field in text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) {
        do { _ = try PCIID(parsing: field) } catch { expectOneLine(error, name) }
        do { _ = try PCIClass(parsing: field) } catch { expectOneLine(error, name) }
      }
    } else if name.hasPrefix("FuzzJSONDocument-") {
      do { _ = try Document.parseJSON(text, source: name) } catch { expectOneLine(error, name) }
    } else if name.hasPrefix("FuzzYAMLDocument-") {
      do { _ = try Document.parseYAML(bytes: [UInt8](bytes), source: name) } catch { expectOneLine(error, name) }
      do { _ = try DesiredState.parse(bytes: [UInt8](bytes), source: name) } catch { expectOneLine(error, name) }
    } else if name.hasPrefix("FuzzVFSettingsDump-") {
      do { _ = try VFSettingsDump.decode(text, source: name) } catch { expectOneLine(error, name) }
    } else if name.hasPrefix("FuzzNetlinkReply-") {
      do {
        for message in try NetlinkMessage.split([UInt8](bytes)) {
          do { _ = try VFInfoCodec.parseLink(message) } catch { expectOneLine(error, name) }
        }
      } catch { expectOneLine(error, name) }
    } else if name.hasPrefix("FuzzConfigSpace-") {
      let config = ConfigSpace(bytes: [UInt8](bytes.dropFirst()))
      _ = (config.acs, config.sriov, config.portType)
    }
  }

  @Test func controlCharactersAndLongInputsStayOnOneLine() {
    #expect(ParseError.printable("a\nb\r\u{1b}c\t") == "a\\nb\\r\\x1bc\\t")
    let long = String(repeating: "x", count: 200)
    #expect(ParseError.printable(long) == String(repeating: "x", count: 80) + "... (200 characters)")
    #expect(ParseError.printable(long, limit: nil) == long)
  }
}
