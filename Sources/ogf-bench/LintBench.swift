import Foundation
import OGFDatabase

/// `ogf-bench lint --folder=DIR --url=URL [--layout=ogf]`: the zero-downtime lint of every migration in DIR,
/// text only (what the lint did before it read the catalog) and catalog-aware against the database at URL (the
/// live catalog and table sizes, as apply re-checks), each `runs` times in this process; medians. Run only when
/// asked for by name (scripts/bench/migration-lint.sh).
func benchLint(runs: Int) async throws {
    func option(_ name: String) -> String? {
        CommandLine.arguments.first { $0.hasPrefix("--\(name)=") }.map { String($0.dropFirst(name.count + 3)) }
    }
    guard let folder = option("folder"), let url = option("url") else {
        print("lint: pass --folder=DIR --url=postgres://...")
        return
    }
    let layout = option("layout").flatMap(MigrationLayout.init(rawValue:)) ?? .ogf
    let (read, problems) = try MigrationFolder.read(folder, root: FileManager.default.currentDirectoryPath, layout: layout)
    precondition(problems.isEmpty, "\(problems)")
    let files = read.migrations
    let connection = try PostgresConnection(url: url, applicationName: "ogf-bench lint")
    var text: [Double] = [], catalog: [Double] = []
    var textCount = 0, catalogCount = 0
    for _ in 0..<runs {
        text.append(await seconds {
            textCount = files.reduce(0) { $0 + MigrationLint.lint(file: $1.path, sql: $1.sql, outsideTransaction: $1.outsideTransaction).count }
        })
        catalog.append(try await seconds {
            catalogCount = try await connection.run { MigrationLint.lint(files, against: $0) }.count
        })
    }
    let t = median(text), c = median(catalog)
    print(String(format: "lint of %d migrations (median of %d): text only %.1f ms (%d findings), catalog-aware %.1f ms (%d findings): +%.1f ms, %.2fx",
                 files.count, runs, t * 1000, textCount, c * 1000, catalogCount, (c - t) * 1000, c / t))
}
