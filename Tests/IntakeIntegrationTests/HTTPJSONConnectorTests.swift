import Foundation
import IntakeCore
import IntakeStore
import Testing

/// Polls `path` of a fresh API server with `configuration` and checks what was stored.
func pollAPI(records: Int = 25, perPage: Int = 10, _ configuration: (APIServer) -> String, mode: PollMode = .scheduled,
             logs: LogCapture = LogCapture(), server options: (tls: Bool, cert: APIServer.Certificate) = (true, .valid),
             trust: Bool = true,
             check: (ConnectorRunResult, SQLiteStore, APIServer) async throws -> Void) async throws {
    let server = try APIServer(records: apiRecords(records), tls: options.tls, certificate: options.cert, perPage: perPage)
    defer { server.stop() }
    let asset = try AssetDirectory(configuration: configuration(server), trust: options.tls && trust ? server.caFile : nil)
    defer { asset.remove() }
    let (result, store) = try await asset.poll(mode, logger: logs.logger())
    try await check(result, store, server)
    await store.close()
}

/// Expects a failed poll whose message contains `message`, with nothing stored and no checkpoint moved.
func expectNothingStored(_ result: ConnectorRunResult, _ store: SQLiteStore, message: String) async throws {
    let r = try #require(result.actionResults.first)
    #expect(result.status == .failed, "\(r.message)")
    #expect(r.message.contains(message), "\(r.message)")
    #expect(try await store.artifacts(ArtifactQuery()).isEmpty)
    #expect(try await store.containers(ContainerQuery()).isEmpty)
    #expect(try await store.checkpoint(asset: "feed")?.cursor == nil, "a failed poll must not move the checkpoint")
}

@Suite("http_json pagination, formats and methods against a real server", .serialized)
struct HTTPJSONPaginationTests {
    @Test("every pagination kind fetches every record once", arguments: [
        ("none", "/none", "", 1),
        ("page", "/page", "page_size: 10", 3),
        ("offset", "/offset", "page_size: 10", 3),
        ("cursor", "/cursor", "page_size: 10\nquery: { limit: \"{{ limit }}\" }", 3),
        ("next_url", "/next", "", 3),
        ("link_header", "/link", "records_path: \".\"", 3),
    ])
    func pagination(kind: String, path: String, extra: String, pages: Int) async throws {
        try await pollAPI(records: 25, { s in "base_url: \(s.baseURL)\npath: \(path)\npagination: \(kind)\n\(extra)" }) { (result: ConnectorRunResult, store: SQLiteStore, server: APIServer) async throws in
            let r = try #require(result.actionResults.first)
            #expect(result.status == .success, "\(r.message)")
            #expect(r.summary["records"] == 25)
            #expect(r.summary["artifacts_new"] == 25)
            #expect(try await store.artifacts(ArtifactQuery()).count == 25)
            #expect(server.requests.count == pages, "\(server.requests)")
            #expect(try await store.checkpoint(asset: "feed")?.cursor?["time"] != nil)
        }
    }

    @Test("an exact multiple of the page size ends with one empty page")
    func exactPages() async throws {
        try await pollAPI(records: 20, { s in "base_url: \(s.baseURL)\npath: /page\npagination: page\npage_size: 10" }) { (result: ConnectorRunResult, _: SQLiteStore, server: APIServer) async throws in
            #expect(result.actionResults.first?.summary["records"] == 20)
            #expect(server.requests.count == 3)
        }
    }

    @Test("NDJSON responses give one record per line")
    func ndjson() async throws {
        try await pollAPI(records: 12, { s in "base_url: \(s.baseURL)\npath: /ndjson\nresponse_format: ndjson\npagination: none" }) { (result: ConnectorRunResult, store: SQLiteStore, _: APIServer) async throws in
            #expect(result.status == .success, "\(result.actionResults.first?.message ?? "")")
            #expect(try await store.artifacts(ArtifactQuery()).count == 12)
        }
    }

    @Test("a gzip-encoded response is decoded")
    func gzip() async throws {
        try await pollAPI(records: 30, { s in "base_url: \(s.baseURL)\npath: /gzip\npagination: none" }) { (result: ConnectorRunResult, store: SQLiteStore, server: APIServer) async throws in
            #expect(result.status == .success, "\(result.actionResults.first?.message ?? "")")
            #expect(try await store.artifacts(ArtifactQuery()).count == 30)
            #expect(server.requests.first?.hasSuffix("enc=gzip") == true, "\(server.requests)")
        }
    }

    @Test("POST and PUT send the rendered body (JSON, or a form); exact variables keep their JSON type",
          arguments: [("POST", false), ("PUT", false), ("POST", true)])
    func postBody(method: String, form: Bool) async throws {
        let server = try APIServer(records: apiRecords(1))
        defer { server.stop() }
        let asset = try AssetDirectory(configuration: """
            base_url: \(server.baseURL)
            path: /echo
            method: \(method)
            pagination: none\(form ? "\nheaders: { Content-Type: application/x-www-form-urlencoded }" : "")
            time_format: epoch_ms
            query: { from: "{{ start_time }}" }
            body: { size: "{{ limit }}", range: { gte: "{{ start_time }}", label: "t={{ end_time }}" }, after: "{{ cursor }}", max: "{{ container_count }}" }
            records_path: data
            """, mapping: """
            version: 1
            container:
              group_by: "x"
              name: "echo"
            artifacts:
              - name: echo
                source_data_identifier: "{{ method }}"
                cef: { requestMethod: "{{ method }}", message: "{{ body }}", requestContext: "{{ content_type }}" }
            """, trust: server.caFile)
        defer { asset.remove() }
        let (result, store) = try await asset.poll()
        #expect(result.status == .success, "\(result.actionResults.first?.message ?? "")")
        let artifact = try #require(try await store.artifacts(ArtifactQuery()).first)
        #expect(artifact.cef["requestMethod"] == .string(method))
        #expect(artifact.cef["requestContext"] == .string(form ? "application/x-www-form-urlencoded" : "application/json"))
        let body = try #require(artifact.cef["message"])
        if form {
            // A form carries text: nested values as compact JSON.
            #expect(body["size"] == "100")
            #expect(body["max"] == "10000")
            #expect(body["after"] == nil)
            await store.close()
            return
        }
        #expect(body["size"] == .int(100))
        #expect(body["range"]?["gte"]?.intValue != nil, "an exact epoch_ms variable is a number: \(body)")
        #expect(body["range"]?["label"]?.stringValue?.hasPrefix("t=") == true)
        #expect(body["after"] == nil, "no cursor yet: the member is left out")
        #expect(body["max"] == .int(10_000), "the scheduled sentinel is clamped before it reaches the API")
        await store.close()
    }

    @Test("the 50 pages of one poll share one connection")
    func oneConnection() async throws {
        try await pollAPI(records: 50, perPage: 1, { s in "base_url: \(s.baseURL)\npath: /next" }) { (result: ConnectorRunResult, store: SQLiteStore, server: APIServer) async throws in
            #expect(result.actionResults.first?.summary["pages"] == 50)
            #expect(try await store.artifacts(ArtifactQuery()).count == 50)
            let ports = Set(server.requests.map { $0.split(separator: " ")[0] })
            #expect(server.requests.count == 50)
            #expect(ports.count == 1, "the server saw \(ports.count) connections")
        }
    }
}

@Suite("http_json authentication", .serialized)
struct HTTPJSONAuthTests {
    static let logs = LogCapture()

    @Test("every auth kind is accepted by a server that checks it", arguments: [
        ("/auth/basic", "auth: basic\nusername: intake\npassword: pw-S3cr3t-basic"),
        ("/auth/bearer", "auth: bearer\ntoken: tok-S3cr3t-bearer"),
        ("/auth/apikey", "auth: api_key\napi_key: key-S3cr3t-api"),
        ("/auth/apikey", "auth: api_key\napi_key: key-S3cr3t-api\napi_key_in: query\napi_key_name: api_key"),
        ("/auth/oauth2", "auth: oauth2_client_credentials\nclient_id: client-id-1\nclient_secret: cs-S3cr3t-oauth\ntoken_url: TOKEN"),
        ("/auth/oauth2-rotate", "auth: oauth2_client_credentials\nclient_id: client-id-1\nclient_secret: cs-S3cr3t-oauth\ntoken_url: TOKEN\nscope: alerts:read"),
    ])
    func accepted(path: String, auth: String) async throws {
        try await pollAPI(records: 3, { s in
            "base_url: \(s.baseURL)\npath: \(path)\npagination: none\n" + auth.replacingOccurrences(of: "TOKEN", with: s.baseURL + "/oauth2/token")
        }, logs: Self.logs) { (result: ConnectorRunResult, store: SQLiteStore, server: APIServer) async throws in
            let r = try #require(result.actionResults.first)
            #expect(result.status == .success, "\(r.message)")
            #expect(try await store.artifacts(ArtifactQuery()).count == 3)
            if path.hasSuffix("rotate") {
                // The first token is refused once; the connector asks for a new one and retries.
                #expect(server.requests.filter { $0.contains("/oauth2/token") }.count == 2, "\(server.requests)")
            }
            try await expectNoSecrets(in: r.message + "\(r.summary)", store: store)
        }
    }

    @Test("wrong credentials fail with HTTP 401, store nothing and show no secret", arguments: [
        ("/auth/basic", "auth: basic\nusername: intake\npassword: pw-S3cr3t-basic-wrong"),
        ("/auth/bearer", "auth: bearer\ntoken: tok-S3cr3t-bearer-wrong"),
        ("/auth/apikey", "auth: api_key\napi_key: key-S3cr3t-api-wrong\napi_key_in: query\napi_key_name: api_key"),
    ])
    func refused(path: String, auth: String) async throws {
        try await pollAPI(records: 3, { s in "base_url: \(s.baseURL)\npath: \(path)\npagination: none\n\(auth)" }, logs: Self.logs) { (result: ConnectorRunResult, store: SQLiteStore, _: APIServer) async throws in
            try await expectNothingStored(result, store, message: "HTTP 401 Unauthorized")
            let message = result.actionResults.first?.message ?? ""
            #expect(!message.contains("S3cr3t"), "\(message)")
            #expect(message.contains("api_key=********") || !path.contains("apikey"), "\(message)")
        }
    }

    @Test("a refused OAuth2 client fails naming the token request, without the secret")
    func oauthRefused() async throws {
        try await pollAPI(records: 1, { s in
            "base_url: \(s.baseURL)\npath: /auth/oauth2\npagination: none\nauth: oauth2_client_credentials\nclient_id: client-id-1\nclient_secret: cs-S3cr3t-nope\ntoken_url: \(s.baseURL)/oauth2/token"
        }, logs: Self.logs) { (result: ConnectorRunResult, store: SQLiteStore, _: APIServer) async throws in
            try await expectNothingStored(result, store, message: "the OAuth2 token request failed")
            #expect((result.actionResults.first?.message ?? "").contains("S3cr3t") == false)
        }
    }

    @Test("after the auth tests, no secret appears in any captured log line")
    func logsAreClean() async throws {
        try await accepted(path: "/auth/basic", auth: "auth: basic\nusername: intake\npassword: pw-S3cr3t-basic")
        try await accepted(path: "/auth/oauth2-rotate",
                           auth: "auth: oauth2_client_credentials\nclient_id: client-id-1\nclient_secret: cs-S3cr3t-oauth\ntoken_url: TOKEN")
        let text = Self.logs.text
        #expect(!text.isEmpty)
        for secret in APIServer.secrets {
            #expect(!text.contains(secret), "a log line shows \(secret)")
        }
        #expect(!text.lowercased().contains("authorization: "))
    }

    func expectNoSecrets(in text: String, store: SQLiteStore) async throws {
        let stored = try await store.artifacts(ArtifactQuery()).map { "\($0)" }.joined()
        for secret in APIServer.secrets {
            #expect(!text.contains(secret))
            #expect(!stored.contains(secret))
        }
    }
}

@Suite("http_json checkpoints and token caching", .serialized)
struct HTTPJSONStateTests {
    @Test("a failing poll after a good one leaves the checkpoint exactly where it was")
    func checkpointStays() async throws {
        let server = try APIServer(records: apiRecords(5))
        defer { server.stop() }
        let asset = try AssetDirectory(configuration: "base_url: \(server.baseURL)\npath: /none\npagination: none", trust: server.caFile)
        defer { asset.remove() }
        let (good, s1) = try await asset.poll()
        #expect(good.status == .success)
        let before = try #require(try await s1.checkpoint(asset: "feed")?.cursor)
        await s1.close()
        // The same asset now meets a server error.
        let file = asset.directory + "/assets/feed.yaml"
        try (try String(contentsOfFile: file, encoding: .utf8)).replacingOccurrences(of: "path: /none", with: "path: /status")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let (bad, s2) = try await asset.poll()
        #expect(bad.status == .failed)
        #expect(try await s2.checkpoint(asset: "feed")?.cursor == before)
        #expect(try await s2.artifacts(ArtifactQuery()).count == 5)
        await s2.close()
    }

    @Test("an OAuth2 token is cached across polls of one asset")
    func tokenCached() async throws {
        let server = try APIServer(records: apiRecords(2))
        defer { server.stop() }
        let asset = try AssetDirectory(configuration: """
            base_url: \(server.baseURL)
            path: /auth/oauth2
            pagination: none
            auth: oauth2_client_credentials
            client_id: client-id-1
            client_secret: cs-S3cr3t-oauth
            token_url: \(server.baseURL)/oauth2/token
            """, trust: server.caFile)
        defer { asset.remove() }
        for _ in 0..<3 {
            let (result, store) = try await asset.poll(.pollNow)
            #expect(result.status == .success, "\(result.actionResults.first?.message ?? "")")
            await store.close()
        }
        #expect(server.requests.filter { $0.contains("/oauth2/token") }.count == 1, "\(server.requests)")
        #expect(server.requests.filter { $0.contains("/auth/oauth2") }.count == 3)
    }
}
