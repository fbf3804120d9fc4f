import IntakeCore

/// One HTTP header; names compare case-insensitively.
public struct HTTPHeader: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A request to send over libcurl.
public struct HTTPRequest: Sendable, Hashable {
    public var method: String
    public var url: String
    public var headers: [HTTPHeader]
    public var body: [UInt8]?

    public init(method: String = "GET", url: String, headers: [HTTPHeader] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// A complete response: status, headers (names lowercased), decoded body.
public struct HTTPResponse: Sendable, Hashable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: [UInt8]
    /// The URL that answered, after redirects.
    public var effectiveURL: String
    /// The HTTP version that was used, e.g. "1.1" or "2".
    public var httpVersion: String
    /// Seconds from start to the end of the transfer.
    public var totalTime: Double
    /// The TLS session, when the session collects it and the request opened a TLS connection.
    public var tls: TLSDetails?

    public init(status: Int, headers: [HTTPHeader], body: [UInt8], effectiveURL: String, httpVersion: String = "1.1",
                totalTime: Double = 0) {
        self.status = status
        self.headers = headers
        self.body = body
        self.effectiveURL = effectiveURL
        self.httpVersion = httpVersion
        self.totalTime = totalTime
    }

    /// The last value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        let n = name.lowercased()
        return headers.last { $0.name == n }?.value
    }
}

/// What a TLS handshake negotiated and whom it talked to, for test connectivity.
public struct TLSDetails: Sendable, Hashable {
    /// e.g. `TLSv1.3`; empty when libcurl did not say.
    public var protocolVersion: String
    public var cipher: String
    public var subject: String
    public var issuer: String
    /// The peer certificate's notAfter, as libcurl prints it (e.g. `Dec 21 22:00:00 2026 GMT`).
    public var expires: String

    public init(protocolVersion: String = "", cipher: String = "", subject: String = "", issuer: String = "", expires: String = "") {
        self.protocolVersion = protocolVersion
        self.cipher = cipher
        self.subject = subject
        self.issuer = issuer
        self.expires = expires
    }
}
