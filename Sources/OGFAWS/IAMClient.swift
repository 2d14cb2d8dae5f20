import Foundation

/// One access key of an IAM user, as `ListAccessKeys` reports it (never the secret).
public struct AccessKeyInfo: Sendable, Equatable {
    public var accessKeyId: String
    public var userName: String
    public var status: String
    public var createDate: Date
}

/// The IAM calls ogf makes. IAM is global: one endpoint, signed for us-east-1.
public struct IAMClient: Sendable {
    public var query: AWSQueryClient
    public var endpoint: String

    public init(query: AWSQueryClient, endpoint: String? = nil) {
        self.query = query
        self.endpoint = endpoint.flatMap { $0.isEmpty ? nil : $0 } ?? "https://iam.amazonaws.com/"
    }

    /// The access keys of `userName`, or of the calling user when nil. Follows `Marker` pages.
    public func listAccessKeys(userName: String? = nil, credentials: AWSCredentials) async throws -> [AccessKeyInfo] {
        var out: [AccessKeyInfo] = []
        var marker: String?
        repeat {
            var params: [(String, String)] = []
            if let userName { params.append(("UserName", userName)) }
            if let marker { params.append(("Marker", marker)) }
            let xml = try await query.call(service: "iam", region: "us-east-1", endpoint: endpoint, action: "ListAccessKeys",
                                           version: "2010-05-08", parameters: params, credentials: credentials)
            for m in XMLText.all("member", in: xml) {
                guard let id = XMLText.first("AccessKeyId", in: m), let created = XMLText.first("CreateDate", in: m),
                      let date = Self.parseDate(created) else {
                    throw AWSError("IAM ListAccessKeys answered a key without AccessKeyId or a readable CreateDate")
                }
                out.append(AccessKeyInfo(accessKeyId: id, userName: XMLText.first("UserName", in: m) ?? userName ?? "",
                                         status: XMLText.first("Status", in: m) ?? "", createDate: date))
            }
            marker = XMLText.first("IsTruncated", in: xml) == "true" ? XMLText.first("Marker", in: xml) : nil
        } while marker != nil
        return out
    }

    /// ISO 8601 with or without fractional seconds (`2026-11-30T05:34:11.070891Z`, `…11Z`).
    static func parseDate(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: s) { return d }
        // Microseconds (moto, some SDKs): drop the fraction rather than fail on its length.
        guard let dot = s.firstIndex(of: ".") else { return nil }
        let tail = s[dot...].drop { $0 == "." || $0.isNumber }
        return f.date(from: String(s[..<dot]) + tail)
    }
}
