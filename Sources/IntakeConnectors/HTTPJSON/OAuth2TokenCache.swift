import IntakeCore
import IntakeHTTP
import Synchronization

/// OAuth2 client-credentials access tokens, cached per asset until shortly before they expire.
final class OAuth2TokenCache: Sendable {
    struct Token: Sendable {
        var value: String
        var expires: Timestamp
    }

    static let shared = OAuth2TokenCache()
    private let tokens = Mutex<[String: Token]>([:])

    /// A token for `key` that is still valid at `now`, if cached.
    func token(for key: String, now: Timestamp) -> String? {
        tokens.withLock { t in
            guard let token = t[key], token.expires > now else { return nil }
            return token.value
        }
    }

    func store(_ token: Token, for key: String) { tokens.withLock { $0[key] = token } }

    /// Forgets a token the API refused (HTTP 401).
    func invalidate(_ key: String) { _ = tokens.withLock { $0.removeValue(forKey: key) } }

    /// Requests a token from `tokenURL` (client_secret_post, form-encoded) over `session`.
    static func fetch(clientId: String, clientSecret: String, tokenURL: String, scope: String?, session: HTTPSession,
                      now: Timestamp) async throws(IntakeError) -> Token {
        var form = "grant_type=client_credentials&client_id=\(URLEncoding.encode(clientId))&client_secret=\(URLEncoding.encode(clientSecret))"
        if let scope { form += "&scope=\(URLEncoding.encode(scope))" }
        let request = HTTPRequest(method: "POST", url: tokenURL,
                                  headers: [HTTPHeader("Content-Type", "application/x-www-form-urlencoded"),
                                            HTTPHeader("Accept", "application/json")],
                                  body: Array(form.utf8))
        let shown = session.redactedURL(tokenURL)
        let response: HTTPResponse
        do throws(IntakeError) {
            response = try await session.send(request)
        } catch {
            throw IntakeError(.connector, "the OAuth2 token request failed: \(error.message)", at: shown,
                              hint: "check client_id, client_secret, token_url and scope")
        }
        guard let body = try? JSONParser.parse(response.body), case .string(let token)? = body["access_token"], !token.isEmpty else {
            throw IntakeError(.connector, "the OAuth2 token response has no access_token", at: shown)
        }
        session.addSecret(token)
        let lifetime = body["expires_in"]?.intValue ?? body["expires_in"].flatMap { Int64($0.textValue) } ?? 3600
        // Renew a minute early (or halfway for short-lived tokens) so a token never expires mid-poll.
        let margin = min(60, lifetime / 2)
        return Token(value: token, expires: now.adding(.seconds(max(1, lifetime - margin))))
    }
}
