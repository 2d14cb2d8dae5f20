import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One entry of a folder that becomes part of a layer, with what `lstat` said about it.
public struct FileEntry: Sendable, Equatable {
    public enum Kind: String, Sendable { case file, directory, symlink }
    /// Relative to the folder, with `/` separators; never empty.
    public var path: String
    public var kind: Kind
    /// Permission bits as found; layers normalise them.
    public var mode: UInt32
    public var size: Int64
    public var mtimeNanos: Int64
    public var inode: UInt64
    public var device: UInt64
    public var linkTarget: String?
}

/// Lists a folder recursively with readdir and lstat (FileManager's enumerator is several times
/// slower on 20,000 files), sorted by path bytes so that layers have one order on every machine.
public enum FileTree {
    public static func list(_ root: String) throws -> [FileEntry] {
        var st = stat()
        guard lstat(root, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
            throw ImageError("layer folder \(root) does not exist or is not a folder")
        }
        var out: [FileEntry] = []
        try walk(root: root, rel: "", into: &out)
        out.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        return out
    }

    private static func walk(root: String, rel: String, into out: inout [FileEntry]) throws {
        let dirPath = rel.isEmpty ? root : root + "/" + rel
        guard let dir = opendir(dirPath) else {
            throw ImageError("cannot read folder \(dirPath): \(String(cString: strerror(errno)))")
        }
        defer { closedir(dir) }
        var subdirs: [String] = []
        while let ent = readdir(dir) {
            let name = withUnsafeBytes(of: ent.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name == "." || name == ".." { continue }
            let r = rel.isEmpty ? name : rel + "/" + name
            let full = root + "/" + r
            var st = stat()
            guard lstat(full, &st) == 0 else { throw ImageError("cannot stat \(full): \(String(cString: strerror(errno)))") }
            let fmt = st.st_mode & S_IFMT
            let kind: FileEntry.Kind
            var target: String?
            switch fmt {
            case S_IFDIR: kind = .directory; subdirs.append(r)
            case S_IFREG: kind = .file
            case S_IFLNK:
                kind = .symlink
                var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                let n = readlink(full, &buf, Int(PATH_MAX))
                target = n >= 0 ? String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
            default: continue // sockets, fifos and devices do not belong in an image layer
            }
            out.append(FileEntry(path: r, kind: kind, mode: UInt32(st.st_mode & 0o7777), size: kind == .file ? Int64(st.st_size) : 0,
                                 mtimeNanos: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec),
                                 inode: UInt64(st.st_ino), device: UInt64(st.st_dev), linkTarget: target))
        }
        for d in subdirs { try walk(root: root, rel: d, into: &out) }
    }
}

/// A failure of image building or pushing, with a message fit for the plan or the report.
public struct ImageError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
