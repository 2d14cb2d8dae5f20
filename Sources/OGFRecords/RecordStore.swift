import Foundation

/// Saved run records: `state/<ENV>.records/<RUN>.json` (mode 0600), so `ogf report ENV [RUN]`
/// renders any past run in any format without re-running anything.
public struct RecordStore: Sendable {
    public let directory: String
    public let environment: String

    public init(stateDirectory: String, environment: String) {
        directory = (stateDirectory as NSString).appendingPathComponent("\(environment).records")
        self.environment = environment
    }

    public func path(_ run: Int) -> String { (directory as NSString).appendingPathComponent("\(run).json") }

    public func save(_ record: DeployRecord) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let tmp = path(record.run) + ".tmp"
        guard FileManager.default.createFile(atPath: tmp, contents: try DeployRecordJSON.encode(record), attributes: [.posixPermissions: 0o600]) else {
            throw AuditError("cannot write \(tmp)")
        }
        _ = try? FileManager.default.removeItem(atPath: path(record.run))
        try FileManager.default.moveItem(atPath: tmp, toPath: path(record.run))
    }

    /// Run ids with a saved record, ascending.
    public func runs() -> [Int] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .compactMap { $0.hasSuffix(".json") ? Int($0.dropLast(5)) : nil }.sorted()
    }

    public func load(_ run: Int) throws -> DeployRecord {
        guard let data = FileManager.default.contents(atPath: path(run)) else { throw AuditError("no report for run \(run) of \(environment)") }
        return try DeployRecordJSON.decode(data)
    }

    public func latest() -> DeployRecord? { runs().last.flatMap { try? load($0) } }
}
