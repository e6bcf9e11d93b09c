// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Provisor",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "provisor", targets: ["provisor"]),
        .library(name: "ProvisorCore", targets: ["ProvisorCore"]),
        .library(name: "ProvisorSQLite", targets: ["ProvisorSQLite"]),
        .library(name: "ProvisorPostgres", targets: ["ProvisorPostgres"]),
        .library(name: "ProvisorGit", targets: ["ProvisorGit"]),
        .library(name: "ProvisorEngines", targets: ["ProvisorEngines"]),
        .library(name: "ProvisorRuntime", targets: ["ProvisorRuntime"]),
        .library(name: "ProvisorViews", targets: ["ProvisorViews"]),
        .library(name: "ProvisorEngineKit", targets: ["ProvisorEngineKit"]),
        .executable(name: "provisor-simulated-engine", targets: ["provisor-simulated-engine"]),
        .executable(name: "provisor-engine-microsoft", targets: ["provisor-engine-microsoft"]),
        .library(name: "ProvisorTesting", targets: ["ProvisorTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/JohnSundell/Plot", from: "0.14.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .systemLibrary(
            name: "CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
        .target(
            name: "CRabbitMQ",
            linkerSettings: [.linkedLibrary("rabbitmq")]
        ),
        .target(name: "CProcess"),
        .target(
            name: "ProvisorAMQP",
            dependencies: ["CRabbitMQ"]
        ),
        .target(
            name: "ProvisorCore",
            dependencies: ["CLibYAML", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "ProvisorEngines",
            dependencies: [
                "ProvisorCore", "ProvisorAMQP", "ProvisorEngineKit", "CProcess",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .target(
            name: "ProvisorEngineKit",
            dependencies: ["ProvisorAMQP"]
        ),
        .target(
            name: "ProvisorSimulatedEngine",
            dependencies: ["ProvisorEngineKit", "ProvisorAMQP"]
        ),
        .executableTarget(
            name: "provisor-simulated-engine",
            dependencies: ["ProvisorSimulatedEngine", "ProvisorEngineKit", "ProvisorAMQP", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .target(
            name: "ProvisorMicrosoftEngine",
            dependencies: ["ProvisorEngineKit", .product(name: "AsyncHTTPClient", package: "async-http-client")]
        ),
        .executableTarget(
            name: "provisor-engine-microsoft",
            dependencies: ["ProvisorMicrosoftEngine", "ProvisorEngineKit", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "kit-conformance-engine",
            dependencies: ["ProvisorEngineKit"],
            path: "Tests/KitConformanceEngine"
        ),
        .target(
            name: "ProvisorGit",
            dependencies: ["ProvisorCore", "CLibGit2"]
        ),
        .target(
            name: "ProvisorSQLite",
            dependencies: ["ProvisorCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "ProvisorPostgres",
            dependencies: [
                "ProvisorCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ProvisorRuntime",
            dependencies: [
                "ProvisorCore", "ProvisorSQLite", "ProvisorPostgres", "ProvisorEngines", "ProvisorEngineKit", "ProvisorGit",
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "ProvisorViews",
            dependencies: ["ProvisorCore", "ProvisorRuntime", "ProvisorGit", .product(name: "Plot", package: "Plot")]
        ),
        .target(
            name: "ProvisorTesting",
            dependencies: ["ProvisorCore", "ProvisorPostgres", "ProvisorRuntime", "ProvisorEngines", .product(name: "PostgresNIO", package: "postgres-nio")]
        ),
        .executableTarget(
            name: "provisor",
            dependencies: [
                "ProvisorCore",
                "ProvisorRuntime",
                "ProvisorEngines",
                "ProvisorViews",
                "ProvisorGit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "provisor-record-state",
            dependencies: ["ProvisorCore", "ProvisorSQLite"],
            path: "Benchmarks/RecordState"
        ),
        .testTarget(
            name: "ProvisorCoreTests",
            dependencies: ["ProvisorCore", "ProvisorTesting"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "StateStoreTests",
            dependencies: ["ProvisorSQLite", "ProvisorPostgres", "ProvisorTesting", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "EngineTests",
            dependencies: [
                "ProvisorEngines", "ProvisorAMQP", "ProvisorCore", "ProvisorSQLite", "ProvisorTesting", "ProvisorEngineKit", "ProvisorSimulatedEngine",
            ],
            exclude: ["Servers"]
        ),
        .testTarget(
            name: "GitTests",
            dependencies: ["ProvisorGit", "ProvisorCore", "ProvisorTesting"]
        ),
        .testTarget(
            name: "ProvisorRuntimeTests",
            dependencies: ["ProvisorRuntime", "ProvisorCore", "ProvisorSQLite", "ProvisorTesting"]
        ),
        .testTarget(
            name: "ProvisorViewsTests",
            dependencies: ["ProvisorViews", "ProvisorRuntime", "ProvisorCore", "ProvisorTesting"],
            exclude: ["Golden"]
        ),
        .testTarget(
            name: "provisorTests",
            dependencies: ["provisor", "provisor-engine-microsoft", "provisor-simulated-engine", "ProvisorCore", "ProvisorSQLite", "ProvisorTesting"],
            exclude: ["Golden"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
