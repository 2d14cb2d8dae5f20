// swift-tools-version:6.0
// ogf — a declarative plan/apply engine for whole-release deploys.
// Targets are grouped by layer; dependencies point one way:
//   support (OGFCore, OGFYAML, OGFSupport, OGFHTTP, OGFSQLLint, OGFObservability, OGFAWS)
//   ← engine (OGFConfig, OGFGraph, OGFPlan, OGFState, OGFStatePostgres, OGFApply, OGFRecords, OGFNotify: records and
//            telemetry sinks sit in the engine layer: they read state and history, and OGFNotify
//            uses OGFHTTP/libcurl like a kind does, but no kind ever imports them)
//   ← kinds (OGFKinds, OGFDatabase, OGFImages, OGFKubernetes, OGFCloud: one per external system; none imports another
//            kind target or the engine beyond OGFCore)
//   ← OGFCatalogue (the one list of kinds) ← OGFCommands ← ogf.
// scripts/check-layering.sh enforces this in CI.
import PackageDescription

let package = Package(
    name: "ogf",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ogf", targets: ["ogf"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"4.0.0"),
        // check_load's latency histogram (pulls swift-numerics; see docs/benchmarks.md for the build cost).
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // C libraries from Debian, through pkg-config.
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        // Small C helpers for POSIX calls Swift's Glibc module hides.
        .target(name: "CSupport"),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CPostgres", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // tar writing for reproducible image layers, and gzip through zlib.
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // zstd image layers (multi-threaded, fixed job size for reproducible bytes).
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),

        // Zero-downtime lint of PostgreSQL migrations: SQL splitter, directives, one rule per file. No I/O.
        .target(name: "OGFSQLLint", exclude: ["README.md"]),
        // Addresses, values, diagnostics, schemas and the resource-kind protocol. No I/O.
        .target(name: "OGFCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")], exclude: ["README.md"]),
        // YAML (libyaml) → nodes with source locations, for configuration and manifest files.
        .target(name: "OGFYAML", dependencies: ["OGFCore", "CYAML"]),
        // Shared support for kinds: a process runner that never blocks the cooperative pool, retries.
        .target(name: "OGFSupport", dependencies: ["OGFCore", "CSupport"]),
        // Typed configuration with source locations; includes, variables, references.
        .target(name: "OGFConfig", dependencies: ["OGFCore", "OGFYAML"]),
        // Dependency graph, cycle detection, ordering, critical-path weights.
        .target(name: "OGFGraph", dependencies: ["OGFCore"]),
        // Diff against state, the plan model and its renderers (text, JSON, Markdown).
        .target(name: "OGFPlan", dependencies: ["OGFCore", "OGFConfig", "OGFGraph"]),
        // State format, atomic file store with journal, locking, saved-plan files.
        .target(name: "OGFState", dependencies: ["OGFCore", "OGFPlan"]),
        // The PostgreSQL state backend (libpq): row-per-resource writes, holder-aware locks.
        .target(name: "OGFStatePostgres", dependencies: ["OGFCore", "OGFPlan", "OGFState", "OGFRecords", "CPostgres", .product(name: "Crypto", package: "swift-crypto")]),
        // The parallel walker: applies a plan, emits events, honours cancellation.
        .target(name: "OGFApply", dependencies: ["OGFCore", "OGFConfig", "OGFGraph", "OGFPlan", "OGFState"]),
        // Deploy records: the report model and its Markdown/HTML/JSON renderers (inline SVG
        // timeline), the hash-chained audit log, the status page. No network.
        .target(name: "OGFRecords", dependencies: ["OGFCore", "OGFState", .product(name: "Crypto", package: "swift-crypto")]),
        // Telemetry sinks run beside a deploy, never on its critical path: Grafana annotations,
        // Pushgateway, OTLP/HTTP traces (hand-written protobuf), Slack, email (libcurl SMTP).
        .target(name: "OGFNotify", dependencies: ["OGFCore", "OGFHTTP", "OGFState", "OGFRecords", "CCurl"]),
        // HTTP over libcurl behind a small protocol.
        .target(name: "OGFHTTP", dependencies: ["CCurl"]),
        // Observability clients: Prometheus's HTTP API (queries, readiness); no kinds.
        .target(name: "OGFObservability", dependencies: ["OGFCore", "OGFHTTP"], exclude: ["README.md"]),
        // AWS for kinds: SigV4 signing, the AWS CLI's credential chain, STS and IAM (Query API over OGFHTTP).
        .target(name: "OGFAWS", dependencies: ["OGFCore", "OGFHTTP", "OGFSupport", .product(name: "Crypto", package: "swift-crypto")]),
        // PostgreSQL (libpq, pg_dump) and Redis (RESP over a socket) kinds: backups, migrations, checks.
        .target(name: "OGFDatabase", dependencies: ["OGFCore", "OGFSupport", "OGFSQLLint", "CPostgres", .product(name: "Crypto", package: "swift-crypto")], exclude: ["README.md"]),
        // OCI images: reproducible layers, registry client (Distribution API over OGFHTTP), the
        // image, gate_registry and gate_vulnerabilities kinds.
        .target(name: "OGFImages", dependencies: [
            "OGFCore", "OGFHTTP", "CArchive", "CZlib", "CZstd", .product(name: "Crypto", package: "swift-crypto"),
        ], exclude: ["README.md"]),
        // Kinds without an external system of their own: environment and secret gates, TCP and HTTP checks, load tests, exec.
        .target(name: "OGFKinds", dependencies: ["OGFCore", "OGFHTTP", "OGFSupport", "OGFObservability", .product(name: "Histogram", package: "hdrhistogram-swift")]),
        // Kubernetes: kubeconfig, API client over OGFHTTP, discovery, server-side apply, diff,
        // rollout status; the k8s_manifest, gate_kubernetes and watch kinds.
        .target(name: "OGFKubernetes", dependencies: ["OGFCore", "OGFHTTP", "OGFYAML", "OGFObservability"], exclude: ["README.md"]),
        // Credential gates for AWS (STS), Google Cloud (RS256 JWT with _CryptoExtras), Azure and Stripe.
        .target(name: "OGFCloud", dependencies: [
            "OGFCore", "OGFHTTP", "OGFSupport", "OGFAWS",
            .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        // The one list of resource kinds, and the reference generated from their schemas.
        .target(name: "OGFCatalogue", dependencies: ["OGFCore", "OGFHTTP", "OGFSupport", "OGFKinds", "OGFDatabase", "OGFImages", "OGFKubernetes", "OGFCloud"]),
        // argument-parser commands and views.
        .target(name: "OGFCommands", dependencies: [
            "OGFCore", "OGFConfig", "OGFGraph", "OGFPlan", "OGFState", "OGFStatePostgres", "OGFApply", "OGFCatalogue", "OGFSupport", "OGFDatabase", "OGFKubernetes",
            "OGFRecords", "OGFNotify", "OGFHTTP",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The entry point only.
        .executableTarget(name: "ogf", dependencies: ["OGFCommands", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Synthetic-environment benchmarks (not tests): see docs/benchmarks.md.
        .executableTarget(name: "ogf-bench", dependencies: ["OGFCore", "OGFConfig", "OGFGraph", "OGFPlan", "OGFState", "OGFStatePostgres", "OGFApply", "OGFCatalogue", "OGFDatabase", "OGFKubernetes", "OGFHTTP", "OGFRecords"]),

        // Test-only: child processes and polling that wait without blocking the cooperative pool.
        .target(name: "OGFTestSupport", path: "Tests/OGFTestSupport"),

        .testTarget(name: "OGFSQLLintTests", dependencies: ["OGFSQLLint"]),
        .testTarget(name: "OGFCoreTests", dependencies: ["OGFCore"]),
        .testTarget(name: "OGFYAMLTests", dependencies: ["OGFYAML", "OGFCore"]),
        .testTarget(name: "OGFConfigTests", dependencies: ["OGFConfig", "OGFCatalogue"]),
        .testTarget(name: "OGFGraphTests", dependencies: ["OGFGraph"]),
        .testTarget(name: "OGFPlanTests", dependencies: ["OGFPlan", "OGFCatalogue", "OGFConfig"], exclude: ["Golden"]),
        .testTarget(name: "OGFStateTests", dependencies: ["OGFState"]),
        .testTarget(name: "OGFStatePostgresTests", dependencies: ["OGFStatePostgres", "OGFState", "OGFRecords", "OGFCore"]),
        .testTarget(name: "OGFApplyTests", dependencies: ["OGFApply", "OGFKinds", "OGFSupport", "OGFConfig"]),
        .testTarget(name: "OGFKindsTests", dependencies: ["OGFTestSupport", "OGFKinds", "OGFSupport", "OGFHTTP", "OGFObservability"]),
        .testTarget(name: "OGFCatalogueTests", dependencies: ["OGFCatalogue", "OGFCore"]),
        .testTarget(name: "OGFDatabaseTests", dependencies: ["OGFTestSupport", "OGFDatabase", "OGFSupport", "OGFCore"]),
        .testTarget(name: "OGFImagesTests", dependencies: ["OGFTestSupport", "OGFImages", "OGFCore", "OGFHTTP", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "OGFKubernetesTests", dependencies: ["OGFTestSupport", "OGFKubernetes", "OGFCore", "OGFHTTP", "OGFObservability"]),
        .testTarget(name: "OGFAWSTests", dependencies: ["OGFTestSupport", "OGFAWS", "OGFCore", "OGFHTTP"]),
        .testTarget(name: "OGFCloudTests", dependencies: ["OGFTestSupport",
            "OGFCloud", "OGFCore", "OGFHTTP", .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        .testTarget(name: "OGFRecordsTests", dependencies: ["OGFRecords", "OGFState", "OGFCore"]),
        .testTarget(name: "OGFNotifyTests", dependencies: ["OGFNotify", "OGFRecords", "OGFState", "OGFCore", "OGFHTTP"]),
        .testTarget(name: "EndToEndTests", dependencies: ["OGFTestSupport"]),
    ]
)
