import Foundation
import OGFCore
#if canImport(Glibc)
import Glibc
#endif

/// Who holds a lock, written into the lock file.
public struct LockInfo: Sendable, Codable, Equatable {
    public var id: String
    public var operation: String
    public var user: String
    public var host: String
    public var pid: Int32
    public var createdAt: Date
    public var ogfVersion: String

    public init(id: String, operation: String, user: String, host: String, pid: Int32, createdAt: Date, ogfVersion: String) {
        self.id = id
        self.operation = operation
        self.user = user
        self.host = host
        self.pid = pid
        self.createdAt = createdAt
        self.ogfVersion = ogfVersion
    }

    enum CodingKeys: String, CodingKey {
        case id, operation, user, host, pid, createdAt = "created_at", ogfVersion = "ogf_version"
    }

    public var summary: String {
        "\(user)@\(host), pid \(pid), running \"\(operation)\" since \(ISO8601DateFormatter().string(from: createdAt)) (lock id \(id))"
    }

    /// True when this host's process table shows the holder is gone.
    public var holderIsGone: Bool {
        host == ProcessIdentity.host && kill(pid, 0) != 0 && errno == ESRCH
    }
}

public enum LockError: Error, CustomStringConvertible {
    case held(LockInfo?, path: String)
    /// A lock kept by a server (postgres): the holder's session is alive; `heartbeatSince` is set
    /// when its heartbeat stopped (a hung or stopped process).
    case heldOnServer(LockInfo?, location: String, heartbeatSince: Date?)
    case io(String)
    case notLocked(String)
    case idMismatch(expected: String, actual: LockInfo)

    public var description: String {
        switch self {
        case .held(let info?, _):
            var s = "the state is locked by \(info.summary)"
            if info.holderIsGone { s += "; that process no longer exists, so the lock is stale: run `ogf force-unlock ENV \(info.id)`" } else {
                s += ". Wait for it to finish, pass --lock-timeout 5m to wait, or if it is stuck run `ogf force-unlock ENV \(info.id)`"
            }
            return s
        case .heldOnServer(let info?, _, let since?):
            return "the state is locked by \(info.summary); its heartbeat stopped at \(ISO8601DateFormatter().string(from: since)) while its database session lives, so the holder looks hung (stale lock). If it is, run `ogf force-unlock ENV \(info.id)`"
        case .heldOnServer(let info?, _, nil):
            return "the state is locked by \(info.summary). Wait for it to finish, pass --lock-timeout 5m to wait, or if it is stuck run `ogf force-unlock ENV \(info.id)`"
        case .heldOnServer(nil, let location, _):
            return "the state (\(location)) is locked by a process that has not recorded who it is yet; try again"
        case .held(nil, let path): return "the state is locked (\(path)) by a process that has not recorded who it is yet; try again"
        case .io(let s): return s
        case .notLocked(let env): return "the state of \(env) is not locked"
        case .idMismatch(let expected, let actual): return "lock id \(expected) does not match the current lock, held by \(actual.summary)"
        }
    }
}

/// The user, host and pid recorded in locks and history.
public enum ProcessIdentity {
    public static var user: String {
        if let u = ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.environment["LOGNAME"], !u.isEmpty { return u }
        if let pw = getpwuid(getuid()), let name = pw.pointee.pw_name { return String(cString: name) }
        return String(getuid())
    }

    public static var host: String { ProcessInfo.processInfo.hostName }
}

/// An exclusive lock on one environment's state: an operating-system file lock (`flock`) on
/// `state/<ENV>.lock`, so a crashed or killed holder never blocks the next run — the kernel
/// releases it with the process. The file also says who holds it.
public final class StateLock: @unchecked Sendable {
    public let info: LockInfo
    public let path: String
    /// Set when the previous holder died without releasing: its info, reported as stale.
    public let staleInfo: LockInfo?
    private var fd: Int32

    private init(fd: Int32, info: LockInfo, path: String, stale: LockInfo?) {
        self.fd = fd
        self.info = info
        self.path = path
        self.staleInfo = stale
    }

    /// Takes the lock, waiting up to `timeout` (polling), or fails at once saying who holds it.
    public static func acquire(directory: String, environment: String, operation: String, timeout: Double = 0) throws -> StateLock {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent("\(environment).lock")
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw LockError.io("cannot open \(path): \(String(cString: strerror(errno)))") }
            fchmod(fd, 0o600)
            if flock(fd, LOCK_EX | LOCK_NB) == 0 {
                // The file may have been force-unlocked (unlinked) while we opened it: lock the one on disk.
                var a = stat(), b = stat()
                if fstat(fd, &a) != 0 || stat(path, &b) != 0 || a.st_ino != b.st_ino {
                    close(fd)
                    continue
                }
                let previous = readInfo(fd: fd)
                let info = LockInfo(id: UUID().uuidString.lowercased(), operation: operation, user: ProcessIdentity.user,
                                    host: ProcessIdentity.host, pid: getpid(), createdAt: Date(), ogfVersion: OGFVersion.current)
                try writeInfo(info, fd: fd, path: path)
                return StateLock(fd: fd, info: info, path: path, stale: previous)
            }
            let holder = readInfo(fd: fd)
            close(fd)
            if Date() >= deadline { throw LockError.held(holder, path: path) }
            usleep(100_000)
        }
    }

    /// Releases: empties the file (so no stale info lingers) and drops the kernel lock.
    public func release() {
        guard fd >= 0 else { return }
        _ = ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }

    /// Who holds the lock now, if anyone (for `force-unlock` and error messages).
    public static func currentHolder(directory: String, environment: String) -> (info: LockInfo?, held: Bool) {
        let path = (directory as NSString).appendingPathComponent("\(environment).lock")
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return (nil, false) }
        defer { close(fd) }
        let info = readInfo(fd: fd)
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return (info, false)
        }
        return (info, true)
    }

    /// Removes a lock by id, as `ogf force-unlock` does. A live holder keeps running but no
    /// longer excludes others: use only when it is stuck or gone.
    public static func forceUnlock(directory: String, environment: String, id: String) throws -> LockInfo {
        let path = (directory as NSString).appendingPathComponent("\(environment).lock")
        let (info, _) = currentHolder(directory: directory, environment: environment)
        guard let info else { throw LockError.notLocked(environment) }
        guard info.id == id else { throw LockError.idMismatch(expected: id, actual: info) }
        guard unlink(path) == 0 else { throw LockError.io("cannot remove \(path): \(String(cString: strerror(errno)))") }
        return info
    }

    static func readInfo(fd: Int32) -> LockInfo? {
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = pread(fd, &buf, buf.count, 0)
        guard n > 0 else { return nil }
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return try? d.decode(LockInfo.self, from: Data(buf[0..<n]))
    }

    static func writeInfo(_ info: LockInfo, fd: Int32, path: String) throws {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys]
        let data = try e.encode(info)
        _ = ftruncate(fd, 0)
        let n = data.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard n == data.count else { throw LockError.io("cannot write \(path)") }
        fsync(fd)
    }
}
