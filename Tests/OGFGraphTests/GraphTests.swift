import OGFCore
import Testing
@testable import OGFGraph

func a(_ s: String) -> ResourceAddress { ResourceAddress(parsing: s)! }

@Suite struct GraphTests {
    let g = DependencyGraph(nodes: ["x.a", "x.b", "x.c", "x.d"].map(a),
                            edges: [a("x.b"): [a("x.a")], a("x.c"): [a("x.a")], a("x.d"): [a("x.b"), a("x.c")]])

    @Test func topologicalOrderIsDeterministic() {
        #expect(g.topologicalOrder()?.map(\.description) == ["x.a", "x.b", "x.c", "x.d"])
    }

    @Test func closureKeepsDependencies() {
        #expect(g.closure(of: [a("x.b")]) == [a("x.a"), a("x.b")])
        #expect(g.descendants(of: a("x.a")) == [a("x.b"), a("x.c"), a("x.d")])
    }

    @Test func cyclesArePrintedWhole() {
        let c = DependencyGraph(nodes: ["k.a", "k.b", "k.c", "k.d"].map(a),
                                edges: [a("k.a"): [a("k.b")], a("k.b"): [a("k.c")], a("k.c"): [a("k.a")], a("k.d"): [a("k.a")]])
        #expect(c.cycles().map { $0.map(\.description) } == [["k.a", "k.b", "k.c", "k.a"]])
        #expect(c.topologicalOrder() == nil)
        #expect(g.cycles().isEmpty)
    }

    @Test func deepChainsDoNotOverflow() {
        let n = 20_000
        let nodes = (0..<n).map { a("c.n\($0)") }
        var edges: [ResourceAddress: [ResourceAddress]] = [:]
        for i in 1..<n { edges[nodes[i]] = [nodes[i - 1]] }
        edges[nodes[0]] = [nodes[n - 1]]
        let cycles = DependencyGraph(nodes: nodes, edges: edges).cycles()
        #expect(cycles.count == 1)
        #expect(cycles[0].count == n + 1)
    }

    @Test func criticalPathWeightsFavourLongChains() {
        let w = g.criticalPathWeights { $0 == a("x.c") ? 10 : 1 }!
        #expect(w[a("x.a")] == 12)
        #expect(w[a("x.b")] == 2)
        #expect(w[a("x.c")] == 11)
        #expect(w[a("x.d")] == 1)
    }

    @Test func dotOutput() {
        let dot = g.dot()
        #expect(dot.contains("\"x.d\" -> \"x.b\";"))
        #expect(dot.hasPrefix("digraph ogf {"))
    }
}

@Suite struct WalkerTests {
    @Test func respectsDependenciesAndParallelism() async {
        // 20 independent nodes under one root; at most 3 at a time.
        let leaves = (0..<20).map { a("w.n\($0)") }
        var edges: [ResourceAddress: [ResourceAddress]] = [:]
        for l in leaves { edges[l] = [a("w.root")] }
        let graph = DependencyGraph(nodes: leaves + [a("w.root")], edges: edges)
        let state = Locked((current: 0, peak: 0, order: [String]()))
        let results = await DAGWalker(graph: graph, parallelism: 3).walk { node in
            state.withLock { $0.current += 1; $0.peak = max($0.peak, $0.current); $0.order.append(node.description) }
            try? await Task.sleep(for: .milliseconds(5))
            state.withLock { $0.current -= 1 }
            return true
        }
        #expect(results.values.allSatisfy { $0 == .succeeded })
        #expect(state.value.peak == 3)
        #expect(state.value.order.first == "w.root")
    }

    @Test func failureSkipsDependentsButNotIndependentBranches() async {
        let graph = DependencyGraph(nodes: ["f.bad", "f.child", "f.grandchild", "f.other"].map(a),
                                    edges: [a("f.child"): [a("f.bad")], a("f.grandchild"): [a("f.child")]])
        let results = await DAGWalker(graph: graph, parallelism: 4).walk { $0 != a("f.bad") }
        #expect(results[a("f.bad")] == .failed)
        #expect(results[a("f.child")] == .skipped(cause: a("f.bad")))
        #expect(results[a("f.grandchild")] == .skipped(cause: a("f.bad")))
        #expect(results[a("f.other")] == .succeeded)
    }

    @Test func heaviestChainStartsFirst() async {
        let graph = DependencyGraph(nodes: ["p.light", "p.heavy", "p.after"].map(a), edges: [a("p.after"): [a("p.heavy")]])
        let weights = graph.criticalPathWeights { _ in 1 }!
        let order = Locked([String]())
        _ = await DAGWalker(graph: graph, parallelism: 1, priority: weights).walk { n in
            order.withLock { $0.append(n.description) }
            return true
        }
        #expect(order.value == ["p.heavy", "p.after", "p.light"])
    }

    @Test func stoppingStartsNothingNew() async {
        let nodes = (0..<10).map { a("s.n\($0)") }
        let graph = DependencyGraph(nodes: nodes, edges: [:])
        let control = WalkControl()
        let results = await DAGWalker(graph: graph, parallelism: 2).walk(control: control) { _ in
            control.stopStarting()
            return true
        }
        #expect(results.values.filter { $0 == .succeeded }.count == 2)
        #expect(results.values.filter { $0 == .notStarted }.count == 8)
    }
}
