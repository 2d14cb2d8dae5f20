import Crypto
import Foundation

/// One migration: `NNNN_name.up.sql` and, optionally, `NNNN_name.down.sql`.
public struct MigrationFile: Sendable, Equatable {
    public var version: Int
    public var name: String
    /// The up file, relative to the project root (for messages: FILE:LINE).
    public var path: String
    public var sql: String
    /// SHA-256 of the up file's bytes, hex.
    public var checksum: String
    public var downPath: String?
    public var downSQL: String?
    /// The layout says the file runs outside a transaction (Diesel's `run_in_transaction = false`, sqitch).
    public var outsideTransaction = false
    /// What the other tool calls this migration in its history table (Diesel and golang-migrate: the version;
    /// Flyway: the version as written, e.g. "1"; sqitch: the change name). Nil for the ogf layout.
    public var foreignID: String?
    /// Parsed on demand: only pending migrations need them, and a folder may hold hundreds.
    public var directives: MigrationFlags {
        var flags = MigrationFlags(sql: sql)
        flags.noTransaction = flags.noTransaction || outsideTransaction
        return flags
    }

    public var fileName: String { (path as NSString).lastPathComponent }
    public var isReversible: Bool { downSQL != nil }
}

/// Reads a migrations folder. Problems (bad names, duplicate versions, a down file without its
/// up file) are reported together, each naming its file.
public struct MigrationFolder: Sendable {
    public var migrations: [MigrationFile]

    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var file: String
        public var line: Int = 1
        public var message: String
        public var description: String { "\(file)\(line > 1 ? ":\(line)" : ""): \(message)" }

        public init(file: String, line: Int = 1, message: String) {
            self.file = file
            self.line = line
            self.message = message
        }
    }

    /// `folder` is relative to `root` (or absolute); paths in results keep the folder's spelling.
    public static func read(_ folder: String, root: String, layout: MigrationLayout = .ogf) throws -> (MigrationFolder, [Problem]) {
        switch layout {
        case .ogf, .golangMigrate: return try readNumbered(folder, root: root, layout: layout)
        case .diesel: return try readDiesel(folder, root: root)
        case .flyway: return try readFlyway(folder, root: root)
        case .sqitch: return try readSqitch(folder, root: root)
        }
    }

    static func readNumbered(_ folder: String, root: String, layout: MigrationLayout) throws -> (MigrationFolder, [Problem]) {
        let abs = folder.hasPrefix("/") ? folder : (root as NSString).appendingPathComponent(folder)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: abs).sorted()
        } catch {
            throw Problem(file: folder, message: "cannot read the migrations folder (\((error as NSError).localizedDescription))")
        }
        var ups: [Int: (name: String, file: String)] = [:]
        var downs: [Int: String] = [:]
        var problems: [Problem] = []
        for file in names where file.hasSuffix(".sql") {
            let rel = (folder as NSString).appendingPathComponent(file)
            guard let (version, name, direction) = parse(file) else {
                problems.append(Problem(file: rel, message: "not a migration name; expected NNNN_name.up.sql or NNNN_name.down.sql"))
                continue
            }
            if direction == "up" {
                if let other = ups[version] {
                    problems.append(Problem(file: rel, message: "version \(version) is also used by \(other.file)"))
                    continue
                }
                ups[version] = (name, file)
            } else {
                downs[version] = file
            }
        }
        var out: [MigrationFile] = []
        for version in ups.keys.sorted() {
            let (name, file) = ups[version]!
            let rel = (folder as NSString).appendingPathComponent(file)
            guard let data = FileManager.default.contents(atPath: (abs as NSString).appendingPathComponent(file)) else {
                problems.append(Problem(file: rel, message: "cannot read the file"))
                continue
            }
            let sql = String(decoding: data, as: UTF8.self)
            var m = MigrationFile(version: version, name: name, path: rel, sql: sql,
                                  checksum: SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined(),
                                  downPath: nil, downSQL: nil)
            if layout == .golangMigrate { m.foreignID = String(version) }
            if let d = downs.removeValue(forKey: version) {
                m.downPath = (folder as NSString).appendingPathComponent(d)
                m.downSQL = FileManager.default.contents(atPath: (abs as NSString).appendingPathComponent(d)).map { String(decoding: $0, as: UTF8.self) }
            }
            out.append(m)
        }
        for (_, d) in downs.sorted(by: { $0.key < $1.key }) {
            problems.append(Problem(file: (folder as NSString).appendingPathComponent(d), message: "a down migration without its up file"))
        }
        return (MigrationFolder(migrations: out), problems)
    }

    /// `0042_add_devices.up.sql` → (42, "add_devices", "up").
    static func parse(_ file: String) -> (Int, String, String)? {
        let direction: String
        let stem: Substring
        if file.hasSuffix(".up.sql") { direction = "up"; stem = file.dropLast(7) }
        else if file.hasSuffix(".down.sql") { direction = "down"; stem = file.dropLast(9) }
        else { return nil }
        guard let us = stem.firstIndex(of: "_") else { return nil }
        let digits = stem[..<us]
        let name = stem[stem.index(after: us)...]
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let v = Int(digits), !name.isEmpty else { return nil }
        return (v, String(name), direction)
    }
}
