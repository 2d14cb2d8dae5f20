import Foundation

/// Runs `body` for every element with at most `limit` in flight, keeping the input order in the
/// result. The first error cancels the rest and is rethrown.
func concurrentMap<T: Sendable, R: Sendable>(_ items: [T], limit: Int, _ body: @escaping @Sendable (T) async throws -> R) async throws -> [R] {
    try await withThrowingTaskGroup(of: (Int, R).self) { group in
        var results = [R?](repeating: nil, count: items.count)
        var next = 0
        func add() {
            let i = next
            let item = items[i]
            group.addTask { (i, try await body(item)) }
            next += 1
        }
        while next < min(limit, items.count) { add() }
        while let (i, r) = try await group.next() {
            results[i] = r
            if next < items.count { add() }
        }
        return results.map { $0! }
    }
}
