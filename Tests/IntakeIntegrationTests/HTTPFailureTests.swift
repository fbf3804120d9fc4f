import Foundation
import IntakeCore
import IntakeHTTP
import IntakeStore
import Synchronization
import Testing

@Suite("http_json failures: each stores nothing and leaves the checkpoint", .serialized)
struct HTTPFailureTests {
    @Test("503 twice with Retry-After, then 200: the poll succeeds and logs each retry with its reason",
          arguments: ["1", "date"])
    func retryAfter(form: String) async throws {
        let logs = LogCapture()
        try await pollAPI(records: 4, { s in "base_url: \(s.baseURL)\npath: /flaky\nquery: { retry_after: \"\(form)\" }\npagination: none" },
                          logs: logs) { (result: ConnectorRunResult, store: SQLiteStore, server: APIServer) async throws in
            #expect(result.status == .success, "\(result.actionResults.first?.message ?? "")")
            #expect(try await store.artifacts(ArtifactQuery()).count == 4)
            #expect(server.requests.count == 3)
            let retries = logs.lines.withLock { $0.filter { $0.contains("retrying request") } }
            #expect(retries.count == 2, "\(retries)")
            #expect(retries.allSatisfy { $0.contains("HTTP 503 Service Unavailable") }, "\(retries)")
        }
    }

    @Test("a 4xx other than 429 is not retried")
    func noRetryOn400() async throws {
        try await pollAPI({ s in "base_url: \(s.baseURL)\npath: /flaky\nquery: { status: \"400\", fails: \"5\" }\npagination: none" }) { (result: ConnectorRunResult, store: SQLiteStore, server: APIServer) async throws in
            try await expectNothingStored(result, store, message: "HTTP 400 Bad Request")
            #expect(server.requests.count == 1)
        }
    }

    @Test("429 is retried, but only up to the attempt bound")
    func boundedAttempts() async throws {
        try await pollAPI({ s in "base_url: \(s.baseURL)\npath: /flaky\nquery: { status: \"429\", fails: \"99\", retry_after: \"0\" }\npagination: none" }) { (result: ConnectorRunResult, store: SQLiteStore, server: APIServer) async throws in
            try await expectNothingStored(result, store, message: "HTTP 429 Too Many Requests")
            #expect(server.requests.count == RetryPolicy().maxAttempts)
        }
    }

    @Test("a server that never answers times out")
    func hang() async throws {
        let server = try APIServer(records: apiRecords(1))
        defer { server.stop() }
        let pem = try TrustStore.assemble(assetBundle: server.caFile, serviceBundle: nil, certsDirectory: nil)
        let session = try HTTPSession(configuration: HTTPClientConfiguration(
            totalTimeout: .seconds(1), tls: TLSSettings(trustedPEM: pem), retry: RetryPolicy(maxAttempts: 2, baseDelay: .seconds(0))))
        do {
            _ = try await session.send(HTTPRequest(url: server.baseURL + "/hang"))
            Issue.record("a hanging server answered")
        } catch {
            #expect(error.code == .timeout, "\(error)")
            #expect(error.message.contains("timed out"), "\(error)")
        }
        #expect(server.requests.count == 2, "a timeout is retried up to the bound: \(server.requests)")
    }

    @Test("a poll against a hanging server fails with a timeout and stores nothing")
    func hangingPoll() async throws {
        try await pollAPI({ s in "base_url: \(s.baseURL)\npath: /hang\npagination: none\ntimeout: 1" }) { (result: ConnectorRunResult, store: SQLiteStore, _: APIServer) async throws in
            try await expectNothingStored(result, store, message: "timed out")
        }
    }

    @Test("a body over the size cap is refused")
    func sizeCap() async throws {
        let server = try APIServer(records: apiRecords(1))
        defer { server.stop() }
        let pem = try TrustStore.assemble(assetBundle: server.caFile, serviceBundle: nil, certsDirectory: nil)
        let session = try HTTPSession(configuration: HTTPClientConfiguration(maxResponseBytes: 100_000, tls: TLSSettings(trustedPEM: pem)))
        do {
            _ = try await session.send(HTTPRequest(url: server.baseURL + "/big?bytes=500000"))
            Issue.record("an oversized body passed")
        } catch {
            #expect(error.message.contains("larger than the 100000-byte cap"), "\(error)")
        }
        #expect(server.requests.count == 1, "an oversized body is not retried")
    }

    @Test("a redirect to file:// is refused")
    func redirectToFile() async throws {
        try await pollAPI({ s in "base_url: \(s.baseURL)\npath: /redirect-file\npagination: none" }) { (result: ConnectorRunResult, store: SQLiteStore, _: APIServer) async throws in
            try await expectNothingStored(result, store, message: "protocol other than http or https")
        }
    }

    @Test("an http redirect is followed")
    func redirect() async throws {
        try await pollAPI(records: 5, { s in "base_url: \(s.baseURL)\npath: /redirect\npagination: none" }) { (result: ConnectorRunResult, store: SQLiteStore, _: APIServer) async throws in
            #expect(result.status == .success, "\(result.actionResults.first?.message ?? "")")
            #expect(try await store.artifacts(ArtifactQuery()).count == 5)
        }
    }

    @Test("expired and self-signed certificates fail naming the host and the reason",
          arguments: [(APIServer.Certificate.expired, "expired"), (.selfSigned, "self-signed")])
    func badCertificate(kind: APIServer.Certificate, reason: String) async throws {
        try await pollAPI({ s in "base_url: \(s.baseURL)\npath: /none\npagination: none" }, server: (true, kind)) { (result: ConnectorRunResult, store: SQLiteStore, server: APIServer) async throws in
            try await expectNothingStored(result, store, message: "TLS verification of 127.0.0.1:\(server.port) failed")
            #expect(result.actionResults.first?.message.lowercased().contains(reason) == true, "\(result.actionResults.first?.message ?? "")")
        }
    }

    @Test("verify_server_cert: false accepts a self-signed certificate and warns once")
    func insecure() async throws {
        let logs = LogCapture()
        let server = try APIServer(records: apiRecords(2), certificate: .selfSigned)
        defer { server.stop() }
        let asset = try AssetDirectory(name: "insecure-\(server.port)",
                                       configuration: "base_url: \(server.baseURL)\npath: /none\npagination: none\nverify_server_cert: false")
        defer { asset.remove() }
        for _ in 0..<2 {
            let (result, store) = try await asset.poll(.pollNow, logger: logs.logger())
            #expect(result.status == .success, "\(result.actionResults.first?.message ?? "")")
            await store.close()
        }
        let warnings = logs.lines.withLock { $0.filter { $0.contains("verification is off") } }
        #expect(warnings.count == 1, "\(warnings)")
    }

    @Test("a client certificate (mTLS) is presented when configured, and required by the server")
    func mutualTLS() async throws {
        let server = try APIServer(records: apiRecords(3), clientCertificates: true)
        defer { server.stop() }
        for withCert in [false, true] {
            let cert = withCert ? "\nclient_cert: \(server.tlsDirectory)/client.pem\nclient_key: \(server.tlsDirectory)/client.key" : ""
            let asset = try AssetDirectory(configuration: "base_url: \(server.baseURL)\npath: /none\npagination: none\(cert)", trust: server.caFile)
            defer { asset.remove() }
            let (result, store) = try await asset.poll()
            if withCert {
                #expect(result.status == .success, "\(result.actionResults.first?.message ?? "")")
                #expect(try await store.artifacts(ArtifactQuery()).count == 3)
            } else {
                try await expectNothingStored(result, store, message: "refused the TLS client certificate")
                #expect(server.requests.isEmpty, "a refused client certificate is not retried")
            }
            await store.close()
        }
    }

    @Test("requests go through a proxy with credentials, which never show")
    func proxy() async throws {
        let logs = LogCapture()
        try await pollAPI(records: 4, { s in
            "base_url: http://127.0.0.1:9/\npath: /none\npagination: none\nproxy: \(s.baseURL)\nproxy_username: proxy-user\nproxy_password: px-S3cr3t-proxy"
        }, logs: logs, server: (false, .valid)) { (result: ConnectorRunResult, store: SQLiteStore, server: APIServer) async throws in
            #expect(result.status == .success, "\(result.actionResults.first?.message ?? "")")
            #expect(try await store.artifacts(ArtifactQuery()).count == 4)
            #expect(server.requests.contains { $0.hasSuffix("via-proxy") }, "\(server.requests)")
        }
        #expect(!logs.text.contains("px-S3cr3t-proxy"))
    }

    @Test("wrong proxy credentials fail with 407")
    func proxyRefused() async throws {
        try await pollAPI({ s in
            "base_url: http://127.0.0.1:9/\npath: /none\npagination: none\nproxy: \(s.baseURL)\nproxy_username: proxy-user\nproxy_password: px-S3cr3t-wrong"
        }, server: (false, .valid)) { (result: ConnectorRunResult, store: SQLiteStore, _: APIServer) async throws in
            try await expectNothingStored(result, store, message: "407")
            #expect((result.actionResults.first?.message ?? "").contains("px-S3cr3t") == false)
        }
    }

    @Test("bad responses fail clearly and save nothing from the broken page", arguments: [
        ("path: /none\nrecords_path: items\npagination: none", "the response has no records at 'items'"),
        ("path: /none\nrecords_path: data.0\npagination: none", "records_path 'data.0' holds object, not an array of records"),
        ("path: /repeat-cursor\npagination: cursor", "returned the cursor \"same\" again"),
        ("path: /ndjson-bad\nresponse_format: ndjson\npagination: none", "invalid JSON in the NDJSON response: line 2"),
    ])
    func badResponses(extra: String, message: String) async throws {
        try await pollAPI(records: 3, { s in "base_url: \(s.baseURL)\n\(extra)" }) { (result: ConnectorRunResult, store: SQLiteStore, _: APIServer) async throws in
            let r = try #require(result.actionResults.first)
            #expect(result.status == .failed)
            #expect(r.message.contains(message), "\(r.message)")
            #expect(try await store.checkpoint(asset: "feed")?.cursor == nil)
            // A repeating cursor stops after the first page, which was complete and stays saved.
            #expect(try await store.artifacts(ArtifactQuery()).count == (extra.contains("repeat") ? 1 : 0))
        }
    }

    @Test("a configuration error names the key and the asset file", arguments: [
        ("base_url: ftp://x\n", "configuration.base_url must start with http:// or https://"),
        ("base_url: https://x\npagination: pages\n", "configuration.pagination: 'pages' is not one of"),
        ("base_url: https://x\nauth: bearer\n", "configuration.token is required when auth is bearer"),
        ("base_url: https://x\ntime_format: weird\n", "configuration.time_format must be"),
        ("base_url: https://x\nquery: { a: \"{{ nope }}\" }\npagination: none\n", "unknown variable 'nope'"),
    ])
    func badConfiguration(configuration: String, message: String) async throws {
        let asset = try AssetDirectory(configuration: configuration)
        defer { asset.remove() }
        let (result, store) = try await asset.poll()
        let r = try #require(result.actionResults.first)
        #expect(result.status == .failed)
        #expect(r.message.contains(message), "\(r.message)")
        #expect(r.message.contains("feed.yaml") || message.contains("nope"), "\(r.message)")
        await store.close()
    }

    @Test("test connectivity reports status, latency and the TLS session")
    func testConnectivity() async throws {
        let server = try APIServer(records: apiRecords(1))
        defer { server.stop() }
        let asset = try AssetDirectory(configuration: "base_url: \(server.baseURL)\npath: /none\nauth: bearer\ntoken: tok-S3cr3t-bearer",
                                       trust: server.caFile)
        defer { asset.remove() }
        let result = try await asset.checkConnectivity()
        let r = try #require(result.actionResults.first)
        #expect(result.status == .success, "\(r.message)")
        #expect(r.summary["status"] == 200)
        #expect(r.summary["latency_ms"]?.intValue != nil)
        #expect(r.summary["tls_version"]?.stringValue?.hasPrefix("TLSv1.") == true, "\(r.summary)")
        #expect(r.summary["certificate_issuer"]?.stringValue?.contains("Intake Test CA") == true, "\(r.summary)")
        #expect(r.summary["certificate_subject"]?.stringValue?.contains("localhost") == true, "\(r.summary)")
        #expect(r.summary["certificate_expires"]?.stringValue?.isEmpty == false)
        #expect(server.requests.count == 1)
        #expect(!r.message.contains("S3cr3t"))
    }

    @Test("many sessions blocked on a hanging server do not starve the cooperative pool or other polls")
    func noStarvation() async throws {
        let server = try APIServer(records: apiRecords(3))
        defer { server.stop() }
        let pem = try TrustStore.assemble(assetBundle: server.caFile, serviceBundle: nil, certsDirectory: nil)
        let config = HTTPClientConfiguration(totalTimeout: .seconds(30), tls: TLSSettings(trustedPEM: pem), retry: .none)
        let finished = Counter()
        let hanging = 12  // more blocked transfers than cores
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<hanging {
                group.addTask {
                    let s = try HTTPSession(configuration: config)
                    _ = try? await s.send(HTTPRequest(url: server.baseURL + "/hang?seconds=15"))
                    finished.value.add(1, ordering: .relaxed)
                }
            }
            // Wait until every hanging request reached the server.
            for _ in 0..<400 where server.requests.filter({ $0.contains("/hang") }).count < hanging { try await Task.sleep(nanoseconds: 20_000_000) }
            let fast = try HTTPSession(configuration: config)
            let response = try await fast.send(HTTPRequest(url: server.baseURL + "/none"))
            #expect(response.status == 200)
            #expect(finished.value.load(ordering: .relaxed) == 0, "the fast request completed while all slow ones were still blocked")
            try await group.waitForAll()
        }
        #expect(finished.value.load(ordering: .relaxed) == hanging)
    }
}

/// A counter shared with child tasks.
final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
