// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "sriovctl",
  products: [
    .executable(name: "sriovctl", targets: ["sriovctl"]),
    .library(name: "SRIOVCore", targets: ["SRIOVCore"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
  ],
  targets: [
    // C shim over libpci: every call runs under setjmp so libpci's error() never exits the process.
    // libpci is loaded with dlopen when first needed (see cpci.c), not linked: `list` and `--version`
    // never need it. The .deb still depends on libpci3 (scripts/build-deb adds it).
    .target(name: "CPCI"),
    .target(name: "SRIOVCore", dependencies: [
      "CPCI",
      .product(name: "SystemPackage", package: "swift-system"),
    ]),
    // The commands, as a library: the binary is a thin entry point and tests run commands in-process.
    .target(name: "SRIOVCLI", dependencies: [
      "SRIOVCore",
      .product(name: "ArgumentParser", package: "swift-argument-parser"),
    ]),
    .executableTarget(
      name: "sriovctl",
      dependencies: ["SRIOVCLI"],
      // Release: libstdc++ linked statically through link/libstdc++.so (a linker script), for start-up.
      linkerSettings: [.unsafeFlags(["-L", Context.packageDirectory + "/link"], .when(configuration: .release))]),
    .testTarget(name: "SRIOVCoreTests", dependencies: ["SRIOVCore", "SRIOVCLI"]),
  ]
)
