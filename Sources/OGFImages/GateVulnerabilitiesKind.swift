import Foundation
import OGFCore

/// `gate_vulnerabilities`: the images being deployed have no findings at or above `fail_on`,
/// except allowlisted CVE ids (each with a reason and an expiry; an expired entry fails). Reads
/// scanner reports (Trivy JSON, Grype JSON, SARIF) from a folder or file, matched to each image
/// by digest — a report made for another digest does not count — or runs a scanner command.
public struct GateVulnerabilitiesKind: ResourceKind {
    let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date = { Date() }) { self.now = now }

    public let name = "gate_vulnerabilities"
    public let role = ResourceRole.gate
    public let summary = "No vulnerabilities at or above a severity in the images being deployed, from scanner reports matched by digest."
    public let schema = Schema([
        FieldSpec("images", .list(.string), required: true, doc: "Images by digest: \"${image.api.ref}\" (repo@sha256:...) or a bare sha256:... digest."),
        FieldSpec("reports", .string, doc: "A report file, or a folder of them (*.json, *.sarif), relative to the project."),
        FieldSpec("scanner", .list(.string), doc: "A command printing a report on stdout for one image; {ref} and {digest} are replaced."),
        FieldSpec("fail_on", .oneOf(["critical", "high", "medium", "low"]), default: "critical", doc: "Fail on findings of this severity or above."),
        FieldSpec("allowlist", .list(.object(Schema([
            FieldSpec("id", .string, required: true, doc: "The CVE (or GHSA) id."),
            FieldSpec("reason", .string, required: true, doc: "Why it is accepted."),
            FieldSpec("expires", .string, required: true, doc: "YYYY-MM-DD; after this day the entry fails the gate."),
        ]))), doc: "Accepted findings, each with a reason and an expiry."),
        FieldSpec("timeout", .duration, default: "10m", doc: "Time allowed for the scanner command, per image."),
    ])
    public let outputs = ["findings": "Findings at or above fail_on that are not allowlisted.", "allowlisted": "Findings accepted by the allowlist."]

    struct Allow { var id: String; var reason: String; var expires: Date; var expiresText: String }

    struct Config: Decodable {
        struct Entry: Decodable { var id: String; var reason: String; var expires: String }

        var images: [String]
        var reports: String?
        var scanner: [String]?
        var failOn: Severity
        /// In order; `expires` is the end of the expiry day (UTC).
        var allowlist: [Allow]
        var timeout: ConfigDuration

        enum CodingKeys: String, CodingKey { case images, reports, scanner, failOn = "fail_on", allowlist, timeout }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            failOn = Severity(try c.decode(String.self, forKey: .failOn))
            reports = try c.decodeIfPresent(String.self, forKey: .reports)
            scanner = try c.decodeIfPresent([String].self, forKey: .scanner)
            if scanner?.isEmpty == true { throw Diagnostic.field("scanner", "is empty: give a command such as [trivy, image, --format, json, \"{ref}\"]") }
            timeout = try c.decode(ConfigDuration.self, forKey: .timeout)
            let day = DateFormatter()
            day.dateFormat = "yyyy-MM-dd"
            day.timeZone = TimeZone(identifier: "UTC")
            day.locale = Locale(identifier: "en_US_POSIX")
            allowlist = []
            for (i, e) in (try c.decodeIfPresent([Entry].self, forKey: .allowlist) ?? []).enumerated() {
                guard let d = day.date(from: e.expires) else {
                    throw Diagnostic.field("allowlist[\(i)].expires", "\"\(e.expires)\" is not a date YYYY-MM-DD (allowlist entry \(e.id))")
                }
                // The entry holds through its expiry day.
                allowlist.append(Allow(id: e.id, reason: e.reason, expires: d.addingTimeInterval(86400), expiresText: e.expires))
            }
            // Last: images are usually references known only after the images are pushed.
            images = try c.decode([String].self, forKey: .images)
            guard !images.isEmpty else { throw Diagnostic.field("images", "is empty: list the images to check, e.g. \"${image.api.ref}\"") }
            for (i, image) in images.enumerated() where GateVulnerabilitiesKind.digest(of: image) == nil {
                throw Diagnostic.field("images[\(i)]", "\(image) does not name a digest (use ${image.NAME.ref})")
            }
        }
    }

    public func plan(_ request: PlanRequest) async throws -> PlanResponse {
        _ = try request.decodeIfKnown(Config.self)
        return defaultPlan(request)
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResponse {
        let c = try request.decode(Config.self)
        let threshold = c.failOn
        var problems: [String] = []
        var allow: [String: Allow] = [:]
        for a in c.allowlist {
            if a.expires <= now() { problems.append("allowlist entry \(a.id) expired on \(a.expiresText) (reason: \(a.reason)); renew it with a new date or fix the finding") }
            allow[a.id] = a
        }
        let images = c.images
        var reports: [VulnerabilityReport] = []
        if let r = c.reports { reports = try loadReports(request.context.path(r)) }
        let scanner = c.scanner
        guard !reports.isEmpty || scanner != nil else {
            throw ResourceFailure("no reports found\(c.reports.map { " in \($0)" } ?? "") and no scanner configured")
        }
        var failing = 0, allowed = 0
        for image in images {
            guard let digest = Self.digest(of: image) else { continue }  // refused by Config
            var matched = reports.filter { $0.digests.contains(digest) }
            if let scanner {
                let argv = scanner.map { $0.replacingOccurrences(of: "{ref}", with: image).replacingOccurrences(of: "{digest}", with: digest) }
                matched.append(try await scan(argv, request: request, image: image))
            }
            guard !matched.isEmpty else {
                let others = reports.flatMap(\.digests).sorted().prefix(3).map { String($0.prefix(19)) }
                problems.append("no report for \(image): \(reports.count) report\(reports.count == 1 ? "" : "s") found, made for other digests"
                                + (others.isEmpty ? "" : " (\(others.joined(separator: ", ")))") + "; scan this digest")
                continue
            }
            var bad: [Finding] = []
            for f in Set(matched.flatMap(\.findings).map { "\($0.id)|\($0.severity.rawValue)|\($0.package)" }).sorted() {
                let p = f.split(separator: "|", omittingEmptySubsequences: false)
                let finding = Finding(id: String(p[0]), severity: Severity(rawValue: Int(p[1])!)!, package: String(p[2]))
                guard finding.severity >= threshold else { continue }
                if allow[finding.id] != nil { allowed += 1 } else { bad.append(finding) }
            }
            failing += bad.count
            if !bad.isEmpty {
                let shown = bad.sorted { $0.severity > $1.severity }.prefix(5)
                    .map { "\($0.id) (\($0.severity.name)\($0.package.isEmpty ? "" : ", \($0.package)"))" }.joined(separator: ", ")
                problems.append("\(image): \(bad.count) finding\(bad.count == 1 ? "" : "s") at or above \(threshold.name): \(shown)\(bad.count > 5 ? ", …" : "")")
            }
        }
        let outputs: [String: Value] = ["findings": .int(failing), "allowlisted": .int(allowed)]
        if !problems.isEmpty { throw ResourceFailure(problems.joined(separator: "\n"), outputs: outputs) }
        return ApplyResponse(outputs: outputs, summary: "\(images.count) image\(images.count == 1 ? "" : "s") clean at \(threshold.name)" + (allowed > 0 ? " (\(allowed) allowlisted)" : ""))
    }

    /// `repo@sha256:...` or `sha256:...` → `sha256:...`.
    static func digest(of image: String) -> String? {
        let d = image.contains("@") ? String(image[image.index(after: image.lastIndex(of: "@")!)...]) : image
        return Digest(d)?.value
    }

    func loadReports(_ path: String) throws -> [VulnerabilityReport] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return [] }
        let files = isDir.boolValue
            ? (try FileManager.default.contentsOfDirectory(atPath: path)).filter { $0.hasSuffix(".json") || $0.hasSuffix(".sarif") }.sorted().map { path + "/" + $0 }
            : [path]
        return try files.map { f in
            guard let data = FileManager.default.contents(atPath: f) else { throw ImageError("cannot read \(f)") }
            return try VulnerabilityReport.parse(data, source: f)
        }
    }

    func scan(_ argv: [String], request: ApplyRequest, image: String) async throws -> VulnerabilityReport {
        let path = request.context.variables["PATH"] ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard let exe = argv.first, let full = BuilderImage.locate(exe, path: path) else {
            throw ResourceFailure("scanner \"\(argv.first ?? "")\" is not installed (not found on PATH)")
        }
        request.progress("scanning \(image)")
        let (status, out, err) = try await CommandRunner.run([full] + argv.dropFirst(), directory: request.context.projectRoot)
        guard status == 0 || !out.isEmpty else {
            throw ResourceFailure("scanner \(exe) exited \(status): \(request.context.redact(String(decoding: err.suffix(1000), as: UTF8.self)))")
        }
        return try VulnerabilityReport.parse(out, source: "\(exe) output")
    }
}
