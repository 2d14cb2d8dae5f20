import Foundation
import OGFHTTP

/// The AWS Query protocol (form-encoded POST, XML answer) that STS and IAM speak, signed with
/// SigV4 when credentials are given (AssumeRoleWithWebIdentity is the one unsigned call here).
public struct AWSQueryClient: Sendable {
    public var http: any HTTPClient
    public var timeout: Double
    /// The clock for signatures; tests pin it.
    public var now: @Sendable () -> Date

    public init(http: any HTTPClient, timeout: Double = 10, now: @escaping @Sendable () -> Date = { Date() }) {
        self.http = http
        self.timeout = timeout
        self.now = now
    }

    /// Calls `action` with `parameters` and returns the XML body of a 2xx answer. A non-2xx
    /// answer throws `AWSError` with AWS's code and message; a transport failure names the endpoint.
    public func call(service: String, region: String, endpoint: String, action: String, version: String,
                     parameters: [(String, String)] = [], credentials: AWSCredentials?) async throws -> String {
        let form = ([("Action", action), ("Version", version)] + parameters)
            .map { "\(SigV4Signer.uriEncode($0.0))=\(SigV4Signer.uriEncode($0.1))" }.joined(separator: "&")
        let body = Data(form.utf8)
        var headers: [(String, String)] = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
        if let credentials {
            headers += SigV4Signer(credentials: credentials, region: region, service: service)
                .sign(method: "POST", url: endpoint, headers: headers, body: body, date: now()).headers
        }
        let response: HTTPResponse
        do {
            response = try await http.send(HTTPRequest(method: "POST", url: endpoint, headers: headers, body: body, timeout: timeout))
        } catch let e as HTTPError {
            throw AWSError("\(service.uppercased()) at \(endpoint) cannot be reached: \(e.message)")
        }
        let text = response.text
        guard (200..<300).contains(response.status) else {
            let code = XMLText.first("Code", in: text)
            let message = XMLText.first("Message", in: text) ?? String(text.prefix(200))
            throw AWSError("\(service.uppercased()) \(action) answered \(response.status)\(code.map { " \($0)" } ?? ""): \(message)",
                           status: response.status, code: code)
        }
        return text
    }

    /// `https://sts.REGION.amazonaws.com/` (the regional endpoint the AWS CLI v2 uses), or the override.
    public static func stsEndpoint(region: String, override: String?) -> String {
        if let o = override, !o.isEmpty { return o }
        return "https://sts.\(region).amazonaws.com/"
    }
}
