import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where output goes and how it looks: color only on a terminal and never with NO_COLOR.
public struct Terminal: Sendable {
    public var stdoutIsTTY: Bool
    public var stderrIsTTY: Bool
    public var stdinIsTTY: Bool
    public var color: Bool

    public init(noColor: Bool = false) {
        stdoutIsTTY = isatty(1) == 1
        stderrIsTTY = isatty(2) == 1
        stdinIsTTY = isatty(0) == 1
        let env = ProcessInfo.processInfo.environment
        color = stdoutIsTTY && !noColor && env["NO_COLOR"] == nil && env["TERM"] != "dumb"
    }

    /// Serialises writes: apply events arrive from many tasks.
    static let lock = NSLock()

    public static func out(_ s: String) {
        lock.lock(); defer { lock.unlock() }
        FileHandle.standardOutput.write(Data(s.utf8))
    }

    public static func err(_ s: String) {
        lock.lock(); defer { lock.unlock() }
        FileHandle.standardError.write(Data(s.utf8))
    }
}
