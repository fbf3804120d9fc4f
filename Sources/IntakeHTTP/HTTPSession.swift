import CCurl
import Dispatch
import IntakeCore
import Logging
import Synchronization

/// A sequence of HTTP requests that share one libcurl handle, and so one connection,
/// such as the pages of one poll.
///
/// libcurl blocks while it transfers, so every call runs on a thread of its own (``BlockingThread``),
/// never on Swift's cooperative pool or Dispatch's workers; the handle's lock keeps one call at a time
/// per session, and many sessions run side by side.
public final class HTTPSession: Sendable {
    public let configuration: HTTPClientConfiguration
    let logger: Logger
    private let secrets: Mutex<Redactor>
    /// The redactor for this session's messages, including secrets learned while it runs (OAuth2 tokens).
    public var redactor: Redactor { secrets.withLock { $0 } }
    /// Set by ``cancel()``; checked before each request and between retries.
    let cancelled = Atomic<Bool>(false)
    /// The easy handle, used by one transfer at a time.
    private let easy: Mutex<CurlEasy?>
    /// Connections opened so far, to show reuse.
    private let connections = Atomic<Int>(0)

    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration(), logger: Logger = Logger(label: "intake.http"),
                redactor: Redactor = Redactor()) throws(IntakeError) {
        self.configuration = configuration
        self.logger = logger
        secrets = Mutex(redactor)
        let e = try CurlEasy()
        e.configure(configuration)
        easy = Mutex(e)
    }

    /// Adds a secret learned at run time (an access token) so no message of this session shows it.
    public func addSecret(_ secret: String) { secrets.withLock { $0.add(secret) } }

    /// Total TCP/TLS connections this session opened; stays at 1 when every page reused the first.
    public var connectionsOpened: Int { connections.load(ordering: .relaxed) }

    /// Stops the session: requests under way fail as cancelled and no new one starts.
    public func cancel() { cancelled.store(true, ordering: .relaxed) }

    /// Sends a request, retrying per the configuration's ``RetryPolicy``, and returns a 2xx response.
    /// Anything else becomes an ``IntakeError`` naming the URL (without credentials) and the reason.
    public func send(_ request: HTTPRequest) async throws(IntakeError) -> HTTPResponse {
        try await send(request, accepting: [])
    }

    /// Like ``send(_:)``, but also returns (instead of throwing for) a response whose status is in `accepted`,
    /// such as a 401 the caller answers by refreshing its token.
    public func send(_ request: HTTPRequest, accepting accepted: Set<Int>) async throws(IntakeError) -> HTTPResponse {
        let policy = configuration.retry
        var attempt = 1
        while true {
            let outcome = await performOnQueue(request)
            HTTPStatistics.recordTransfer(bytes: (try? outcome.get())?.body.count ?? 0)
            let failure: IntakeError
            var retryAfter: IntakeDuration? = nil
            var retryable = false
            switch outcome {
            case .success(let response) where (200..<300).contains(response.status) || accepted.contains(response.status):
                return response
            case .success(let response):
                failure = httpError(response, request)
                retryable = response.status == 429 || (500..<600).contains(response.status)
                retryAfter = response.header("retry-after").flatMap { RetryAfter.parse($0, now: Timestamp.now()) }
            case .failure(let f):
                failure = curlError(f, request)
                retryable = HTTPSession.isRetryable(f.code) && !f.exceededSize && !HTTPSession.isTLSAlert(f.detail)
            }
            if !retryable || attempt >= policy.maxAttempts || cancelled.load(ordering: .relaxed) {
                throw failure
            }
            let delay = policy.delay(afterAttempt: attempt, retryAfter: retryAfter, random: Double.random(in: 0...1))
            logger.warning("retrying request", metadata: [
                "url": "\(redactedURL(request.url))", "attempt": "\(attempt + 1)", "of": "\(policy.maxAttempts)",
                "delay": "\(delay)", "reason": "\(failure.message)",
            ])
            do {
                try await Task.sleep(nanoseconds: UInt64(delay.microseconds) * 1000)
            } catch {
                throw IntakeError(.cancelled, "request cancelled while waiting to retry", at: redactedURL(request.url))
            }
            attempt += 1
            HTTPStatistics.recordRetry()
        }
    }

    private func performOnQueue(_ request: HTTPRequest) async -> Result<HTTPResponse, CurlFailure> {
        await withCheckedContinuation { (cont: CheckedContinuation<Result<HTTPResponse, CurlFailure>, Never>) in
            BlockingThread.run { [self] in
                let result = easy.withLock { e -> Result<HTTPResponse, CurlFailure> in
                    guard let e else { return .failure(CurlFailure(code: CURLE_FAILED_INIT, detail: "session closed", exceededSize: false)) }
                    let r = e.perform(request, cancelled: cancelled)
                    connections.add(e.newConnections, ordering: .relaxed)
                    return r
                }
                cont.resume(returning: result)
            }
        }
    }

    static func isRetryable(_ code: CURLcode) -> Bool {
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING,
             CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_COULDNT_RESOLVE_HOST:
            return true
        default:
            return false
        }
    }

    /// True when the server ended the handshake with an alert about our certificate (mTLS): retrying cannot help.
    static func isTLSAlert(_ detail: String) -> Bool {
        detail.contains("alert certificate required") || detail.contains("alert bad certificate")
            || detail.contains("alert unknown ca") || detail.contains("alert certificate expired")
    }

    /// The URL as it may be shown: no userinfo, known secrets masked.
    public func redactedURL(_ url: String) -> String { redactor.redact(url) }

    /// `host` or `host:port` of a URL, for messages.
    static func host(of url: String) -> String {
        var s = Substring(url)
        if let r = s.firstRange(of: "://") { s = s[r.upperBound...] }
        if let end = s.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { s = s[..<end] }
        if let at = s.lastIndex(of: "@") { s = s[s.index(after: at)...] }
        return String(s)
    }

    func curlError(_ f: CurlFailure, _ request: HTTPRequest) -> IntakeError {
        let url = redactedURL(request.url)
        let host = HTTPSession.host(of: url)
        let detail = redactor.redact(f.detail)
        if HTTPSession.isTLSAlert(f.detail) {
            return IntakeError(.tls, "\(host) refused the TLS client certificate: \(detail)", at: url,
                               hint: "the server requires a client certificate it trusts: set client_cert and client_key")
        }
        switch f.code {
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM,
             CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH:
            return IntakeError(.tls, "TLS verification of \(host) failed: \(detail)", at: url,
                               hint: "trust the server's CA with the asset's ca_bundle or a PEM in config/certs/")
        case CURLE_OPERATION_TIMEDOUT:
            return IntakeError(.timeout, "request to \(host) timed out: \(detail)", at: url)
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return IntakeError(.connection, "cannot connect to \(host): \(detail)", at: url)
        case CURLE_FILESIZE_EXCEEDED:
            return IntakeError(.http, "response from \(host) is larger than the \(configuration.maxResponseBytes)-byte cap", at: url)
        case CURLE_WRITE_ERROR where f.exceededSize:
            return IntakeError(.http, "response from \(host) is larger than the \(configuration.maxResponseBytes)-byte cap", at: url)
        case CURLE_UNSUPPORTED_PROTOCOL:
            return IntakeError(.http, "refused to follow \(host) to a protocol other than http or https: \(detail)", at: url)
        case CURLE_TOO_MANY_REDIRECTS:
            return IntakeError(.http, "too many redirects from \(host) (limit \(configuration.maxRedirects))", at: url)
        case CURLE_ABORTED_BY_CALLBACK:
            return IntakeError(.cancelled, "request to \(host) was cancelled", at: url)
        default:
            return IntakeError(.connection, "request to \(host) failed: \(detail) (curl error \(f.code.rawValue))", at: url)
        }
    }

    func httpError(_ response: HTTPResponse, _ request: HTTPRequest) -> IntakeError {
        let url = redactedURL(request.url)
        var snippet = String(decoding: response.body.prefix(300), as: UTF8.self)
        snippet = redactor.redact(snippet.filter { !$0.isNewline })
        let reason = HTTPSession.reasonPhrase(response.status)
        return IntakeError(.http, "HTTP \(response.status)\(reason.isEmpty ? "" : " " + reason) from \(HTTPSession.host(of: url))"
                           + (snippet.isEmpty ? "" : ": \(snippet)"), at: url)
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 413: return "Payload Too Large"
        case 422: return "Unprocessable Entity"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return ""
        }
    }
}

/// Parses a Retry-After header: delta seconds or an HTTP date.
enum RetryAfter {
    static func parse(_ value: String, now: Timestamp) -> IntakeDuration? {
        let v = value.trimmingSpaces
        if let secs = Int64(v), secs >= 0 { return .seconds(secs) }
        guard let t = HTTPDate.parse(v) else { return nil }
        return IntakeDuration(microseconds: max(0, t.microseconds - now.microseconds))
    }
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the HTTP date form.
enum HTTPDate {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    static func parse(_ s: String) -> Timestamp? {
        let parts = s.split(separator: " ")
        guard parts.count == 6, let day = Int64(parts[1]), let mi = months.firstIndex(of: String(parts[2])),
              let year = Int64(parts[3]) else { return nil }
        let hms = parts[4].split(separator: ":").compactMap { Int64($0) }
        guard hms.count == 3 else { return nil }
        return Timestamp.utc(year: year, month: Int64(mi + 1), day: day, hour: hms[0], minute: hms[1], second: hms[2])
    }
}
