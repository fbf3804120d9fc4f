import IntakeCore

/// How a session fetches: timeouts, limits, TLS trust, proxy and retries. Defaults suit polling APIs.
public struct HTTPClientConfiguration: Sendable, Hashable {
    public var connectTimeout: IntakeDuration
    /// Upper bound for one whole request, redirects included.
    public var totalTimeout: IntakeDuration
    /// Abort when the transfer runs below 1 byte/s for this long (a hung server).
    public var lowSpeedTimeout: IntakeDuration
    /// Responses larger than this fail rather than exhaust memory.
    public var maxResponseBytes: Int
    public var maxRedirects: Int
    public var tls: TLSSettings
    /// Proxy URL, e.g. `http://proxy:3128` (credentials allowed, never printed).
    public var proxy: String?
    /// Proxy credentials, sent with CONNECT/requests to the proxy only.
    public var proxyUsername: String?
    public var proxyPassword: String?
    /// Collect the TLS protocol and peer certificate of each new connection (for test connectivity).
    public var collectTLSDetails: Bool
    public var userAgent: String
    public var retry: RetryPolicy

    public init(connectTimeout: IntakeDuration = .seconds(10), totalTimeout: IntakeDuration = .seconds(120),
                lowSpeedTimeout: IntakeDuration = .seconds(60), maxResponseBytes: Int = 256 << 20, maxRedirects: Int = 5,
                tls: TLSSettings = TLSSettings(), proxy: String? = nil, proxyUsername: String? = nil, proxyPassword: String? = nil,
                collectTLSDetails: Bool = false, userAgent: String = "Intake/0.1", retry: RetryPolicy = RetryPolicy()) {
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.lowSpeedTimeout = lowSpeedTimeout
        self.maxResponseBytes = maxResponseBytes
        self.maxRedirects = maxRedirects
        self.tls = tls
        self.proxy = proxy
        self.proxyUsername = proxyUsername
        self.proxyPassword = proxyPassword
        self.collectTLSDetails = collectTLSDetails
        self.userAgent = userAgent
        self.retry = retry
    }
}

/// TLS trust for a session.
public struct TLSSettings: Sendable, Hashable {
    /// Verify the server's certificate chain and host name (on unless an asset turns it off).
    public var verifyServerCertificate: Bool
    /// The PEM certificates to trust, assembled by ``TrustStore``; nil means libcurl's default bundle.
    public var trustedPEM: [UInt8]?
    /// Client certificate and key files (PEM) for mutual TLS.
    public var clientCertificate: String?
    public var clientKey: String?
    /// The passphrase of an encrypted client key.
    public var clientKeyPassword: String?

    public init(verifyServerCertificate: Bool = true, trustedPEM: [UInt8]? = nil, clientCertificate: String? = nil,
                clientKey: String? = nil, clientKeyPassword: String? = nil) {
        self.verifyServerCertificate = verifyServerCertificate
        self.trustedPEM = trustedPEM
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.clientKeyPassword = clientKeyPassword
    }
}

/// Retries with exponential backoff and full jitter on connection errors, timeouts, 429 and 5xx.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    public var baseDelay: IntakeDuration
    public var maxDelay: IntakeDuration

    public init(maxAttempts: Int = 4, baseDelay: IntakeDuration = .init(microseconds: 500_000),
                maxDelay: IntakeDuration = .seconds(30)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    public static let none = RetryPolicy(maxAttempts: 1)

    /// The delay before attempt `attempt + 1` (attempt counts from 1), honouring a server's Retry-After
    /// up to `maxDelay`.
    public func delay(afterAttempt attempt: Int, retryAfter: IntakeDuration?, random: Double) -> IntakeDuration {
        if let retryAfter { return min(retryAfter, maxDelay) }
        let exp = Double(baseDelay.microseconds) * pow2(attempt - 1)
        let capped = min(exp, Double(maxDelay.microseconds))
        return IntakeDuration(microseconds: Int64(capped * (0.5 + random / 2)))
    }

    private func pow2(_ n: Int) -> Double { n <= 0 ? 1 : Double(1 << min(n, 30)) }
}
