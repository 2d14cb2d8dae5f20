import Foundation
import CSupport
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The result of running a command.
public struct ProcessResult: Sendable {
    public var exitCode: Int32
    /// Set when the process died of a signal.
    public var signal: Int32?
    /// The last bytes of combined stdout and stderr.
    public var outputTail: String
    public var timedOut: Bool
}

/// Runs commands. Kinds get one through their initialiser; tests may hand in a fake.
public protocol ProcessRunner: Sendable {
    func run(_ argv: [String], directory: String, environment: [String: String], timeout: Double?) async throws -> ProcessResult
}

/// Runs commands with posix_spawn in their own process group, so that a terminal's Ctrl-C
/// reaches ogf (which lets them finish) rather than the commands, and cancellation can stop
/// the whole group. Output is read on a dedicated thread, never a cooperative one.
public struct SpawnProcessRunner: ProcessRunner {
    public var tailBytes: Int

    public init(tailBytes: Int = 16 * 1024) { self.tailBytes = tailBytes }

    public func run(_ argv: [String], directory: String, environment: [String: String], timeout: Double?) async throws -> ProcessResult {
        guard let exe = argv.first else { throw ProcessError("empty command") }
        var fds: [Int32] = [0, 0]
        // Both ends close-on-exec: commands spawned concurrently must not inherit each other's
        // pipes, or a reader waits for EOF until an unrelated (long) command exits. dup2 into
        // 1 and 2 clears the flag on the child's copies.
        guard ogf_pipe_cloexec(&fds) == 0 else { throw ProcessError("pipe: \(String(cString: strerror(errno)))") }
        let (readFD, writeFD) = (fds[0], fds[1])

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeFD, 1)
        posix_spawn_file_actions_adddup2(&actions, writeFD, 2)
        ogf_spawn_addchdir(&actions, directory)
        ogf_spawn_addclosefrom(&actions, 3)

        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attr, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)

        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, exe, &actions, &attr, cArgs, cEnv)
        close(writeFD)
        guard rc == 0 else {
            close(readFD)
            throw ProcessError("cannot run \(exe): \(String(cString: strerror(rc)))" + (rc == ENOENT ? " (is it installed and on PATH?)" : ""))
        }

        let timedOut = Mutex(false)
        let finished = Mutex(false)
        let spawned = pid
        let tail = tailBytes
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<ProcessResult, Error>) in
                if let timeout {
                    Self.after(seconds: timeout) {
                        if !finished.withLock({ $0 }) {
                            timedOut.withLock { $0 = true }
                            Self.stop(group: spawned) { finished.withLock { $0 } }
                        }
                    }
                }
                let thread = Thread {
                    var buffer = [UInt8]()
                    var chunk = [UInt8](repeating: 0, count: 65536)
                    while true {
                        let n = read(readFD, &chunk, chunk.count)
                        if n < 0 && errno == EINTR { continue }
                        if n <= 0 { break }
                        buffer.append(contentsOf: chunk[0..<n])
                        if buffer.count > tail * 2 { buffer.removeFirst(buffer.count - tail) }
                    }
                    close(readFD)
                    var status: Int32 = 0
                    while waitpid(spawned, &status, 0) < 0 && errno == EINTR {}
                    finished.withLock { $0 = true }
                    if buffer.count > tail { buffer.removeFirst(buffer.count - tail) }
                    let exited = (status & 0x7f) == 0
                    let result = ProcessResult(exitCode: exited ? (status >> 8) & 0xff : -1, signal: exited ? nil : status & 0x7f,
                                               outputTail: String(decoding: buffer, as: UTF8.self), timedOut: timedOut.withLock { $0 })
                    cont.resume(returning: result)
                }
                thread.start()
            }
        } onCancel: {
            if !finished.withLock({ $0 }) { Self.stop(group: spawned) { finished.withLock { $0 } } }
        }
    }

    /// Runs `work` after a delay on a thread of its own: Dispatch's global queue has as many
    /// threads as cores, and blocking work queued there (transfers, queries) would hold a
    /// timeout back for as long as it runs.
    static func after(seconds: Double, _ work: @escaping @Sendable () -> Void) {
        let thread = Thread {
            Thread.sleep(forTimeInterval: seconds)
            work()
        }
        thread.stackSize = 64 * 1024
        thread.start()
    }

    /// SIGTERM to the whole group, then SIGKILL if it is still there after a grace period.
    static func stop(group pid: pid_t, isFinished: @escaping @Sendable () -> Bool) {
        kill(-pid, SIGTERM)
        after(seconds: 5) {
            if !isFinished() { kill(-pid, SIGKILL) }
        }
    }
}

public struct ProcessError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
}
