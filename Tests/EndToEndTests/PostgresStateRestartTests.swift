import Foundation
import OGFTestSupport
import Testing

/// A PostgreSQL of its own (initdb into a temporary folder, pg_ctl on a free loopback port), so
/// restarting it mid-apply disturbs no other test. As root, initdb and pg_ctl run as `postgres`,
/// as scripts/services/postgres.sh does. Its commands run on threads of their own (`offPool`), so
/// the test waits for initdb and pg_ctl suspended; only `deinit` stops the server synchronously.
final class PrivatePostgres: @unchecked Sendable {
    let dir: String
    let port: Int
    let bin: String

    init() async throws {
        bin = try #require((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.sorted().last.map { "/usr/lib/postgresql/\($0)/bin" })
        dir = "/tmp/ogf_state_pgtest_" + UUID().uuidString.prefix(8).lowercased()
        port = PrivatePostgres.freePort()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if getuid() == 0 { try await sh(["chown", "postgres:postgres", dir], asPostgres: false) }
        try await sh([bin + "/initdb", "-D", dir + "/data", "-U", "postgres", "--auth-host=trust", "--auth-local=trust", "--encoding=UTF8", "--locale=C.UTF-8"])
        try await start()
    }

    var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres" }

    func start() async throws {
        try await sh(detached: true, [bin + "/pg_ctl", "-D", dir + "/data", "-w", "-t", "30", "-l", dir + "/server.log",
                "-o", "-p \(port) -k \(dir) -c listen_addresses=127.0.0.1 -c fsync=off", "start"])
    }

    func psql(_ sql: String) async throws -> String {
        let dir = dir, argv = psqlArguments(sql)
        return try await offPool { try PrivatePostgres.shBlocking(in: dir, argv) }.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// psql on the calling thread: for a sequence that must not wait for the pool between steps.
    func psqlBlocking(_ sql: String) throws -> String {
        try PrivatePostgres.shBlocking(in: dir, psqlArguments(sql)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func psqlArguments(_ sql: String) -> [String] {
        [bin + "/psql", "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", "postgres", "-X", "-q", "-t", "-A", "-c", sql]
    }

    func restartBlocking() throws {
        try PrivatePostgres.shBlocking(in: dir, detached: true, [bin + "/pg_ctl", "-D", dir + "/data", "-w", "-t", "30", "-m", "fast", "-l", dir + "/server.log",
                "-o", "-p \(port) -k \(dir) -c listen_addresses=127.0.0.1 -c fsync=off", "restart"])
    }

    private var stopped = false

    /// Stops the server (immediate mode) and removes its folder, awaited; the test calls it at
    /// its end. A test that ends early leaves it to `deinit`, which stops it synchronously (it
    /// cannot await, and the server must not outlive the test process).
    func stop() async {
        stopped = true
        _ = try? await sh([bin + "/pg_ctl", "-D", dir + "/data", "-w", "-m", "immediate", "stop"])
        try? FileManager.default.removeItem(atPath: dir)
    }

    deinit {
        guard !stopped else { return }
        _ = try? PrivatePostgres.shBlocking(in: dir, [bin + "/pg_ctl", "-D", dir + "/data", "-w", "-m", "immediate", "stop"])
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Runs a command (as `postgres` when root). `detached`: for pg_ctl start, whose server may
    /// inherit descriptors: output goes to a file and only the exit is awaited, never a pipe's end.
    @discardableResult
    func sh(detached: Bool = false, _ argv: [String], asPostgres: Bool = true) async throws -> String {
        let dir = dir
        return try await offPool { try PrivatePostgres.shBlocking(in: dir, detached: detached, argv, asPostgres: asPostgres) }
    }

    static func shBlocking(in dir: String, detached: Bool = false, _ argv: [String], asPostgres: Bool = true) throws -> String {
        let p = Process()
        let wrap = asPostgres && getuid() == 0
        p.executableURL = URL(fileURLWithPath: wrap ? "/usr/sbin/runuser" : "/usr/bin/env")
        p.arguments = wrap ? ["-u", "postgres", "--"] + argv : argv
        if detached {
            // posix_spawn + waitpid: Foundation's Process did not notice this exit here.
            let log = dir + "/pg_ctl.out"
            let full = wrap ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + argv : argv
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
            let cargs = full.map { strdup($0) } + [nil]
            defer { cargs.forEach { free($0) } }
            var pid: pid_t = 0
            guard posix_spawn(&pid, full[0], &actions, nil, cargs, environ) == 0 else { throw NSError(domain: full[0], code: 1) }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            guard status == 0 else {
                throw NSError(domain: argv[0], code: Int(status), userInfo: [NSLocalizedDescriptionKey: (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""])
            }
            return ""
        }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw NSError(domain: argv[0], code: Int(p.terminationStatus), userInfo: [NSLocalizedDescriptionKey: String(decoding: o + e, as: UTF8.self)])
        }
        return String(decoding: o, as: UTF8.self)
    }

    static func freePort() -> Int {
        for _ in 0..<50 {
            let port = Int.random(in: 42000..<48000)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
            close(fd)
            if ok { return port }
        }
        return 47321
    }
}

@Suite(.serialized, .enabled(if: StatePG.enabled)) struct PostgresStateRestartTests {
    @Test func aServerRestartMidApplyFailsClearlyAndKeepsWhatWasCommitted() async throws {
        let server = try await PrivatePostgres()
        let p = try Project(["environments/r.yaml": StatePG.envFile("ogf_state_restart", resources: """
              exec.one:
                command: [sh, -c, "echo one"]
              exec.two:
                command: [sh, -c, "echo two"]
              exec.slow:
                command: [sleep, "3"]
                depends_on: [exec.one, exec.two]
              exec.after:
                command: [sh, -c, "echo after"]
                depends_on: [exec.slow]
            """)])
        let env = ["OGF_STATE_URL": server.url]
        let proc = try p.start(["apply", "r", "--auto-approve"], env: env)
        // Waiting for the two rows and restarting run on one thread of their own, as one sequence:
        // the restart must land inside exec.slow's 3 s, and a task resumed on a busy pool between
        // the two steps could miss that window.
        let reached = try await offPool { () -> Bool in
            let deadline = Date().addingTimeInterval(15)
            var reached = false
            while !reached && Date() < deadline {
                reached = (try? server.psqlBlocking("SELECT count(*) FROM ogf_state_restart.resources")) == "2"
                if !reached { usleep(20_000) }
            }
            try server.restartBlocking()
            return reached
        }
        #expect(reached)
        // A hung ogf fails the test instead of hanging it.
        let pid = proc.pid
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 30, execute: watchdog)
        let r = await p.finish(proc)
        watchdog.cancel()
        #expect(r.code == 1, "\(r.all)")
        #expect(r.all.contains("lost the connection to the state database"), "\(r.all)")
        #expect(!r.all.contains("Fatal error"))
        #expect(!r.out.contains("interrupted"), "not a Ctrl-C")
        #expect(!r.out.contains("exec.after: creating"), "nothing starts after the state database is lost\n\(r.out)")
        let plan = try await p.run(["plan", "r", "-detailed-exitcode"], env: env)
        #expect(plan.code == 2, "\(plan.all)")
        #expect(plan.out.contains("Plan: 2 to add, 0 to change, 0 to destroy, 0 checks."), "exactly what was not recorded\n\(plan.out)")
        #expect(plan.out.contains("exec.slow will be created") && plan.out.contains("exec.after will be created"), "\(plan.out)")
        #expect(try await p.run(["state", "list", "r"], env: env).out == "exec.one\nexec.two\n")
        await server.stop()
    }
}
