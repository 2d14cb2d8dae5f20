// swift-tools-version:6.0
// ogf — a declarative plan/apply engine for whole-release deploys.
// Targets are grouped by layer; dependencies point one way:
// core ← config/graph/plan ← state/apply ← kinds ← commands ← ogf.
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

        // Zero-downtime lint of PostgreSQL migrations: SQL splitter, directives, one rule per file. No I/O.
        .target(name: "OGFSQLLint", exclude: ["README.md"]),
        // Addresses, values, diagnostics, schemas and the resource-kind protocol. No I/O.
        .target(name: "OGFCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")], exclude: ["README.md"]),
        // YAML (libyaml) → typed configuration with source locations; includes, variables, references.
        .target(name: "OGFConfig", dependencies: ["OGFCore", "CYAML"]),
        // Dependency graph, cycle detection, ordering, critical-path weights.
        .target(name: "OGFGraph", dependencies: ["OGFCore"]),
        // Diff against state, the plan model and its renderers (text, JSON, Markdown).
        .target(name: "OGFPlan", dependencies: ["OGFCore", "OGFConfig", "OGFGraph"]),
        // State format, atomic file store with journal, locking, saved-plan files.
        .target(name: "OGFState", dependencies: ["OGFCore", "OGFPlan"]),
        // The parallel walker: applies a plan, emits events, honours cancellation.
        .target(name: "OGFApply", dependencies: ["OGFCore", "OGFConfig", "OGFGraph", "OGFPlan", "OGFState"]),
        // HTTP over libcurl behind a small protocol.
        .target(name: "OGFHTTP", dependencies: ["CCurl"]),
        // PostgreSQL (libpq, pg_dump) and Redis (RESP over a socket) kinds: backups, migrations, checks.
        .target(name: "OGFDatabase", dependencies: ["OGFCore", "OGFKinds", "OGFSQLLint", "CPostgres", .product(name: "Crypto", package: "swift-crypto")], exclude: ["README.md"]),
        // OCI images: reproducible layers, registry client (Distribution API over OGFHTTP), the
        // image, gate_registry and gate_vulnerabilities kinds.
        .target(name: "OGFImages", dependencies: [
            "OGFCore", "OGFHTTP", "CArchive", "CZlib", .product(name: "Crypto", package: "swift-crypto"),
        ], exclude: ["README.md"]),
        // The built-in resource kinds: gates, checks, exec; registers the image kinds too.
        .target(name: "OGFKinds", dependencies: ["OGFCore", "OGFHTTP", "CSupport", "OGFImages"]),
        // Kubernetes: kubeconfig, API client over OGFHTTP, discovery, server-side apply, diff,
        // rollout status; the k8s_manifest and gate_kubernetes kinds.
        .target(name: "OGFKubernetes", dependencies: ["OGFCore", "OGFHTTP", "OGFConfig"], exclude: ["README.md"]),
        // argument-parser commands and views.
        .target(name: "OGFCommands", dependencies: [
            "OGFCore", "OGFConfig", "OGFGraph", "OGFPlan", "OGFState", "OGFApply", "OGFKinds", "OGFDatabase", "OGFKubernetes",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The entry point only.
        .executableTarget(name: "ogf", dependencies: ["OGFCommands", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Synthetic-environment benchmarks (not tests): see docs/benchmarks.md.
        .executableTarget(name: "ogf-bench", dependencies: ["OGFCore", "OGFConfig", "OGFGraph", "OGFPlan", "OGFState", "OGFApply", "OGFKinds", "OGFImages"]),

        .testTarget(name: "OGFSQLLintTests", dependencies: ["OGFSQLLint"]),
        .testTarget(name: "OGFCoreTests", dependencies: ["OGFCore"]),
        .testTarget(name: "OGFConfigTests", dependencies: ["OGFConfig", "OGFKinds"]),
        .testTarget(name: "OGFGraphTests", dependencies: ["OGFGraph"]),
        .testTarget(name: "OGFPlanTests", dependencies: ["OGFPlan", "OGFKinds", "OGFConfig"], exclude: ["Golden"]),
        .testTarget(name: "OGFStateTests", dependencies: ["OGFState"]),
        .testTarget(name: "OGFApplyTests", dependencies: ["OGFApply", "OGFKinds", "OGFConfig"]),
        .testTarget(name: "OGFKindsTests", dependencies: ["OGFKinds", "OGFHTTP"]),
        .testTarget(name: "OGFDatabaseTests", dependencies: ["OGFDatabase", "OGFKinds", "OGFCore"]),
        .testTarget(name: "OGFImagesTests", dependencies: ["OGFImages", "OGFCore", "OGFHTTP"]),
        .testTarget(name: "OGFKubernetesTests", dependencies: ["OGFKubernetes", "OGFCore", "OGFHTTP"]),
        .testTarget(name: "EndToEndTests", dependencies: []),
    ]
)
