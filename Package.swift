// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Provisor",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "provisor", targets: ["provisor"]),
        .library(name: "ProvisorCore", targets: ["ProvisorCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .target(
            name: "ProvisorCore",
            dependencies: ["CLibYAML"]
        ),
        .executableTarget(
            name: "provisor",
            dependencies: [
                "ProvisorCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "ProvisorCoreTests",
            dependencies: ["ProvisorCore"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "provisorTests",
            dependencies: ["provisor"],
            exclude: ["Golden"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
