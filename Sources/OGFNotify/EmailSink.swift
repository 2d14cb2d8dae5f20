import Foundation
import OGFCore
import OGFRecords

/// Sends one message over SMTP. Tests may hand in a recording double.
public protocol MailTransport: Sendable {
    func send(url: String, username: String?, password: String?, from: String, to: [String], message: Data, timeout: Double) async throws
}

/// Email over SMTP (libcurl): STARTTLS when the server offers it (`smtp://`), implicit TLS with
/// `smtps://`, AUTH with `username`/`password` (or the URL's user info), one message with a
/// plain-text and an HTML part.
public struct EmailSink: NotifySink {
    public let name = "email"
    let config: NotifyConfig.Email
    let transport: any MailTransport
    let timeout: Double

    public init(config: NotifyConfig.Email, transport: any MailTransport, timeout: Double) {
        self.config = config
        self.transport = transport
        self.timeout = timeout
    }

    public func started(_ run: RunStart, _ send: Sender) async throws {
        guard config.on.contains(.started) else { return }
        let subject = "[ogf] \(run.environment): \(run.operation)" + (run.release.map { " \($0)" } ?? "") + " started"
        let text = "ogf \(run.operation) of \(run.environment) started at \(ISO8601DateFormatter().string(from: run.startedAt)).\n"
        try await deliver(subject: subject, text: text, html: "<p>\(HTMLEscape.escape(text))</p>", date: run.startedAt, send: send)
    }

    public func finished(_ run: RunStart, _ end: RunEnd, _ send: Sender) async throws {
        guard !end.phases.isDisjoint(with: config.on) else { return }
        let r = end.record
        let subject = "[ogf] \(r.environment): \(r.operation)" + (r.release.map { " \($0)" } ?? "") + " \(r.outcome)"
        var text = "Environment: \(r.environment)\nRelease: \(r.release ?? "—")\nOutcome: \(r.outcome)\nDuration: \(DurationText.format(r.duration))\n"
        text += "Run: #\(r.run) by \(r.user)@\(r.host)\n"
        if !r.failedResources.isEmpty {
            text += "\nFailed:\n"
            for f in r.failedResources {
                let first = f.message.flatMap { $0.split(separator: "\n").first.map(String.init) } ?? ""
                text += "  \(f.address): \(first)\n"
            }
        }
        for t in r.rollback?.triggers ?? [] { text += "Rollback: \(t)\n" }
        if !r.warnings.isEmpty { text += "\nWarnings:\n" + r.warnings.map { "  \($0)\n" }.joined() }
        if let link = run.reportLink { text += "\nReport: \(link)\n" }
        try await deliver(subject: subject, text: text, html: MarkdownlessHTML.page(subject, text), date: r.finishedAt, send: send)
    }

    func deliver(subject: String, text: String, html: String, date: Date, send: Sender) async throws {
        let message = MailMessage.build(from: config.from, to: config.to, subject: subject, text: text, html: html, date: date)
        var attempt = 0
        while true {
            do {
                try await transport.send(url: config.smtp.value, username: config.username, password: config.password?.value, from: config.from,
                                         to: config.to, message: message, timeout: timeout)
                return
            } catch let e as SinkError {
                attempt += 1
                guard e.retryable, attempt <= send.retries else { throw SinkError(e.description + (attempt > 1 ? " (after \(attempt) attempts)" : ""), retryable: false) }
                try await send.clock.sleep(seconds: send.backoff * Double(1 << (attempt - 1)))
            }
        }
    }
}

enum HTMLEscape {
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}

enum MarkdownlessHTML {
    static func page(_ title: String, _ text: String) -> String {
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>\(HTMLEscape.escape(title))</title></head><body>"
            + "<h2>\(HTMLEscape.escape(title))</h2><pre style=\"font-family:monospace\">\(HTMLEscape.escape(text))</pre></body></html>"
    }
}

/// An RFC 5322 message with a multipart/alternative body (text, then HTML), both parts
/// base64 so any UTF-8 and long lines pass any server.
public enum MailMessage {
    public static func build(from: String, to: [String], subject: String, text: String, html: String, date: Date) -> Data {
        let boundary = "ogf-" + ContentHash.sha256(subject + text).prefix(24)
        let df = DateFormatter()
        df.locale = Locale(identifier: "en_US_POSIX")
        df.timeZone = TimeZone(identifier: "UTC")
        df.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        func b64(_ s: String) -> String {
            let raw = Data(s.utf8).base64EncodedString()
            return stride(from: 0, to: raw.count, by: 76).map { i in
                let a = raw.index(raw.startIndex, offsetBy: i), b = raw.index(a, offsetBy: min(76, raw.count - i))
                return String(raw[a..<b])
            }.joined(separator: "\r\n")
        }
        let encodedSubject = subject.allSatisfy(\.isASCII) ? subject : "=?UTF-8?B?\(Data(subject.utf8).base64EncodedString())?="
        var m = "From: <\(from)>\r\nTo: \(to.map { "<\($0)>" }.joined(separator: ", "))\r\nSubject: \(encodedSubject)\r\n"
        m += "Date: \(df.string(from: date))\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"\(boundary)\"\r\n\r\n"
        m += "--\(boundary)\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n\(b64(text))\r\n"
        m += "--\(boundary)\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n\(b64(html))\r\n"
        m += "--\(boundary)--\r\n"
        return Data(m.utf8)
    }
}
