// swift-tools-version:6.0
// Fuzz targets for every parser that reads outside data. A separate package so the main
// `swift build` / `swift test` never link libFuzzer. See README.md for how to build and run.
import PackageDescription

let fuzzTarget = { (name: String) -> Target in
  .executableTarget(name: name, dependencies: ["FuzzSupport", "CFuzzDriver", .product(name: "SRIOVCore", package: "sriovctl")])
}

let package = Package(
  name: "sriovctl-fuzz",
  dependencies: [.package(name: "sriovctl", path: "..")],
  targets: [
    .systemLibrary(name: "CFuzzDriver"),
    .target(name: "FuzzSupport", dependencies: ["CFuzzDriver", .product(name: "SRIOVCore", package: "sriovctl")]),
    fuzzTarget("FuzzAddress"),
    fuzzTarget("FuzzMAC"),
    fuzzTarget("FuzzSysfsValues"),
    fuzzTarget("FuzzConfigSpace"),
    fuzzTarget("FuzzJSONDocument"),
    fuzzTarget("FuzzYAMLDocument"),
    fuzzTarget("FuzzNetlinkReply"),
    fuzzTarget("FuzzDevlinkReply"),
    fuzzTarget("FuzzVFSettingsDump"),
    fuzzTarget("FuzzOwnerFiles"),
  ]
)
