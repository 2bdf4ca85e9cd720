import Testing
@testable import SRIOVCore

@Suite("Report fields: text and JSON from one description")
struct ReportFieldTests {
  let fields = [
    ReportField("driver", Optional("mlx5_core"), json: JSON.string),
    ReportField("num_vfs", label: "vfs", Int?.none, json: JSON.int, text: { "\($0) (sriov_numvfs)" }),
  ]

  @Test func bothRenderingsListEveryField() {
    #expect(fields.textLines(labelWidth: 10) == "  driver:   mlx5_core\n  vfs:      \(unknownText)\n")
    let json = JSON.object(fields.jsonEntries).rendered()
    #expect(json.contains("\"driver\": \"mlx5_core\"") && json.contains("\"num_vfs\": null"), "\(json)")
  }
}
