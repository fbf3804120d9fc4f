import IntakeCore
import IntakeHTTP
import Logging
import Synchronization

/// The generic HTTP JSON poller: sends the configured request with the window in its query or body,
/// takes records from a path in the response (JSON or NDJSON) and pages through the window
/// (page numbers, offsets, cursors, next links or Link headers) with the asset's authentication.
///
/// The keys are listed on ``HTTPJSONSettings``; README's "Connectors" section documents them.
public struct HTTPJSONConnector: Connector {
    public static let appId = "http_json"

    /// Assets whose disabled certificate verification was already reported, so the warning is logged once.
    static let warnedInsecure = InsecureAssets()

    public init() {}

    public func testConnectivity(_ context: ConnectorContext) async throws(IntakeError) -> ActionResult {
        let settings = try HTTPJSONSettings(context)
        let session = try makeSession(settings, context, collectTLS: true)
        do {
            let now = Timestamp.now()
            let vars = variables(settings, parameters: nil, paginator: Paginator(settings: settings), now: now)
            var auth = try await AuthState(settings: settings, context: context, session: session)
            let request = try await auth.authorize(try buildRequest(settings, Paginator(settings: settings), vars), session: session)
            let response = try await send(request, settings: settings, auth: &auth, session: session, context: context)
            let shown = session.redactedURL(request.url)
            let latency = Int64((response.totalTime * 1000).rounded())
            var summary: JSONObject = ["status": .int(Int64(response.status)), "latency_ms": .int(latency),
                                       "http_version": .string(response.httpVersion), "url": .string(shown)]
            var message = "Test connectivity passed: HTTP \(response.status) from \(shown) in \(latency) ms over HTTP/\(response.httpVersion)"
            if let tls = response.tls {
                summary.append("tls_version", .string(tls.protocolVersion))
                summary.append("tls_cipher", .string(tls.cipher))
                summary.append("certificate_subject", .string(tls.subject))
                summary.append("certificate_issuer", .string(tls.issuer))
                summary.append("certificate_expires", .string(tls.expires))
                message += ", \(tls.protocolVersion.isEmpty ? "TLS" : tls.protocolVersion); certificate \(tls.subject)"
                    + " issued by \(tls.issuer), expires \(tls.expires)"
            }
            if !settings.verifyServerCert { message += " (certificate verification is OFF for this asset)" }
            return ActionResult(status: .success, message: session.redactor.redact(message), summary: summary)
        } catch {
            throw session.redactor.redact(error)
        }
    }

    public func poll(_ parameters: PollParameters, context: ConnectorContext,
                     emit: (ConnectorPage) async throws(IntakeError) -> Bool) async throws(IntakeError) {
        let settings = try HTTPJSONSettings(context)
        let session = try makeSession(settings, context, collectTLS: false)
        do {
            try await run(parameters, settings: settings, session: session, context: context, emit: emit)
        } catch {
            throw session.redactor.redact(error)
        }
    }

    private func run(_ parameters: PollParameters, settings: HTTPJSONSettings, session: HTTPSession, context: ConnectorContext,
                     emit: (ConnectorPage) async throws(IntakeError) -> Bool) async throws(IntakeError) {
        var paginator = Paginator(settings: settings)
        var auth = try await AuthState(settings: settings, context: context, session: session)
        let started = Timestamp.now()
        while true {
            let vars = variables(settings, parameters: parameters, paginator: paginator, now: started)
            let request = try await auth.authorize(try buildRequest(settings, paginator, vars), session: session)
            let shown = session.redactedURL(request.url)
            try paginator.willFetch(request.url, shown: shown)
            let response = try await send(request, settings: settings, auth: &auth, session: session, context: context)
            let (body, records) = try HTTPJSONConnector.parse(response, settings: settings, at: shown)
            let more = try paginator.advance(response: response, body: body, records: records.count, requestURL: request.url,
                                             shown: shown)
            context.logger.debug("page fetched", metadata: ["url": "\(shown)", "records": "\(records.count)",
                                                            "status": "\(response.status)"])
            let keepGoing = try await emit(ConnectorPage(records: records, isLast: !more, source: shown))
            if !keepGoing || !more { return }
        }
    }

    /// Sends a request; on a 401 with OAuth2, refreshes the token once and sends again.
    private func send(_ request: HTTPRequest, settings: HTTPJSONSettings, auth: inout AuthState, session: HTTPSession,
                      context: ConnectorContext) async throws(IntakeError) -> HTTPResponse {
        guard case .oauth2 = settings.auth else { return try await session.send(request) }
        let first = try await session.send(request, accepting: [401])
        guard first.status == 401 else { return first }
        context.logger.info("access token refused (HTTP 401); requesting a new one", metadata: ["asset": "\(context.asset.name)"])
        try await auth.refresh(session: session)
        return try await session.send(try await auth.authorize(request.withoutAuthorization, session: session))
    }

    func makeSession(_ settings: HTTPJSONSettings, _ context: ConnectorContext, collectTLS: Bool) throws(IntakeError) -> HTTPSession {
        var redactor = context.redactor
        for s in settings.secrets { redactor.add(s) }
        if !settings.verifyServerCert {
            let first = HTTPJSONConnector.warnedInsecure.names.withLock { $0.insert(context.asset.name).inserted }
            if first {
                context.logger.warning("TLS certificate verification is off for this asset; anyone on the path can read and alter its data",
                                       metadata: ["asset": "\(context.asset.name)"])
            }
        }
        let pem = try TrustStore.assemble(assetBundle: settings.caBundle, serviceBundle: context.service.caBundle,
                                          certsDirectory: context.service.certsDirectory)
        let seconds = settings.timeout
        var config = HTTPClientConfiguration(
            connectTimeout: min(seconds, .seconds(10)), totalTimeout: seconds, lowSpeedTimeout: min(seconds, .seconds(60)),
            tls: TLSSettings(verifyServerCertificate: settings.verifyServerCert, trustedPEM: pem.isEmpty ? nil : pem,
                             clientCertificate: settings.clientCert, clientKey: settings.clientKey),
            proxy: settings.proxy, proxyUsername: settings.proxyUsername, proxyPassword: settings.proxyPassword,
            collectTLSDetails: collectTLS)
        if collectTLS { config.retry = .none }
        return try HTTPSession(configuration: config, logger: context.logger, redactor: redactor)
    }

    func variables(_ settings: HTTPJSONSettings, parameters: PollParameters?, paginator: Paginator, now: Timestamp) -> TemplateVariables {
        TemplateVariables(startTime: parameters?.startTime ?? now.subtracting(.days(10)), endTime: parameters?.endTime ?? now,
                          timeFormat: settings.timeFormat, cursor: paginator.cursor, page: paginator.page, offset: paginator.offset,
                          limit: settings.pageSize,
                          containerCount: parameters?.clampedContainerCount() ?? 100,
                          artifactCount: parameters.map { $0.artifactCount >= PollParameters.scheduledSentinel || $0.artifactCount <= 0
                              ? 10_000 : min($0.artifactCount, 10_000) } ?? 1000)
    }

    /// The request for the paginator's next page, before authentication.
    func buildRequest(_ settings: HTTPJSONSettings, _ paginator: Paginator, _ vars: TemplateVariables) throws(IntakeError) -> HTTPRequest {
        var headers = [HTTPHeader("Accept", settings.ndjson ? "application/x-ndjson, application/json" : "application/json")]
        for m in settings.headers.members {
            guard let v = try RequestTemplate.render(m.value.textValue, vars, key: "headers.\(m.key)") else { continue }
            headers.removeAll { $0.name.lowercased() == m.key.lowercased() }
            headers.append(HTTPHeader(m.key, v))
        }
        if let next = paginator.nextURL {
            return HTTPRequest(method: "GET", url: next, headers: headers)
        }
        var query: [(String, String)] = []
        for m in settings.query.members {
            if let v = try RequestTemplate.render(m.value.textValue, vars, key: "query.\(m.key)") { query.append((m.key, v)) }
        }
        // Paging parameters the templates do not place themselves.
        var automatic: [(String, JSONValue)] = []
        switch settings.pagination {
        case .page:
            if !settings.templatesMention("page") { automatic.append((settings.pageParam, .int(paginator.page))) }
            if !settings.templatesMention("limit") { automatic.append((settings.limitParam, .int(settings.pageSize))) }
        case .offset:
            if !settings.templatesMention("offset") { automatic.append((settings.offsetParam, .int(paginator.offset))) }
            if !settings.templatesMention("limit") { automatic.append((settings.limitParam, .int(settings.pageSize))) }
        case .cursor:
            if let c = paginator.cursor, !settings.templatesMention("cursor") { automatic.append((settings.cursorParam, c)) }
        default:
            break
        }
        var body: [UInt8]? = nil
        if let template = settings.body, settings.method != "GET" {
            var rendered = try RequestTemplate.render(json: template, vars, key: "body") ?? .null
            if case .object(var o) = rendered {
                for (k, v) in automatic where o[k] == nil { o.append(k, v) }
                rendered = .object(o)
                automatic = []
            }
            let contentType = headers.last { $0.name.lowercased() == "content-type" }?.value.lowercased() ?? ""
            if contentType.hasPrefix("application/x-www-form-urlencoded"), case .object(let o) = rendered {
                body = Array(o.members.map { URLEncoding.encode($0.key) + "=" + URLEncoding.encode($0.value.textValue) }
                    .joined(separator: "&").utf8)
            } else if case .string(let raw) = rendered {
                body = Array(raw.utf8)
            } else {
                body = JSONWriter.canonicalBytes(rendered)
                if contentType.isEmpty { headers.append(HTTPHeader("Content-Type", "application/json")) }
            }
        }
        query += automatic.map { ($0.0, $0.1.textValue) }
        var url = settings.endpoint
        if !query.isEmpty {
            url += (url.contains("?") ? "&" : "?") + query.map { URLEncoding.encode($0.0) + "=" + URLEncoding.encode($0.1) }
                .joined(separator: "&")
        }
        return HTTPRequest(method: settings.method, url: url, headers: headers, body: body)
    }

    /// The response's records (and its parsed body, for cursors and next links).
    static func parse(_ response: HTTPResponse, settings: HTTPJSONSettings, at shown: String) throws(IntakeError)
        -> (JSONValue?, [JSONValue])
    {
        if response.status == 204 || (response.body.isEmpty && settings.ndjson) { return (nil, []) }
        if settings.ndjson {
            var lines: [JSONValue] = []
            var records: [JSONValue] = []
            for result in JSONParser.parseLines(response.body) {
                switch result {
                case .failure(let f):
                    throw IntakeError(.json, "invalid JSON in the NDJSON response: \(f)", at: shown)
                case .success(let line):
                    lines.append(line)
                    guard let path = settings.recordsPath else {
                        records.append(line)
                        continue
                    }
                    switch ResponsePath.value(line, at: path) {
                    case .array(let a)?: records += a
                    case .object(let o)?: records.append(.object(o))
                    default: continue  // a message or progress line without a record
                    }
                }
            }
            return (.array(lines), records)
        }
        let body: JSONValue
        do {
            body = try JSONParser.parse(response.body)
        } catch {
            throw IntakeError(.json, "invalid JSON in the response: \(error)", at: shown)
        }
        return (body, try records(in: body, path: settings.recordsPath ?? "data", at: shown))
    }

    /// The array of records at `path` (`.` means the body itself).
    static func records(in body: JSONValue, path: String, at location: String) throws(IntakeError) -> [JSONValue] {
        switch ResponsePath.value(body, at: path) {
        case .array(let a)?: return a
        case nil, .null?:
            throw IntakeError(.connector, "the response has no records at '\(path)'", at: location,
                              hint: "set configuration.records_path to where the records are")
        case let other?:
            throw IntakeError(.connector, "records_path '\(path)' holds \(other.typeName), not an array of records", at: location)
        }
    }
}

/// The assets whose insecure TLS was already reported in this process.
final class InsecureAssets: Sendable {
    let names = Mutex<Set<String>>([])
}

extension HTTPRequest {
    /// The request without its Authorization header, to be authorised again with a fresh token.
    var withoutAuthorization: HTTPRequest {
        var r = self
        r.headers.removeAll { $0.name.lowercased() == "authorization" }
        return r
    }
}

/// Percent-encoding for query components.
enum URLEncoding {
    static func encode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(b)))
            default:
                let hex = Array("0123456789ABCDEF")
                out.append("%")
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            }
        }
        return out
    }
}
