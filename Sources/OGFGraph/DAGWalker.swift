import OGFCore
import Synchronization

/// How one node of a walk ended.
public enum WalkOutcome: Sendable, Equatable {
    case succeeded
    case failed
    /// Not run because something it depends on failed; `cause` is the node that failed first.
    case skipped(cause: ResourceAddress)
    /// Not started because the walk was interrupted.
    case notStarted
    /// In flight when a second interrupt stopped it: not finished, not recorded.
    case stopped
}

/// What visiting one node came to.
public enum VisitResult: Sendable, Equatable {
    case succeeded
    case failed
    /// Stopped before it finished (cancelled); what depends on it is not started.
    case stopped
}

/// Lets a caller stop a walk from outside: the first Ctrl-C starts nothing new.
public final class WalkControl: Sendable {
    private let stopping = Mutex(false)

    public init() {}

    public func stopStarting() { stopping.withLock { $0 = true } }
    public var isStopping: Bool { stopping.withLock { $0 } }
}

/// Walks a dependency graph in parallel: a node starts once everything it depends on has
/// succeeded, at most `parallelism` at a time, and among the ready ones the node with the
/// heaviest chain of work still depending on it starts first. A failure skips everything that
/// depends on it; independent branches carry on.
public struct DAGWalker: Sendable {
    public var graph: DependencyGraph
    public var parallelism: Int
    /// Larger starts first; see `DependencyGraph.criticalPathWeights`.
    public var priority: [ResourceAddress: Double]

    public init(graph: DependencyGraph, parallelism: Int, priority: [ResourceAddress: Double] = [:]) {
        self.graph = graph
        self.parallelism = max(1, parallelism)
        self.priority = priority
    }

    /// Walks with a visit that only succeeds or fails.
    public func walk(control: WalkControl = WalkControl(),
                     visit: @escaping @Sendable (ResourceAddress) async -> Bool) async -> [ResourceAddress: WalkOutcome] {
        await walk(control: control) { (n: ResourceAddress) -> VisitResult in await visit(n) ? .succeeded : .failed }
    }

    public func walk(control: WalkControl = WalkControl(),
                     visit: @escaping @Sendable (ResourceAddress) async -> VisitResult) async -> [ResourceAddress: WalkOutcome] {
        var results: [ResourceAddress: WalkOutcome] = [:]
        results.reserveCapacity(graph.nodes.count)
        var waiting = graph.dependencies.mapValues(\.count)
        var ready = Heap<ReadyNode>()
        for n in graph.nodes where waiting[n] == 0 { ready.push(ReadyNode(address: n, priority: priority[n] ?? 0)) }

        await withTaskGroup(of: (ResourceAddress, VisitResult).self) { group in
            var inFlight = 0
            func launch() {
                while inFlight < parallelism, !control.isStopping, let next = ready.pop() {
                    let n = next.address
                    inFlight += 1
                    group.addTask { (n, await visit(n)) }
                }
            }
            launch()
            while let (n, result) = await group.next() {
                inFlight -= 1
                switch result {
                case .succeeded:
                    results[n] = .succeeded
                    for d in graph.dependents[n]! where results[d] == nil {
                        waiting[d]! -= 1
                        if waiting[d] == 0 { ready.push(ReadyNode(address: d, priority: priority[d] ?? 0)) }
                    }
                case .failed:
                    results[n] = .failed
                    for d in graph.descendants(of: n) where results[d] == nil { results[d] = .skipped(cause: n) }
                case .stopped:
                    // Its dependents stay waiting: they end up notStarted, as work the next plan shows.
                    results[n] = .stopped
                }
                launch()
            }
        }
        for n in graph.nodes where results[n] == nil { results[n] = .notStarted }
        return results
    }
}

struct ReadyNode: Comparable {
    var address: ResourceAddress
    var priority: Double

    /// "Greater" pops first: heavier chains, then the smaller address for determinism.
    static func < (a: ReadyNode, b: ReadyNode) -> Bool {
        a.priority != b.priority ? a.priority < b.priority : a.address > b.address
    }
}

/// A binary max-heap.
struct Heap<Element: Comparable> {
    private var items: [Element] = []

    var isEmpty: Bool { items.isEmpty }

    mutating func push(_ e: Element) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard items[p] < items[i] else { break }
            items.swapAt(p, i)
            i = p
        }
    }

    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count, items[m] < items[l] { m = l }
            if r < items.count, items[m] < items[r] { m = r }
            if m == i { break }
            items.swapAt(i, m)
            i = m
        }
        return top
    }
}
