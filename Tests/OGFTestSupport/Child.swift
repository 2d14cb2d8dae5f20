import Foundation

/// A child process (the `ogf` binary, psql, kubectl, a server) that a test waits for without
/// blocking a thread of Swift's cooperative pool. On a 2-core machine the pool has two threads:
/// `waitUntilExit` or `readDataToEndOfFile` called from a test holds one for as long as the
/// child runs, and two such tests starve every other test's timers and awaits. Here the exit
/// arrives through `terminationHandler` and each captured pipe is read to its end on a thread
/// of its own (so a chatty child never fills a pipe and stalls); `wait()` suspends until all
/// three are in.
public final class Child: @unchecked Sendable {
    /// Where the child's stdout and stderr go.
    public enum Output: Sendable {
        /// Two pipes, read apart (`out` and `err`).
        case separate
        /// One pipe for both, in the order written (`out`; `err` stays empty).
        case merged
        /// Both to /dev/null.
        case discarded
    }

    /// How a child ended and what it wrote.
    public struct Result: Sendable {
        public var code: Int32
        public var reason: Process.TerminationReason
        public var out: Data
        public var err: Data
        public var outText: String { String(decoding: out, as: UTF8.self) }
        public var errText: String { String(decoding: err, as: UTF8.self) }
    }

    public let process: Process
    private let exited = Eventual<(Int32, Process.TerminationReason)>()
    private let outData = Eventual<Data>()
    private let errData = Eventual<Data>()

    /// Starts `executable` (an absolute path). `environment` nil inherits the test's own;
    /// stdin is /dev/null unless `stdin` is given.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
                output: Output = .separate, stdin: FileHandle? = nil) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if let environment { p.environment = environment }
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        p.standardInput = stdin ?? FileHandle.nullDevice
        var readers: [(Pipe, Eventual<Data>)] = []
        switch output {
        case .separate:
            let out = Pipe(), err = Pipe()
            p.standardOutput = out
            p.standardError = err
            readers = [(out, outData), (err, errData)]
        case .merged:
            let out = Pipe()
            p.standardOutput = out
            p.standardError = out
            readers = [(out, outData)]
            errData.set(Data())
        case .discarded:
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            outData.set(Data())
            errData.set(Data())
        }
        // Set before run(): a child that exits at once must still be seen to exit.
        let exited = self.exited
        p.terminationHandler = { exited.set(($0.terminationStatus, $0.terminationReason)) }
        process = p
        try p.run()
        for (pipe, sink) in readers {
            let handle = pipe.fileHandleForReading
            let t = Thread { sink.set(handle.readDataToEndOfFile()) }
            t.start()
        }
    }

    /// Starts a program found on PATH (through /usr/bin/env).
    public convenience init(onPath argv: [String], environment: [String: String]? = nil, directory: String? = nil,
                            output: Output = .separate, stdin: FileHandle? = nil) throws {
        try self.init("/usr/bin/env", argv, environment: environment, directory: directory, output: output, stdin: stdin)
    }

    public var pid: Int32 { process.processIdentifier }

    /// Whether the child has not been seen to exit yet.
    public var isRunning: Bool { !exited.isSet }

    /// Sends `signal` (unless it has been reaped already, when the pid may be someone else's).
    public func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Waits, suspended, until the child has exited and its pipes are read to their end.
    public func wait() async -> Result {
        let (code, reason) = await exited.value
        let out = await outData.value
        let err = await errData.value
        return Result(code: code, reason: reason, out: out, err: err)
    }

    /// Waits up to `seconds` for the child to exit; true when it did. Its pipes may still be open.
    public func waitForExit(_ seconds: Double) async -> Bool {
        await poll(seconds, every: 0.01) { !self.isRunning }
    }

    /// Starts and waits for one run.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
                           output: Output = .separate, stdin: FileHandle? = nil) async throws -> Result {
        try await Child(executable, arguments, environment: environment, directory: directory, output: output, stdin: stdin).wait()
    }

    /// Starts and waits for one run of a program found on PATH.
    public static func run(onPath argv: [String], environment: [String: String]? = nil, directory: String? = nil,
                           output: Output = .separate, stdin: FileHandle? = nil) async throws -> Result {
        try await run("/usr/bin/env", argv, environment: environment, directory: directory, output: output, stdin: stdin)
    }
}

/// Polls until `condition` holds or `seconds` pass, sleeping with `Task.sleep` in between (a
/// suspended task, not a blocked thread); answers whether it held. A cancelled task stops polling.
public func poll(_ seconds: Double, every interval: Double = 0.02, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        do { try await Task.sleep(nanoseconds: UInt64(interval * 1_000_000_000)) } catch { break }
    }
    return try await condition()
}

/// Tries `condition` up to `attempts` times, suspended for `interval` between tries (a loop of
/// `usleep`s made async: the same number of tries, so a loaded machine gets as long as before).
public func poll(attempts: Int, every interval: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
    for attempt in 0..<attempts {
        if try await condition() { return true }
        if attempt < attempts - 1 {
            do { try await Task.sleep(nanoseconds: UInt64(interval * 1_000_000_000)) } catch { return false }
        }
    }
    return false
}

/// A value set once from any thread, awaited by any number of tasks.
final class Eventual<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T?
    private var waiters: [CheckedContinuation<T, Never>] = []

    func set(_ value: T) {
        lock.lock()
        guard stored == nil else { lock.unlock(); return }
        stored = value
        let ready = waiters
        waiters = []
        lock.unlock()
        for w in ready { w.resume(returning: value) }
    }

    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return stored != nil }

    var value: T {
        get async {
            await withCheckedContinuation { c in
                lock.lock()
                if let stored {
                    lock.unlock()
                    c.resume(returning: stored)
                } else {
                    waiters.append(c)
                    lock.unlock()
                }
            }
        }
    }
}

/// Runs blocking work (a `waitpid`, a synchronous client call) on a thread of its own and
/// suspends the calling task until it is done, so the cooperative pool's threads stay free.
public func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, Error>) in
        let t = Thread { c.resume(with: Swift.Result { try work() }) }
        t.start()
    }
}
