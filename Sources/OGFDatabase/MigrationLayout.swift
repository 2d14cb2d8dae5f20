import Crypto
import Foundation

/// How a migrations folder is laid out. Other tools' folders are read in place, without renaming anything: order,
/// transaction mode and down files come from the layout.
public enum MigrationLayout: String, Sendable, CaseIterable {
    /// `NNNN_name.up.sql` + optional `NNNN_name.down.sql`.
    case ogf
    /// golang-migrate: the same names (`1_name.up.sql`, `20200101120000_name.down.sql`).
    case golangMigrate = "golang-migrate"
    /// Diesel: a folder per migration, `2020-01-01-000000_name/{up.sql,down.sql,metadata.toml}`;
    /// `run_in_transaction = false` in metadata.toml runs it outside a transaction.
    case diesel
    /// Flyway: `V1__name.sql` (versioned) and `U1__name.sql` (undo); `V1__name.sql.conf` with
    /// `executeInTransaction=false` runs it outside a transaction.
    case flyway
    /// sqitch: `sqitch.plan` orders the changes; `deploy/NAME.sql`, `revert/NAME.sql` (and `verify/NAME.sql`, not
    /// run). Sqitch scripts manage their own transactions (BEGIN; ... COMMIT;), so ogf runs them statement by statement.
    case sqitch
}

extension MigrationFolder {
    static func checksum(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    static func absolute(_ folder: String, root: String) -> String {
        folder.hasPrefix("/") ? folder : (root as NSString).appendingPathComponent(folder)
    }

    static func list(_ folder: String, root: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: absolute(folder, root: root)).sorted()
        } catch {
            throw Problem(file: folder, message: "cannot read the migrations folder (\((error as NSError).localizedDescription))")
        }
    }

    /// Reads `relative` (under the folder) into a migration; nil and a problem when it cannot be read.
    static func load(_ folder: String, root: String, up relative: String, down: String?, version: Int, name: String,
                     problems: inout [Problem]) -> MigrationFile? {
        let abs = absolute(folder, root: root)
        let path = (folder as NSString).appendingPathComponent(relative)
        guard let data = FileManager.default.contents(atPath: (abs as NSString).appendingPathComponent(relative)) else {
            problems.append(Problem(file: path, message: "cannot read the file"))
            return nil
        }
        var m = MigrationFile(version: version, name: name, path: path, sql: String(decoding: data, as: UTF8.self),
                              checksum: checksum(data), downPath: nil, downSQL: nil)
        if let down, let downData = FileManager.default.contents(atPath: (abs as NSString).appendingPathComponent(down)) {
            m.downPath = (folder as NSString).appendingPathComponent(down)
            m.downSQL = String(decoding: downData, as: UTF8.self)
        }
        return m
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    /// Diesel: `2020-01-01-000000_create_users/up.sql`; the version is the digits before the first `_`.
    static func readDiesel(_ folder: String, root: String) throws -> (MigrationFolder, [Problem]) {
        let abs = absolute(folder, root: root)
        var problems: [Problem] = []
        var out: [MigrationFile] = []
        var seen: [Int: String] = [:]
        for entry in try list(folder, root: root) where isDirectory((abs as NSString).appendingPathComponent(entry)) {
            guard let us = entry.firstIndex(of: "_") else {
                problems.append(Problem(file: (folder as NSString).appendingPathComponent(entry), message: "not a Diesel migration folder; expected VERSION_name (e.g. 2020-01-01-000000_create_users)"))
                continue
            }
            let versionText = entry[..<us].filter { $0 != "-" }
            guard !versionText.isEmpty, versionText.allSatisfy({ $0.isASCII && $0.isNumber }), let version = Int(versionText) else {
                problems.append(Problem(file: (folder as NSString).appendingPathComponent(entry), message: "not a Diesel migration folder; the part before the first _ must be digits and dashes"))
                continue
            }
            if let other = seen[version] {
                problems.append(Problem(file: (folder as NSString).appendingPathComponent(entry), message: "version \(version) is also used by \(other)"))
                continue
            }
            seen[version] = entry
            let dir = (abs as NSString).appendingPathComponent(entry)
            guard FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent("up.sql")) else {
                problems.append(Problem(file: (folder as NSString).appendingPathComponent(entry), message: "a Diesel migration folder without up.sql"))
                continue
            }
            let hasDown = FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent("down.sql"))
            guard var m = load(folder, root: root, up: entry + "/up.sql", down: hasDown ? entry + "/down.sql" : nil,
                               version: version, name: String(entry[entry.index(after: us)...]), problems: &problems) else { continue }
            if let meta = FileManager.default.contents(atPath: (dir as NSString).appendingPathComponent("metadata.toml")) {
                m.outsideTransaction = Self.tomlSaysFalse(String(decoding: meta, as: UTF8.self), key: "run_in_transaction")
            }
            m.foreignID = String(versionText)
            out.append(m)
        }
        return (MigrationFolder(migrations: out.sorted { $0.version < $1.version }), problems)
    }

    /// `key = false` on a line of its own (TOML, or a Flyway .conf `key=false`).
    static func tomlSaysFalse(_ text: String, key: String) -> Bool {
        text.split(whereSeparator: \.isNewline).contains { line in
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            return parts.count == 2 && parts[0] == key && parts[1].split(separator: "#").first?.trimmingCharacters(in: .whitespaces) == "false"
        }
    }

    /// Flyway: `V1__create_users.sql`, `U1__create_users.sql`; versions must be whole numbers here.
    static func readFlyway(_ folder: String, root: String) throws -> (MigrationFolder, [Problem]) {
        let names = try list(folder, root: root)
        var problems: [Problem] = []
        var ups: [Int: (name: String, file: String, written: String)] = [:]
        var undos: [Int: String] = [:]
        for file in names where file.hasSuffix(".sql") {
            let rel = (folder as NSString).appendingPathComponent(file)
            guard let prefix = file.first, prefix == "V" || prefix == "U" || prefix == "R",
                  let sep = file.range(of: "__") else {
                problems.append(Problem(file: rel, message: "not a Flyway migration name; expected V1__name.sql or U1__name.sql"))
                continue
            }
            if prefix == "R" {
                problems.append(Problem(file: rel, message: "repeatable Flyway migrations (R__) are not supported; move its statements into a versioned migration"))
                continue
            }
            let written = String(file[file.index(after: file.startIndex)..<sep.lowerBound])
            guard !written.isEmpty, written.allSatisfy({ $0.isASCII && $0.isNumber }), let version = Int(written) else {
                problems.append(Problem(file: rel, message: "Flyway version \"\(written)\" is not a whole number; ogf orders migrations by integer versions (rename V1.1__ to V11__ before adopting)"))
                continue
            }
            let name = String(file[sep.upperBound...].dropLast(4))
            if prefix == "V" {
                if let other = ups[version] {
                    problems.append(Problem(file: rel, message: "version \(version) is also used by \(other.file)"))
                    continue
                }
                ups[version] = (name, file, written)
            } else {
                undos[version] = file
            }
        }
        var out: [MigrationFile] = []
        let abs = absolute(folder, root: root)
        for version in ups.keys.sorted() {
            let (name, file, written) = ups[version]!
            guard var m = load(folder, root: root, up: file, down: undos.removeValue(forKey: version), version: version, name: name, problems: &problems) else { continue }
            if let conf = FileManager.default.contents(atPath: (abs as NSString).appendingPathComponent(file + ".conf")) {
                m.outsideTransaction = tomlSaysFalse(String(decoding: conf, as: UTF8.self), key: "executeInTransaction")
            }
            m.foreignID = written
            out.append(m)
        }
        for (_, u) in undos.sorted(by: { $0.key < $1.key }) {
            problems.append(Problem(file: (folder as NSString).appendingPathComponent(u), message: "an undo migration without its versioned one"))
        }
        return (MigrationFolder(migrations: out), problems)
    }

    /// sqitch: the changes of `sqitch.plan` in order, numbered 1, 2, 3...; `deploy/NAME.sql` and `revert/NAME.sql`.
    static func readSqitch(_ folder: String, root: String) throws -> (MigrationFolder, [Problem]) {
        let abs = absolute(folder, root: root)
        let planPath = (folder as NSString).appendingPathComponent("sqitch.plan")
        guard let plan = FileManager.default.contents(atPath: (abs as NSString).appendingPathComponent("sqitch.plan")) else {
            throw Problem(file: planPath, message: "cannot read sqitch.plan (layout: sqitch expects the folder holding it)")
        }
        var problems: [Problem] = []
        var out: [MigrationFile] = []
        var seen: Set<String> = []
        for (offset, raw) in String(decoding: plan, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard let first = line.first, first != "%", first != "#", first != "@" else { continue }
            let name = String(line.prefix { !$0.isWhitespace && $0 != "[" })
            guard !seen.contains(name) else {
                problems.append(Problem(file: planPath, line: offset + 1, message: "change \(name) is reworked (listed twice); reworked sqitch changes are not supported"))
                continue
            }
            seen.insert(name)
            let revert = "revert/\(name).sql"
            let hasRevert = FileManager.default.fileExists(atPath: (abs as NSString).appendingPathComponent(revert))
            guard var m = load(folder, root: root, up: "deploy/\(name).sql", down: hasRevert ? revert : nil,
                               version: out.count + 1, name: name, problems: &problems) else { continue }
            m.outsideTransaction = true
            m.foreignID = name
            out.append(m)
        }
        return (MigrationFolder(migrations: out), problems)
    }
}
