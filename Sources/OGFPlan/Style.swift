import OGFCore

/// ANSI styling that disappears when color is off (not a terminal, or NO_COLOR set).
public struct TextStyle: Sendable {
    public var color: Bool

    public init(color: Bool) { self.color = color }

    func wrap(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
    public func bold(_ s: String) -> String { wrap(s, "1") }
    public func green(_ s: String) -> String { wrap(s, "32") }
    public func yellow(_ s: String) -> String { wrap(s, "33") }
    public func red(_ s: String) -> String { wrap(s, "31") }
    public func cyan(_ s: String) -> String { wrap(s, "36") }
    public func dim(_ s: String) -> String { wrap(s, "2") }

    func forAction(_ a: Action, _ s: String) -> String {
        switch a {
        case .create: return green(s)
        case .update: return yellow(s)
        case .replace: return yellow(s)
        case .delete: return red(s)
        case .check: return cyan(s)
        case .run: return cyan(s)
        case .noop: return s
        }
    }
}
