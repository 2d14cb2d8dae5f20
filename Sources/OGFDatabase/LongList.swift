/// Keeps the plan's pending and rollback lists readable with hundreds of migrations: up to `limit` items one per
/// line; beyond that the first and last few, and a line counting the ones between (with their flags counted, so
/// an irreversible or breaking file in the middle is not hidden).
enum LongList {
    struct Item {
        var text: String
        /// `no transaction`, `breaking`, `irreversible`.
        var flags: [String]
    }

    static let limit = 20
    static let shownAtEachEnd = 5

    static func lines(_ items: [Item]) -> [String] {
        guard items.count > limit else { return items.map(\.text) }
        let head = items.prefix(shownAtEachEnd), tail = items.suffix(shownAtEachEnd)
        let middle = items.dropFirst(shownAtEachEnd).dropLast(shownAtEachEnd)
        var counts: [String: Int] = [:]
        for item in middle { for flag in item.flags { counts[flag, default: 0] += 1 } }
        let flagged = ["no transaction", "breaking", "irreversible"].compactMap { flag in counts[flag].map { "\($0) \(flag)" } }
        let summary = "… \(middle.count) more" + (flagged.isEmpty ? "" : " (\(flagged.joined(separator: ", ")))") + " …"
        return head.map(\.text) + [summary] + tail.map(\.text)
    }
}
