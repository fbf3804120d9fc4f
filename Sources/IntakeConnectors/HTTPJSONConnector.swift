import IntakeCore
import IntakeHTTP
import Logging

/// The generic HTTP JSON poller: GETs a URL with the window in its query, takes records from a
/// path in the body, and follows a `next` link found in the body until there is none.
///
/// Configuration keys: `base_url` (required), `path`, `headers`, `query` (values may use
/// `{{ start_time }}`, `{{ end_time }}`, `{{ container_count }}`, `{{ artifact_count }}`),
/// `time_format` (`iso8601`, `epoch_ms`, `epoch_s`), `records_path` (default `data`),
/// `next_path` (default `next`), `max_pages`, `verify_server_cert`, `ca_bundle`, `timeout`.
public struct HTTPJSONConnector: Connector {
    public static let appId = "http_json"

    public init() {}

    public func testConnectivity(_ context: ConnectorContext) async throws(IntakeError) -> ActionResult {
        let session = try makeSession(context)
        let url = try firstURL(context, parameters: nil)
        let response = try await session.send(HTTPRequest(url: url, headers: try headers(context)))
        let shown = context.redactor.redact(url)
        return ActionResult(status: .success, message: "Test connectivity passed: HTTP \(response.status) from \(shown)",
                            summary: ["status": .int(Int64(response.status)),
                                      "latency_ms": .int(Int64(response.totalTime * 1000)),
                                      "http_version": .string(response.httpVersion)])
    }

    public func poll(_ parameters: PollParameters, context: ConnectorContext,
                     emit: (ConnectorPage) async throws(IntakeError) -> Bool) async throws(IntakeError) {
        let session = try makeSession(context)
        let headers = try headers(context)
        let recordsPath = context.configString("records_path") ?? "data"
        let nextPath = context.configString("next_path") ?? "next"
        let maxPages = context.config("max_pages")?.intValue ?? 10_000
        var url: String? = try firstURL(context, parameters: parameters)
        var seen: Set<String> = []
        var pages: Int64 = 0
        while let current = url {
            let shown = context.redactor.redact(current)
            guard seen.insert(current).inserted else {
                throw IntakeError(.connector, "the server sent a next link that was already fetched; stopping to avoid an endless loop",
                                  at: shown)
            }
            pages += 1
            if pages > maxPages {
                throw IntakeError(.connector, "more than max_pages (\(maxPages)) pages in one window", at: shown,
                                  hint: "raise configuration.max_pages or narrow the window")
            }
            let response = try await session.send(HTTPRequest(url: current, headers: headers))
            let body: JSONValue
            do {
                body = try JSONParser.parse(response.body)
            } catch {
                throw IntakeError(.json, "invalid JSON in the response: \(error)", at: shown)
            }
            let records = try HTTPJSONConnector.records(in: body, path: recordsPath, at: shown)
            let next = body.value(atPath: nextPath).flatMap { v -> String? in
                guard case .string(let s) = v, !s.isEmpty else { return nil }
                return s
            }
            url = try next.map { n throws(IntakeError) in try HTTPJSONConnector.resolve(n, against: current, at: shown) }
            let keepGoing = try await emit(ConnectorPage(records: records, isLast: url == nil, source: shown))
            if !keepGoing { return }
        }
    }

    func makeSession(_ context: ConnectorContext) throws(IntakeError) -> HTTPSession {
        var config = HTTPClientConfiguration()
        let verify = try context.configBool("verify_server_cert", default: true)
        if !verify {
            context.logger.warning("TLS certificate verification is off for this asset", metadata: ["asset": "\(context.asset.name)"])
        }
        let pem = try TrustStore.assemble(assetBundle: context.configString("ca_bundle").map(context.service.resolve),
                                          serviceBundle: context.service.caBundle,
                                          certsDirectory: context.service.certsDirectory)
        config.tls = TLSSettings(verifyServerCertificate: verify, trustedPEM: pem.isEmpty ? nil : pem)
        if let t = context.configString("timeout") {
            guard let d = IntakeDuration(parsing: t), d.microseconds > 0 else {
                throw IntakeError(.configuration, "configuration.timeout must be a duration such as 30s, found '\(t)'", at: context.asset.file)
            }
            config.totalTimeout = d
        }
        return try HTTPSession(configuration: config, logger: context.logger, redactor: context.redactor)
    }

    func headers(_ context: ConnectorContext) throws(IntakeError) -> [HTTPHeader] {
        var out = [HTTPHeader("Accept", "application/json")]
        if let h = context.config("headers") {
            guard case .object(let o) = h else {
                throw IntakeError(.configuration, "configuration.headers must be a mapping of header names to values", at: context.asset.file)
            }
            for m in o.members { out.append(HTTPHeader(m.key, m.value.textValue)) }
        }
        return out
    }

    func firstURL(_ context: ConnectorContext, parameters: PollParameters?) throws(IntakeError) -> String {
        guard let base = context.configString("base_url") else {
            throw IntakeError(.configuration, "configuration.base_url is required", at: context.asset.file)
        }
        guard base.hasPrefix("http://") || base.hasPrefix("https://") else {
            throw IntakeError(.configuration, "configuration.base_url must start with http:// or https://", at: context.asset.file)
        }
        var url = base
        if let path = context.configString("path") {
            url = (url.hasSuffix("/") ? String(url.dropLast()) : url) + (path.hasPrefix("/") ? path : "/" + path)
        }
        if let q = context.config("query") {
            guard case .object(let o) = q else {
                throw IntakeError(.configuration, "configuration.query must be a mapping of parameter names to values", at: context.asset.file)
            }
            let format = context.configString("time_format") ?? "iso8601"
            var parts: [String] = []
            for m in o.members {
                let value = try render(m.value.textValue, parameters: parameters, timeFormat: format, context: context)
                parts.append(URLEncoding.encode(m.key) + "=" + URLEncoding.encode(value))
            }
            if !parts.isEmpty { url += (url.contains("?") ? "&" : "?") + parts.joined(separator: "&") }
        }
        return url
    }

    /// Substitutes the window variables in a configuration template.
    func render(_ template: String, parameters: PollParameters?, timeFormat: String,
                context: ConnectorContext) throws(IntakeError) -> String {
        guard template.contains("{{") else { return template }
        func time(_ t: Timestamp) throws(IntakeError) -> String {
            switch timeFormat {
            case "iso8601": return t.iso8601Seconds
            case "iso8601_micro": return t.iso8601
            case "epoch_ms": return String(t.milliseconds)
            case "epoch_s", "epoch": return String(t.microseconds / 1_000_000)
            default:
                throw IntakeError(.configuration, "configuration.time_format must be iso8601, iso8601_micro, epoch_ms or epoch_s",
                                  at: context.asset.file)
            }
        }
        var out = template
        let now = Timestamp.now()
        let p = parameters
        let values: [(String, String)] = [
            ("start_time", try time(p?.startTime ?? now.subtracting(.days(10)))),
            ("end_time", try time(p?.endTime ?? now)),
            ("container_count", String(p?.clampedContainerCount() ?? 100)),
            ("artifact_count", String(p.map { $0.artifactCount >= PollParameters.scheduledSentinel ? 10_000 : $0.artifactCount } ?? 1000)),
        ]
        for (name, value) in values {
            out = out.replacingAll("{{ \(name) }}", with: value).replacingAll("{{\(name)}}", with: value)
        }
        if out.contains("{{") {
            throw IntakeError(.configuration, "unknown variable in '\(template)'; known: start_time, end_time, container_count, artifact_count",
                              at: context.asset.file)
        }
        return out
    }

    /// The array of records at `path` (dotted; empty means the body itself).
    static func records(in body: JSONValue, path: String, at location: String) throws(IntakeError) -> [JSONValue] {
        let v = path == "." ? body : body.value(atPath: path)
        switch v {
        case .array(let a)?: return a
        case nil, .null?:
            throw IntakeError(.connector, "the response has no records at '\(path)'", at: location,
                              hint: "set configuration.records_path to where the records are")
        case let other?:
            throw IntakeError(.connector, "records_path '\(path)' holds \(other.typeName), not an array of records", at: location)
        }
    }

    /// Resolves a next link: absolute http(s) URLs as they are, paths against the current URL's origin.
    static func resolve(_ next: String, against current: String, at location: String) throws(IntakeError) -> String {
        if next.hasPrefix("http://") || next.hasPrefix("https://") { return next }
        if next.contains("://") {
            throw IntakeError(.connector, "refusing a next link with a scheme other than http or https", at: location)
        }
        guard let schemeEnd = current.firstRange(of: "://") else { return next }
        let afterScheme = current[schemeEnd.upperBound...]
        let originEnd = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
        let origin = String(current[..<originEnd])
        if next.hasPrefix("/") { return origin + next }
        if next.hasPrefix("?") {
            let base = current.split(separator: "?", maxSplits: 1).first.map(String.init) ?? current
            return base + next
        }
        let path = current[originEnd...].split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
        let dir = path.lastIndex(of: "/").map { String(path[...$0]) } ?? "/"
        return origin + dir + next
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
