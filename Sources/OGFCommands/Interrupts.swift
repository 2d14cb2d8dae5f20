import Dispatch
import Foundation
import OGFGraph
#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C during an apply: the first stops new work and lets in-flight work finish; the second
/// cancels in-flight work. State stays consistent either way: finished resources are already in
/// the journal, unfinished ones are not recorded.
final class InterruptHandler: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private var count = 0
    private let lock = NSLock()

    init(first: @escaping @Sendable () -> Void, second: @escaping @Sendable () -> Void) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { [weak self] in
                guard let self else { return }
                self.lock.lock()
                self.count += 1
                let n = self.count
                self.lock.unlock()
                if n == 1 { first() } else if n == 2 { second() }
            }
            s.resume()
            sources.append(s)
        }
    }

    var interrupted: Bool {
        lock.lock(); defer { lock.unlock() }
        return count > 0
    }

    func cancel() {
        for s in sources { s.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
