import OGFCore

/// A directed acyclic graph of resources: an edge `a → b` means a depends on b (b goes first).
///
/// Everything here is deterministic: ties are broken by address order, so plans, graphs and
/// walk orders come out the same on every run.
public struct DependencyGraph: Sendable {
    public private(set) var nodes: [ResourceAddress] = []
    /// For each node, the nodes it depends on.
    public private(set) var dependencies: [ResourceAddress: [ResourceAddress]] = [:]
    /// For each node, the nodes that depend on it.
    public private(set) var dependents: [ResourceAddress: [ResourceAddress]] = [:]

    public init(nodes: [ResourceAddress], edges: [ResourceAddress: [ResourceAddress]]) {
        self.nodes = nodes.sorted()
        let known = Set(nodes)
        dependencies.reserveCapacity(nodes.count)
        dependents.reserveCapacity(nodes.count)
        for n in self.nodes {
            let e = edges[n] ?? []
            // Edges usually come sorted without duplicates (ResourceConfig.dependencies): then
            // filtering keeps them so, and the set and the sort can be skipped.
            let sortedUnique = zip(e, e.dropFirst()).allSatisfy { $0 < $1 }
            dependencies[n] = sortedUnique ? e.filter { known.contains($0) && $0 != n }
                                           : Array(Set(e).filter { known.contains($0) && $0 != n }).sorted()
            dependents[n] = []
        }
        for n in self.nodes {
            for d in dependencies[n]! { dependents[d]!.append(n) }
        }
    }

    /// One cycle per strongly connected component with more than one node, each written as the
    /// full path that returns to its start (`a → b → c → a`), starting at its smallest address.
    public func cycles() -> [[ResourceAddress]] {
        var index = 0
        var indices: [ResourceAddress: Int] = [:]
        var low: [ResourceAddress: Int] = [:]
        var onStack = Set<ResourceAddress>()
        var stack: [ResourceAddress] = []
        var components: [[ResourceAddress]] = []

        // Iterative Tarjan: deep chains of 10,000 resources must not overflow the stack.
        for root in nodes where indices[root] == nil {
            var work: [(ResourceAddress, Int)] = [(root, 0)]
            while let (v, i) = work.popLast() {
                if i == 0 {
                    indices[v] = index; low[v] = index; index += 1
                    stack.append(v); onStack.insert(v)
                }
                let deps = dependencies[v]!
                if i < deps.count {
                    work.append((v, i + 1))
                    let w = deps[i]
                    if indices[w] == nil {
                        work.append((w, 0))
                    } else if onStack.contains(w) {
                        low[v] = min(low[v]!, indices[w]!)
                    }
                    continue
                }
                if low[v] == indices[v] {
                    var comp: [ResourceAddress] = []
                    while let w = stack.popLast() {
                        onStack.remove(w)
                        comp.append(w)
                        if w == v { break }
                    }
                    if comp.count > 1 { components.append(comp) }
                }
                if let (parent, _) = work.last {
                    low[parent] = min(low[parent]!, low[v]!)
                }
            }
        }
        return components.map { comp in
            let members = Set(comp)
            let start = comp.min()!
            // The shortest way from start back to itself inside the component (BFS).
            var parent: [ResourceAddress: ResourceAddress] = [:]
            var queue = [start]
            var head = 0
            var last: ResourceAddress?
            search: while head < queue.count {
                let cur = queue[head]; head += 1
                for next in dependencies[cur]! where members.contains(next) {
                    if next == start { last = cur; break search }
                    if parent[next] == nil { parent[next] = cur; queue.append(next) }
                }
            }
            var path = [start]
            var node = last
            while let n = node, n != start { path.insert(n, at: 1); node = parent[n] }
            path.append(start)
            return path
        }.sorted { $0.first! < $1.first! }
    }

    /// Dependencies before dependents; nil if there is a cycle.
    public func topologicalOrder() -> [ResourceAddress]? {
        var indegree = dependencies.mapValues(\.count)
        // Among the ready nodes the smallest address goes first, so the order is stable.
        var ready = Heap<ReadyNode>()
        for n in nodes where indegree[n] == 0 { ready.push(ReadyNode(address: n, priority: 0)) }
        var out: [ResourceAddress] = []
        out.reserveCapacity(nodes.count)
        while let next = ready.pop() {
            let n = next.address
            out.append(n)
            for d in dependents[n]! {
                indegree[d]! -= 1
                if indegree[d] == 0 { ready.push(ReadyNode(address: d, priority: 0)) }
            }
        }
        return out.count == nodes.count ? out : nil
    }

    /// The nodes plus everything they depend on, transitively (what `--target` keeps).
    public func closure(of roots: [ResourceAddress]) -> Set<ResourceAddress> {
        var seen = Set<ResourceAddress>()
        var stack = roots.filter { dependencies[$0] != nil }
        while let n = stack.popLast() {
            guard seen.insert(n).inserted else { continue }
            stack.append(contentsOf: dependencies[n]!)
        }
        return seen
    }

    /// Everything that depends on the node, transitively.
    public func descendants(of root: ResourceAddress) -> Set<ResourceAddress> {
        var seen = Set<ResourceAddress>()
        var stack = dependents[root] ?? []
        while let n = stack.popLast() {
            guard seen.insert(n).inserted else { continue }
            stack.append(contentsOf: dependents[n]!)
        }
        return seen
    }

    /// For each node, the heaviest chain of work from it through everything depending on it
    /// (its own weight included). Starting the heaviest chains first keeps the critical path busy.
    public func criticalPathWeights(weight: (ResourceAddress) -> Double) -> [ResourceAddress: Double]? {
        guard let order = topologicalOrder() else { return nil }
        var w: [ResourceAddress: Double] = [:]
        for n in order.reversed() {
            w[n] = weight(n) + (dependents[n]!.map { w[$0]! }.max() ?? 0)
        }
        return w
    }

    /// Graphviz DOT, edges pointing from a resource to what it depends on.
    public func dot(label: (ResourceAddress) -> String = { $0.description }) -> String {
        var out = "digraph ogf {\n  rankdir = \"RL\";\n  node [shape = box];\n"
        for n in nodes { out += "  \(Value.quoted(n.description)) [label = \(Value.quoted(label(n)))];\n" }
        for n in nodes {
            for d in dependencies[n]! { out += "  \(Value.quoted(n.description)) -> \(Value.quoted(d.description));\n" }
        }
        return out + "}\n"
    }
}
