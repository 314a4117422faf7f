// swift-tools-version: 6.1
// Tandem: a rules-and-forecasting decision engine for goal management.
import PackageDescription
import class Foundation.ProcessInfo

let package = Package(
    name: "Tandem",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tandem", targets: ["tandem"]),
        // The layers, each a product another package can depend on: front ends → TandemService
        // → TandemEngine (TandemPolicy, TandemForecast on TandemNumerics) → TandemStore, all on
        // TandemCore.
        .library(name: "TandemCore", targets: ["TandemCore"]),
        .library(name: "TandemNumerics", targets: ["TandemNumerics"]),
        .library(name: "TandemPolicy", targets: ["TandemPolicy"]),
        .library(name: "TandemForecast", targets: ["TandemForecast"]),
        .library(name: "TandemEngine", targets: ["TandemEngine"]),
        .library(name: "TandemStore", targets: ["TandemStore"]),
        .library(name: "TandemImport", targets: ["TandemImport"]),
        .library(name: "TandemService", targets: ["TandemService"]),
        .library(name: "TandemServer", targets: ["TandemServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        // The dashboard and its API (TandemServer), bcrypt for passwords, SHA-256 for the digests of session and token secrets.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        // multipart/form-data, for a what-if scenario file uploaded from the dashboard.
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        // A deadline on the graceful shutdown (Hummingbird's own dependency).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // System LAPACK and BLAS (Fortran ABI), linked by the generic names `lapack` and
        // `blas` so that Debian's alternatives can swap in OpenBLAS without a rebuild.
        .systemLibrary(
            name: "CLAPACK",
            providers: [.apt(["liblapack-dev", "libblas-dev"])]
        ),
        // libcurl's SMTP client (STARTTLS, AUTH, a trusted-root file) for the email digests: no
        // SMTP package is among the machine's Swift packages, and libcurl is the well-kept client.
        .systemLibrary(
            name: "CCurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // The fused IRLS pass (C with AVX-512 intrinsics, chosen at run time; see its header).
        .target(name: "CTandemKernels"),
        .target(name: "TandemNumerics", dependencies: ["CLAPACK", "CTandemKernels"], exclude: ["README.md"]),
        .target(name: "TandemCore", dependencies: [.product(name: "Yams", package: "Yams")], exclude: ["README.md"]),
        .target(name: "TandemPolicy", dependencies: ["TandemCore"], exclude: ["README.md"]),
        .target(name: "TandemForecast", dependencies: ["TandemCore", "TandemNumerics"], exclude: ["README.md"]),
        .target(name: "TandemEngine", dependencies: ["TandemCore", "TandemPolicy", "TandemForecast", "TandemNumerics", .product(name: "Yams", package: "Yams")], exclude: ["README.md"]),
        .target(name: "TandemGenerator", dependencies: ["TandemCore"]),
        .target(name: "TandemStore", dependencies: ["TandemCore", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
                                                   .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "NIOCore", package: "swift-nio"),
                                                   .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
                                                   .product(name: "Logging", package: "swift-log")], exclude: ["README.md"]),
        // Other tools' exports (Jira, Asana, Lattice, Culture Amp, any CSV or JSON with a mapping) as Tandem's files.
        .target(name: "TandemImport", dependencies: ["TandemCore", .product(name: "Yams", package: "Yams")], exclude: ["README.md"]),
        .target(name: "TandemService", dependencies: ["CCurl", "TandemCore", "TandemPolicy", "TandemForecast", "TandemEngine", "TandemStore", "TandemImport",
                                                     .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                                                     .product(name: "Crypto", package: "swift-crypto")], exclude: ["README.md"]),
        // The dashboard and the JSON API on Hummingbird: pages rendered on the server, every asset in the binary.
        .target(name: "TandemServer", dependencies: ["TandemCore", "TandemStore", "TandemService", "TandemEngine", "TandemPolicy", "TandemNumerics",
                                                    .product(name: "Hummingbird", package: "hummingbird"),
                                                    .product(name: "Mustache", package: "swift-mustache"),
                                                    .product(name: "MultipartKit", package: "multipart-kit"),
                                                    .product(name: "Crypto", package: "swift-crypto"),
                                                    .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                                                    .product(name: "Logging", package: "swift-log")],
                exclude: ["Screenshots", "README.md"]),
        .executableTarget(
            name: "tandem",
            dependencies: [
                "TandemCore", "TandemNumerics", "TandemPolicy", "TandemForecast", "TandemEngine", "TandemStore", "TandemService", "TandemGenerator",
                "TandemServer", "TandemImport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // The JSON Schemas of the commands' output: documentation, installed beside the binary.
            exclude: ["Schemas"]
        ),
        // Uses only the library products, with plain imports: keeps their public surface honest.
        .executableTarget(
            name: "tandem-consumer-example",
            dependencies: ["TandemCore", "TandemStore", "TandemService"],
            path: "Examples/Consumer"
        ),
        .testTarget(name: "TandemNumericsTests", dependencies: ["TandemNumerics"], exclude: ["Fixtures"]),
        .testTarget(name: "TandemCoreTests", dependencies: ["TandemCore"], exclude: ["Fixtures"]),
        .testTarget(name: "TandemImportTests", dependencies: ["TandemImport", "TandemCore"], exclude: ["Fixtures"]),
        .testTarget(name: "TandemPolicyTests", dependencies: ["TandemPolicy", "TandemCore"], exclude: ["Fixtures", "Snapshots"]),
        .testTarget(name: "TandemGeneratorTests", dependencies: ["TandemGenerator", "TandemCore"]),
        .testTarget(name: "TandemEngineTests", dependencies: ["TandemEngine", "TandemCore", "TandemPolicy", "TandemForecast"]),
        // The backends a store or service test runs against (SQLite, and PostgreSQL when `make test` started a cluster).
        .target(name: "TandemTestSupport", dependencies: ["TandemCore", "TandemStore"], path: "Tests/TandemTestSupport"),
        .testTarget(name: "TandemStoreTests", dependencies: ["TandemStore", "TandemCore", "TandemEngine", "TandemTestSupport"]),
        .testTarget(name: "TandemServiceTests", dependencies: ["TandemService", "TandemStore", "TandemCore", "TandemEngine", "TandemTestSupport"]),
        .testTarget(name: "TandemServerTests", dependencies: ["TandemServer", "TandemService", "TandemStore", "TandemCore", "TandemTestSupport",
                                                         .product(name: "Logging", package: "swift-log"),
                                                         .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                                                         .product(name: "NIOCore", package: "swift-nio"),
                                                         .product(name: "HummingbirdTesting", package: "hummingbird")]),
        .testTarget(name: "TandemForecastTests", dependencies: ["TandemForecast", "TandemCore", "TandemGenerator", "TandemNumerics",
                                                        .product(name: "PropertyBased", package: "swift-property-based")]),
        // Runs the built `tandem` binary; the dependency makes `swift test` build it first.
        .testTarget(name: "TandemCLITests", dependencies: ["tandem", "tandem-consumer-example", "TandemTestSupport"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)

// Benchmarks stay out of the plain `swift build` / `swift test` graph: they are added only when
// ENABLE_BENCHMARKS is set (`make bench`).
if ProcessInfo.processInfo.environment["ENABLE_BENCHMARKS"] != nil {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"])
    )
    // One executable per suite, Benchmarks/<Name>/<Name>.swift.
    func benchmark(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
        .executableTarget(
            name: name,
            dependencies: dependencies + [.product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/\(name)",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    }
    package.targets += [
        benchmark("LoaderBenchmarks", ["TandemCore", "TandemGenerator"]),
        benchmark("PolicyBenchmarks", ["TandemCore", "TandemPolicy"]),
        benchmark("ForecastBenchmarks", ["TandemCore", "TandemNumerics", "TandemForecast", "TandemGenerator"]),
        benchmark("RunBenchmarks", ["TandemCore", "TandemPolicy", "TandemForecast", "TandemEngine", "TandemStore", "TandemService",
                                    .product(name: "GRDB", package: "GRDB.swift")]),
    ]
}

// Coverage-guided fuzz targets (libFuzzer), added only when TANDEM_FUZZ is set: `make fuzz`
// builds them with -sanitize=fuzzer in a build folder of their own. libFuzzer's own `main` is
// hidden by an executable's, so the driver is started through LLVMFuzzerRunDriver (declared by
// the small C target).
if ProcessInfo.processInfo.environment["TANDEM_FUZZ"] != nil {
    package.targets += [
        .target(name: "CFuzzDriver", path: "Tests/Fuzz/CFuzzDriver"),
        .executableTarget(
            name: "tandem-fuzz",
            dependencies: ["CFuzzDriver", "TandemCore", "TandemPolicy", "TandemForecast", "TandemEngine"],
            path: "Tests/Fuzz/Targets"
        ),
    ]
}
