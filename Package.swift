// swift-tools-version:6.1
import PackageDescription

/// Intake: schedule -> connector -> mapper -> store.
/// The target graph mirrors that flow; nothing below imports anything above it.
let package = Package(
    name: "Intake",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "intake", targets: ["intake"]),
        .executable(name: "intake-bench-mapping", targets: ["intake-bench-mapping"]),
        .library(name: "IntakeCore", targets: ["IntakeCore"]),
        .library(name: "IntakeMapping", targets: ["IntakeMapping"]),
        .library(name: "IntakeHTTP", targets: ["IntakeHTTP"]),
        .library(name: "IntakeStore", targets: ["IntakeStore"]),
        .library(name: "IntakeConnectors", targets: ["IntakeConnectors"]),
        .library(name: "IntakeScheduler", targets: ["IntakeScheduler"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // The allocator the `intake` binary runs on: jemalloc unless built with INTAKE_ALLOCATOR=system.
        .target(
            name: "CIntakeAllocator",
            cSettings: useSystemAllocator ? [] : [.define("INTAKE_JEMALLOC")],
            linkerSettings: useSystemAllocator ? [] : [.linkedLibrary("jemalloc")]
        ),
        // Small C helpers for the hot paths: a prefetch hint, SHA-256 with the SHA extensions
        // (optimised in debug builds too: the test suite hashes every artifact it maps).
        .target(name: "CIntakeSupport", cSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))]),
        .target(
            name: "IntakeCore",
            dependencies: [
                "CIntakeSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: hotPathSettings
        ),
        .target(name: "IntakeMapping", dependencies: ["IntakeCore", .product(name: "Yams", package: "Yams")],
                swiftSettings: hotPathSettings),
        .target(
            name: "IntakeHTTP",
            dependencies: ["CCurl", "IntakeCore", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "IntakeStore",
            dependencies: [
                "IntakeCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "IntakeConnectors",
            dependencies: ["IntakeCore", "IntakeHTTP", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "IntakeScheduler",
            dependencies: [
                "IntakeCore", "IntakeMapping", "IntakeHTTP", "IntakeStore", "IntakeConnectors",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        // Operability: Prometheus metrics, /healthz, poll observers for progress and metrics.
        .target(
            name: "IntakeOperations",
            dependencies: [
                "IntakeCore", "IntakeHTTP", "IntakeStore", "IntakeConnectors", "IntakeScheduler",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "intake",
            dependencies: [
                "CIntakeAllocator", "IntakeCore", "IntakeMapping", "IntakeStore", "IntakeConnectors", "IntakeScheduler", "IntakeOperations",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Shared by the test targets: the store backends under test (SQLite always, PostgreSQL when configured).
        .target(
            name: "IntakeTestSupport",
            dependencies: ["IntakeCore", "IntakeStore", .product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Tests/IntakeTestSupport"
        ),
        .testTarget(
            name: "IntakeCoreTests",
            dependencies: ["IntakeCore"]
        ),
        // The mapping benchmark (Benchmarks/mapping/run): maps already-parsed records, no I/O, on
        // the allocator `intake` runs on.
        .executableTarget(
            name: "intake-bench-mapping",
            dependencies: ["CIntakeAllocator", "IntakeCore", "IntakeMapping"],
            path: "Benchmarks/mapping/Sources"
        ),
        .testTarget(
            name: "IntakeMappingTests",
            dependencies: ["IntakeCore", "IntakeMapping"],
            exclude: ["Golden"]
        ),
        .testTarget(
            name: "IntakeStoreTests",
            dependencies: ["IntakeCore", "IntakeStore", "IntakeTestSupport", .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "IntakeConnectorsTests",
            dependencies: ["IntakeCore", "IntakeConnectors", .product(name: "Logging", package: "swift-log")]
        ),
        // Schedules and poll windows: pure scheduler logic with an injected clock, no I/O.
        .testTarget(
            name: "IntakeSchedulerTests",
            dependencies: ["IntakeCore", "IntakeStore", "IntakeScheduler"]
        ),
        .testTarget(
            name: "IntakeIntegrationTests",
            dependencies: [
                "IntakeCore", "IntakeHTTP", "IntakeStore", "IntakeConnectors", "IntakeScheduler", "IntakeOperations",
                "IntakeTestSupport", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Support"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

/// `INTAKE_ALLOCATOR=system swift build` builds `intake` on the C library's malloc instead of
/// jemalloc (for a machine without libjemalloc-dev; polls are slower, see Benchmarks/README.md).
/// Any other value stops the build, naming it, rather than quietly building with jemalloc.
var useSystemAllocator: Bool {
    switch Context.environment["INTAKE_ALLOCATOR"] {
    case nil, "", "jemalloc": return false
    case "system": return true
    case let other?: fatalError("INTAKE_ALLOCATOR must be 'jemalloc' (the default) or 'system', not '\(other)'")
    }
}

/// The per-record hot path (JSON, hashing, mapping) is optimised in debug builds too: unoptimised,
/// it makes every test that polls through the built `intake` twice as slow. In release builds its
/// small functions are also inlined across modules (the mapper calls IntakeCore's value tests and
/// appends per field): about 3% fewer instructions per mapped record (Benchmarks/README).
var hotPathSettings: [SwiftSetting] {
    [.unsafeFlags(["-O"], .when(configuration: .debug)), .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]
}
