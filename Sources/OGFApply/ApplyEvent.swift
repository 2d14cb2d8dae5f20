import OGFCore

/// What the applier reports while it works. Only views print; the engine emits these.
public enum ApplyEvent: Sendable {
    case started(ResourceAddress, Action)
    case progress(ResourceAddress, String)
    case stillRunning(ResourceAddress, elapsed: Double)
    case succeeded(ResourceAddress, Action, duration: Double, summary: String?)
    case failed(ResourceAddress, Action, duration: Double, message: String)
    case skipped(ResourceAddress, cause: ResourceAddress)
    /// Stopped by a second interrupt before it finished; not recorded, planned again next time.
    case stopped(ResourceAddress, Action, duration: Double)
    /// The first interrupt: nothing new starts, in-flight work finishes.
    case stopping(inFlight: [ResourceAddress])
}

/// Receives apply events (the terminal view, a JSON log, tests).
public protocol ApplyHooks: Sendable {
    func handle(_ event: ApplyEvent)
}

/// Ignores everything.
public struct NoHooks: ApplyHooks {
    public init() {}
    public func handle(_ event: ApplyEvent) {}
}
