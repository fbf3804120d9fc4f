import IntakeCore
import IntakeHTTP

/// Adds an asset's credentials to its requests; for OAuth2, holds the access token (cached per asset).
struct AuthState: Sendable {
    let settings: HTTPJSONSettings
    let cacheKey: String
    private var token: String?

    init(settings: HTTPJSONSettings, context: ConnectorContext, session: HTTPSession) async throws(IntakeError) {
        self.settings = settings
        if case .oauth2(let id, _, let url, let scope) = settings.auth {
            cacheKey = "\(context.asset.name)\u{1}\(url)\u{1}\(id)\u{1}\(scope ?? "")"
            token = OAuth2TokenCache.shared.token(for: cacheKey, now: Timestamp.now())
            if let token { session.addSecret(token) }
        } else {
            cacheKey = ""
        }
    }

    /// Requests a new OAuth2 token, replacing the cached one.
    mutating func refresh(session: HTTPSession) async throws(IntakeError) {
        guard case .oauth2(let id, let secret, let url, let scope) = settings.auth else { return }
        OAuth2TokenCache.shared.invalidate(cacheKey)
        let now = Timestamp.now()
        let fresh = try await OAuth2TokenCache.fetch(clientId: id, clientSecret: secret, tokenURL: url, scope: scope, session: session,
                                                     now: now)
        OAuth2TokenCache.shared.store(fresh, for: cacheKey)
        token = fresh.value
    }

    /// The request with the asset's credentials added.
    mutating func authorize(_ request: HTTPRequest, session: HTTPSession) async throws(IntakeError) -> HTTPRequest {
        var r = request
        switch settings.auth {
        case .none:
            break
        case .basic(let user, let password):
            r.headers.append(HTTPHeader("Authorization", "Basic " + Base64.encode(Array("\(user):\(password)".utf8))))
        case .bearer(let token):
            r.headers.append(HTTPHeader("Authorization", "Bearer \(token)"))
        case .apiKey(let key, let name, let inQuery):
            if inQuery {
                if !r.url.contains("\(URLEncoding.encode(name))=") {
                    r.url += (r.url.contains("?") ? "&" : "?") + URLEncoding.encode(name) + "=" + URLEncoding.encode(key)
                }
            } else {
                r.headers.append(HTTPHeader(name, key))
            }
        case .oauth2:
            if token == nil { try await refresh(session: session) }
            if let token { r.headers.append(HTTPHeader("Authorization", "Bearer \(token)")) }
        }
        return r
    }
}

/// Standard base64 with padding, for HTTP Basic credentials.
enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")

    static func encode(_ bytes: [UInt8]) -> String {
        var out = ""
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : "=")
            out.append(i + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : "=")
            i += 3
        }
        return out
    }
}
