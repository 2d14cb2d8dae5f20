import Foundation

/// An HTTP request as ogf's kinds make them.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: Data?
    /// Whole-request timeout in seconds.
    public var timeout: Double
    public var followRedirects: Bool
    /// Skip TLS verification (tests against self-signed loopback servers only).
    public var insecure: Bool
    public var caFile: String?
    /// A client certificate and key (PEM files) for mutual TLS, e.g. a kubeconfig user.
    public var clientCertFile: String?
    public var clientKeyFile: String?
    /// Streams the body from part of a file instead of `body` (large uploads: image layers).
    public var bodyFile: FileRange?

    public init(method: String = "GET", url: String, headers: [(String, String)] = [], body: Data? = nil, timeout: Double = 10,
                followRedirects: Bool = false, insecure: Bool = false, caFile: String? = nil, bodyFile: FileRange? = nil,
                clientCertFile: String? = nil, clientKeyFile: String? = nil) {
        self.bodyFile = bodyFile
        self.clientCertFile = clientCertFile
        self.clientKeyFile = clientKeyFile
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.followRedirects = followRedirects
        self.insecure = insecure
        self.caFile = caFile
    }
}

/// A byte range of a file, sent as a request body without loading it into memory.
public struct FileRange: Sendable, Equatable {
    public var path: String
    public var offset: Int64
    public var length: Int64

    public init(path: String, offset: Int64 = 0, length: Int64) {
        self.path = path
        self.offset = offset
        self.length = length
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: Data
    /// Seconds from start to the last byte.
    public var totalTime: Double

    public init(status: Int, headers: [(String, String)], body: Data, totalTime: Double) {
        self.status = status
        self.headers = headers
        self.body = body
        self.totalTime = totalTime
    }

    public func header(_ name: String) -> String? {
        headers.last { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A transport failure (no HTTP status): refused connection, timeout, TLS, DNS.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var isTimeout: Bool

    public init(_ message: String, isTimeout: Bool = false) {
        self.message = message
        self.isTimeout = isTimeout
    }

    public var description: String { message }
}

/// What kinds use to speak HTTP. Tests may hand in a loopback double.
public protocol HTTPClient: Sendable {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}
