import IntakeCore

/// An `http_json` asset's configuration, read and checked once before the first request.
///
/// Keys (all flat under `configuration:`): `base_url` (required), `path`, `method` (GET, POST, PUT),
/// `headers`, `query`, `body` (mappings whose values are templates), `time_format`, `records_path`,
/// `response_format` (json, ndjson), `pagination` (none, page, offset, cursor, next_url, link_header),
/// `page_param`, `page_start`, `page_size`, `limit_param`, `offset_param`, `cursor_param`, `cursor_path`,
/// `next_path`, `max_pages`, `auth` (none, basic, bearer, api_key, oauth2_client_credentials),
/// `username`, `password`, `token`, `api_key`, `api_key_name`, `api_key_in`, `client_id`, `client_secret`,
/// `token_url`, `scope`, `verify_server_cert`, `ca_bundle`, `client_cert`, `client_key`, `proxy`,
/// `proxy_username`, `proxy_password`, `timeout` (seconds or a duration).
struct HTTPJSONSettings: Sendable {
    enum Pagination: String, Sendable, CaseIterable {
        case none, page, offset, cursor
        case nextURL = "next_url"
        case linkHeader = "link_header"
    }

    enum Auth: Sendable, Equatable {
        case none
        case basic(username: String, password: String)
        case bearer(token: String)
        case apiKey(key: String, name: String, inQuery: Bool)
        case oauth2(clientId: String, clientSecret: String, tokenURL: String, scope: String?)
    }

    var baseURL: String
    var path: String
    var method: String
    var headers: JSONObject
    var query: JSONObject
    var body: JSONValue?
    var timeFormat: String
    var recordsPath: String?
    var ndjson: Bool
    var pagination: Pagination
    var pageParam: String
    var pageStart: Int64
    var pageSize: Int64
    var limitParam: String
    var offsetParam: String
    var cursorParam: String
    var cursorPath: String
    var nextPath: String
    var maxPages: Int
    var auth: Auth
    var verifyServerCert: Bool
    var caBundle: String?
    var clientCert: String?
    var clientKey: String?
    var proxy: String?
    var proxyUsername: String?
    var proxyPassword: String?
    var timeout: IntakeDuration
    /// Every secret value of the asset, for the redactor.
    var secrets: [String]

    static let timeFormats = ["iso8601", "iso8601_micro", "epoch_s", "epoch_ms"]

    init(_ context: ConnectorContext) throws(IntakeError) {
        let file = context.asset.file
        func bad(_ key: String, _ message: String, hint: String? = nil) -> IntakeError {
            IntakeError(.configuration, "asset '\(context.asset.name)': configuration.\(key) \(message)", at: file, hint: hint)
        }
        func string(_ key: String) -> String? { context.configString(key) }
        func mapping(_ key: String) throws(IntakeError) -> JSONObject {
            guard let v = context.config(key) else { return [:] }
            guard case .object(let o) = v else { throw bad(key, "must be a mapping of names to values, found \(v.typeName)") }
            return o
        }
        func int(_ key: String, _ fallback: Int64, minimum: Int64) throws(IntakeError) -> Int64 {
            guard let v = context.config(key) else { return fallback }
            guard let n = v.intValue ?? Int64(v.textValue), n >= minimum else {
                throw bad(key, "must be a whole number of at least \(minimum), found '\(v.textValue)'")
            }
            return n
        }
        func oneOf(_ key: String, _ fallback: String, _ allowed: [String]) throws(IntakeError) -> String {
            let v = (string(key) ?? fallback).lowercased()
            guard allowed.contains(v) else { throw bad(key, "must be one of \(allowed.joined(separator: ", ")), found '\(v)'") }
            return v
        }

        guard let base = string("base_url") else { throw bad("base_url", "is required", hint: "e.g. base_url: https://siem.example.com") }
        let lower = base.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            throw bad("base_url", "must start with http:// or https://, found '\(context.redactor.redact(base))'")
        }
        baseURL = base
        path = string("path") ?? ""
        method = try oneOf("method", "GET", ["get", "post", "put"]).uppercased()
        headers = try mapping("headers")
        query = try mapping("query")
        body = context.config("body")
        timeFormat = string("time_format") ?? "iso8601"
        if !HTTPJSONSettings.timeFormats.contains(timeFormat) && !timeFormat.contains("%") {
            throw bad("time_format", "must be iso8601, iso8601_micro, epoch_s, epoch_ms or a strftime pattern such as %Y-%m-%dT%H:%M:%SZ, found '\(timeFormat)'")
        }
        ndjson = try oneOf("response_format", "json", ["json", "ndjson"]) == "ndjson"
        recordsPath = string("records_path")
        let paginationName = try oneOf("pagination", "next_url", Pagination.allCases.map(\.rawValue))
        pagination = Pagination(rawValue: paginationName) ?? .nextURL
        pageParam = string("page_param") ?? "page"
        pageStart = try int("page_start", 1, minimum: 0)
        pageSize = try int("page_size", 100, minimum: 1)
        limitParam = string("limit_param") ?? "limit"
        offsetParam = string("offset_param") ?? "offset"
        cursorParam = string("cursor_param") ?? "cursor"
        cursorPath = string("cursor_path") ?? "next_cursor"
        nextPath = string("next_path") ?? "next"
        maxPages = Int(try int("max_pages", 1000, minimum: 1))

        var secrets: [String] = []
        func required(_ key: String, for kind: String) throws(IntakeError) -> String {
            guard let v = string(key) else { throw bad(key, "is required when auth is \(kind)") }
            return v
        }
        switch try oneOf("auth", "none", ["none", "basic", "bearer", "api_key", "oauth2_client_credentials"]) {
        case "basic":
            let password = try required("password", for: "basic")
            auth = .basic(username: try required("username", for: "basic"), password: password)
            secrets.append(password)
        case "bearer":
            let token = try required("token", for: "bearer")
            auth = .bearer(token: token)
            secrets.append(token)
        case "api_key":
            let key = try required("api_key", for: "api_key")
            let where_ = try oneOf("api_key_in", "header", ["header", "query"])
            auth = .apiKey(key: key, name: string("api_key_name") ?? "X-API-Key", inQuery: where_ == "query")
            secrets.append(key)
        case "oauth2_client_credentials":
            let secret = try required("client_secret", for: "oauth2_client_credentials")
            let tokenURL = try required("token_url", for: "oauth2_client_credentials")
            let t = tokenURL.lowercased()
            guard t.hasPrefix("http://") || t.hasPrefix("https://") else { throw bad("token_url", "must start with http:// or https://") }
            auth = .oauth2(clientId: try required("client_id", for: "oauth2_client_credentials"), clientSecret: secret,
                           tokenURL: tokenURL, scope: string("scope"))
            secrets.append(secret)
        default:
            auth = .none
        }
        verifyServerCert = try context.configBool("verify_server_cert", default: true)
        caBundle = string("ca_bundle").map(context.service.resolve)
        clientCert = string("client_cert").map(context.service.resolve)
        clientKey = string("client_key").map(context.service.resolve)
        if clientKey != nil && clientCert == nil { throw bad("client_key", "needs configuration.client_cert as well") }
        proxy = string("proxy")
        proxyUsername = string("proxy_username")
        proxyPassword = string("proxy_password")
        if let p = proxyPassword { secrets.append(p) }
        if let p = proxy, let userinfo = HTTPJSONSettings.userinfo(of: p) { secrets.append(userinfo) }
        if let userinfo = HTTPJSONSettings.userinfo(of: base) { secrets.append(userinfo) }
        if let t = context.config("timeout") {
            if let n = t.intValue ?? t.doubleValue.map({ Int64($0) }), n > 0 {
                timeout = .seconds(n)
            } else if let d = IntakeDuration(parsing: t.textValue), d.microseconds > 0 {
                timeout = d
            } else {
                throw bad("timeout", "must be a number of seconds or a duration such as 30s, found '\(t.textValue)'")
            }
        } else {
            timeout = .seconds(30)
        }
        self.secrets = secrets
    }

    /// `user:password` of a URL, if it carries credentials.
    static func userinfo(of url: String) -> String? {
        guard let r = url.firstRange(of: "://") else { return nil }
        let rest = url[r.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let at = authority.lastIndex(of: "@") else { return nil }
        let info = authority[..<at]
        if let colon = info.firstIndex(of: ":") { return String(info[info.index(after: colon)...]) }
        return String(info)
    }

    /// The first URL, without query: base_url joined with path.
    var endpoint: String {
        guard !path.isEmpty else { return baseURL }
        if path.hasPrefix("http://") || path.hasPrefix("https://") { return path }
        return (baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL) + (path.hasPrefix("/") ? path : "/" + path)
    }

    /// True when any query, body or header template names `variable`; then it is not added automatically.
    func templatesMention(_ variable: String) -> Bool {
        func mentions(_ v: JSONValue) -> Bool {
            switch v {
            case .string(let s): return RequestTemplate.variables(in: s).contains(variable)
            case .array(let a): return a.contains(where: mentions)
            case .object(let o): return o.members.contains { mentions($0.value) }
            default: return false
            }
        }
        return mentions(.object(query)) || mentions(.object(headers)) || (body.map(mentions) ?? false)
    }
}
