import Foundation

/// Reads configuration files. The loader gets one through its initialiser so tests can hand in
/// an in-memory tree.
public protocol FileReader: Sendable {
    func readFile(_ path: String) throws -> String
    func fileExists(_ path: String) -> Bool
    func listDirectory(_ path: String) -> [String]
}

/// The real file system.
public struct DiskFileReader: FileReader {
    public init() {}

    public func readFile(_ path: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let s = String(data: data, encoding: .utf8) else {
            throw CocoaError(.fileReadInapplicableStringEncoding)
        }
        return s
    }

    public func fileExists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    public func listDirectory(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }
}

/// An in-memory tree, for tests.
public struct MemoryFileReader: FileReader {
    public var files: [String: String]

    public init(_ files: [String: String]) { self.files = files }

    public func readFile(_ path: String) throws -> String {
        guard let s = files[path] else { throw CocoaError(.fileReadNoSuchFile) }
        return s
    }

    public func fileExists(_ path: String) -> Bool { files[path] != nil }

    public func listDirectory(_ path: String) -> [String] {
        let prefix = path.hasSuffix("/") ? path : path + "/"
        return files.keys.filter { $0.hasPrefix(prefix) && !$0.dropFirst(prefix.count).contains("/") }
            .map { String($0.dropFirst(prefix.count)) }.sorted()
    }
}
