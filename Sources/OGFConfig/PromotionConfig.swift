import Foundation
import OGFCore
import OGFYAML

/// `promotion:` of an environment file: this environment deploys only what another environment
/// (`from`) ran first — the same image digests and migration files, verified, soaked long
/// enough and not too old. Checked at plan time and again at apply (docs/configuration.md#promotion).
public struct PromotionConfig: Sendable {
    /// What must be the same as in the `from` environment's release.
    public enum Aspect: String, Sendable, Codable, CaseIterable {
        /// The digest of every `image.*` resource.
        case images
        /// Every `postgres_schema.*` resource's migration files (name and checksum) and version.
        case migrations
    }

    /// The environment whose last release is promoted (`staging`).
    public var from: String
    public var fromLocation: SourceLocation
    public var same: [Aspect]
    /// The release must be verified: every `watch.*` resource of `from` ready with `verified: true`.
    public var verified: Bool
    /// Seconds the release must have been in `from` before promotion.
    public var soak: Double
    /// Seconds after which the release is too old to promote; nil for no limit.
    public var maxAge: Double?
    public var location: SourceLocation

    public init(from: String, fromLocation: SourceLocation, same: [Aspect] = Aspect.allCases, verified: Bool = true, soak: Double = 0,
                maxAge: Double? = nil, location: SourceLocation) {
        self.from = from
        self.fromLocation = fromLocation
        self.same = same
        self.verified = verified
        self.soak = soak
        self.maxAge = maxAge
        self.location = location
    }
}

enum PromotionParser {
    static let keys = ["from", "same", "verified", "soak", "max_age"]

    /// `environment` is the file's own name (promoting from itself is refused); `exists` says
    /// whether an environment file of that name exists.
    static func parse(_ node: YAMLNode, environment: String, exists: (String) -> Bool, diagnostics: inout [Diagnostic]) -> PromotionConfig? {
        guard let pairs = node.mapping else {
            diagnostics.append(.error("promotion: expected a mapping such as {from: staging, same: [images, migrations]}, found \(node.kindName)",
                                      code: .wrongType, at: node.location))
            return nil
        }
        var from: (String, SourceLocation)?
        var same = PromotionConfig.Aspect.allCases
        var verified = true
        var soak = 0.0
        var maxAge: Double?
        var ok = true
        for p in pairs {
            guard let key = p.key.scalar else { continue }
            switch key {
            case "from":
                guard let name = p.value.scalar, !name.isEmpty else {
                    diagnostics.append(.error("promotion.from: expected an environment name such as staging", code: .wrongType, at: p.value.location))
                    ok = false
                    continue
                }
                if name == environment {
                    diagnostics.append(.error("promotion.from: \(environment) cannot be promoted from itself", detail: "Name the environment that runs a release first, e.g. staging.",
                                              code: .invalidField, at: p.value.location))
                    ok = false
                } else if !exists(name) {
                    diagnostics.append(.error("promotion.from: no environment \"\(name)\" (environments/\(name).yaml does not exist)",
                                              detail: "Name the environment whose releases this one promotes, e.g. staging.", code: .invalidField, at: p.value.location))
                    ok = false
                }
                from = (name, p.value.location)
            case "same":
                let items = p.value.sequence ?? [p.value]
                same = []
                for item in items {
                    guard let s = item.scalar, let a = PromotionConfig.Aspect(rawValue: s) else {
                        let s = item.scalar ?? item.kindName
                        diagnostics.append(.error("promotion.same: unknown \"\(s)\".\(Suggestion.didYouMean(s, PromotionConfig.Aspect.allCases.map(\.rawValue)))",
                                                  detail: "List what must match the release in promotion.from: images, migrations.", code: .wrongType, at: item.location))
                        ok = false
                        continue
                    }
                    if !same.contains(a) { same.append(a) }
                }
            case "verified":
                guard case .bool(let b)? = p.value.typedScalar else {
                    diagnostics.append(.error("promotion.verified: expected true or false", code: .wrongType, at: p.value.location))
                    ok = false
                    continue
                }
                verified = b
            case "soak", "max_age":
                guard let text = p.value.scalar, let d = DurationText.seconds(text), d >= 0 else {
                    diagnostics.append(.error("promotion.\(key): \"\(p.value.scalar ?? p.value.kindName)\" is not a duration", detail: "Write for example 30m, 1h or 14d.",
                                              code: .wrongType, at: p.value.location))
                    ok = false
                    continue
                }
                if key == "soak" { soak = d } else { maxAge = d }
            default:
                diagnostics.append(.error("unknown key \"\(key)\" in promotion.\(Suggestion.didYouMean(key, keys))", code: .unknownField, at: p.key.location))
                ok = false
            }
        }
        guard let from else {
            diagnostics.append(.error("promotion: from is required (the environment whose release this one promotes, e.g. staging)", code: .missingField, at: node.location))
            return nil
        }
        if let maxAge, maxAge <= soak {
            diagnostics.append(.error("promotion.max_age (\(DurationText.format(maxAge))) must be longer than soak (\(DurationText.format(soak))): no release could ever be promoted",
                                      code: .invalidField, at: node.location))
            ok = false
        }
        guard ok else { return nil }
        return PromotionConfig(from: from.0, fromLocation: from.1, same: same, verified: verified, soak: soak, maxAge: maxAge, location: node.location)
    }
}
