/// A problem found while reading, checking, planning or applying, with where it was found.
///
/// Diagnostics accumulate: a run reports every error it can find at once rather than stopping at
/// the first, as Terraform's `tfdiags` does.
public struct Diagnostic: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable { case error, warning, note }

    public var severity: Severity
    /// What kind of problem this is, for programs (JSON output, tests, the loader's own decisions).
    /// Nothing branches on the wording of `summary`.
    public var code: DiagnosticCode?
    public var summary: String
    /// Extra lines: why it matters and what to do.
    public var detail: String?
    public var location: SourceLocation?
    /// The configuration field the problem is in (`backup`, `retries`, `http.url`), when a kind
    /// found it without knowing files: the planner fills in `location` from the field's position.
    public var field: String?

    public init(_ severity: Severity = .error, _ summary: String, detail: String? = nil, at location: SourceLocation? = nil,
                code: DiagnosticCode? = nil, field: String? = nil) {
        self.severity = severity
        self.summary = summary
        self.detail = detail
        self.location = location
        self.code = code
        self.field = field
    }

    public static func error(_ summary: String, detail: String? = nil, code: DiagnosticCode? = nil, at location: SourceLocation? = nil) -> Diagnostic {
        Diagnostic(.error, summary, detail: detail, at: location, code: code)
    }

    public static func warning(_ summary: String, detail: String? = nil, code: DiagnosticCode? = nil, at location: SourceLocation? = nil) -> Diagnostic {
        Diagnostic(.warning, summary, detail: detail, at: location, code: code)
    }

    /// A problem in one field of a resource's configuration, placed at that field by the planner.
    public static func field(_ field: String, _ summary: String, detail: String? = nil, code: DiagnosticCode = .invalidField,
                             severity: Severity = .error) -> Diagnostic {
        Diagnostic(severity, summary, detail: detail, code: code, field: field)
    }

    /// `FILE:LINE:COLUMN: error: summary`, then the detail indented, like a compiler.
    public var description: String {
        var s = location.map { "\($0): " } ?? ""
        s += "\(severity.rawValue): \(summary)"
        if let detail, !detail.isEmpty {
            for line in detail.split(separator: "\n", omittingEmptySubsequences: false) {
                s += "\n  \(line)"
            }
        }
        return s
    }
}

/// An ordered collection of diagnostics that is itself throwable.
public struct Diagnostics: Error, Sendable, CustomStringConvertible {
    public private(set) var items: [Diagnostic] = []

    public init(_ items: [Diagnostic] = []) { self.items = items }

    public mutating func append(_ d: Diagnostic) { items.append(d) }
    public mutating func append(contentsOf other: Diagnostics) { items.append(contentsOf: other.items) }
    public mutating func append(contentsOf other: [Diagnostic]) { items.append(contentsOf: other) }

    public var hasErrors: Bool { items.contains { $0.severity == .error } }
    public var errors: [Diagnostic] { items.filter { $0.severity == .error } }
    public var isEmpty: Bool { items.isEmpty }

    /// Sorted by location (unlocated last), so output is deterministic whatever order checks ran in.
    public var sorted: [Diagnostic] {
        items.enumerated().sorted { a, b in
            switch (a.element.location, b.element.location) {
            case let (l?, r?): return l != r ? l < r : a.offset < b.offset
            case (.some, .none): return true
            case (.none, .some): return false
            case (.none, .none): return a.offset < b.offset
            }
        }.map(\.element)
    }

    /// Throws `self` when any error was recorded.
    public func throwIfErrors() throws {
        if hasErrors { throw self }
    }

    public var description: String { sorted.map(\.description).joined(separator: "\n") }
}
