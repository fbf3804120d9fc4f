import Foundation
import IntakeCore
import IntakeHTTP
import IntakeScheduler
import IntakeStore
import Logging
import Testing

/// A configuration directory for one test: intake.yaml with its own SQLite store, one asset, one mapping.
struct TestConfig {
    let directory: String
    let storePath: String

    /// - Parameter store: the store URL for intake.yaml; nil is a SQLite store in the directory.
    init(server: FeedServer, trustCA: String?, verify: Bool = true, path: String = "/api/v1/alerts", store: String? = nil) throws {
        directory = try makeTemporaryDirectory("config")
        storePath = directory + "/data/intake.sqlite"
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory + "/assets", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: directory + "/mappings", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: directory + "/certs", withIntermediateDirectories: true)
        if let trustCA { try fm.copyItem(atPath: trustCA, toPath: directory + "/certs/feed-ca.pem") }
        try "store: \(store ?? "sqlite://data/intake.sqlite")\n".write(toFile: directory + "/intake.yaml", atomically: true, encoding: .utf8)
        try """
            name: feed
            app: http_json
            configuration:
              base_url: \(server.baseURL)
              path: \(path)
              query: { earliest: "{{ start_time }}", latest: "{{ end_time }}" }
              verify_server_cert: \(verify)
            ingest:
              label: incident
              mapping: mappings/feed.yaml
              first_run: { lookback: 30d }
            """.write(toFile: directory + "/assets/feed.yaml", atomically: true, encoding: .utf8)
        try """
            version: 1
            container:
              group_by: "{{ incident_id }}"
              name: "{{ rule_name }}"
              severity: "{{ urgency }}"
            artifacts:
              - name: alert
                source_data_identifier: "{{ event_id }}"
                start_time: "{{ _time | time }}"
                cef: { sourceAddress: "{{ src }}", destinationPort: "{{ dest_port | int }}" }
            """.write(toFile: directory + "/mappings/feed.yaml", atomically: true, encoding: .utf8)
    }

    func poll(_ mode: PollMode = .scheduled) async throws -> (ConnectorRunResult, SQLiteStore) {
        let loader = ConfigLoader(directory: directory)
        let service = try loader.service()
        let store = try await SQLiteStore(path: storePath)
        let runner = PollRunner(loader: loader, service: service, store: store, logger: Logger(label: "test"))
        return (await runner.poll(assetName: "feed", options: PollOptions(mode: mode)), store)
    }

    /// Adds an asset like `feed` under another name (its own containers and checkpoint).
    func addAsset(named name: String) throws {
        let feed = try String(contentsOfFile: directory + "/assets/feed.yaml", encoding: .utf8)
        try feed.replacingOccurrences(of: "name: feed\n", with: "name: \(name)\n")
            .write(toFile: directory + "/assets/\(name).yaml", atomically: true, encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

@Suite("Polling a real HTTPS server", .serialized)
struct PollOverHTTPSTests {
    @Test("with the server's CA trusted, every record is stored and the checkpoint moves")
    func rightCA() async throws {
        let server = try FeedServer(records: sampleRecords(45))
        defer { server.stop() }
        let config = try TestConfig(server: server, trustCA: server.caFile)
        defer { config.remove() }
        let (result, store) = try await config.poll()
        defer { Task { await store.close() } }
        let r = try #require(result.actionResults.first)
        #expect(result.status == .success, "\(r.message)")
        #expect(r.summary["records"] == 45)
        #expect(r.summary["pages"] == 5)
        #expect(r.summary["containers_new"] == 7)
        #expect(r.summary["artifacts_new"] == 45)
        #expect(try await store.artifacts(ArtifactQuery()).count == 45)
        let checkpoint = try #require(try await store.checkpoint(asset: "feed"))
        #expect(checkpoint.firstRun == false)
        #expect(checkpoint.cursor?["time"]?.stringValue != nil)
        // The window went to the server in the query.
        #expect(server.requests.first?.contains("earliest=") == true)
    }

    @Test("polling twice stores nothing new")
    func twice() async throws {
        let server = try FeedServer(records: sampleRecords(30))
        defer { server.stop() }
        let config = try TestConfig(server: server, trustCA: server.caFile)
        defer { config.remove() }
        let (first, s1) = try await config.poll(.pollNow)
        await s1.close()
        let (second, s2) = try await config.poll(.pollNow)
        let r1 = try #require(first.actionResults.first), r2 = try #require(second.actionResults.first)
        #expect(r1.summary["artifacts_new"] == 30)
        #expect(r2.summary["containers_new"] == 0)
        #expect(r2.summary["containers_duplicate"] == 7)
        #expect(r2.summary["artifacts_new"] == 0)
        #expect(r2.summary["artifacts_duplicate"] == 30)
        #expect(try await s2.artifacts(ArtifactQuery()).count == 30)
        #expect(try await s2.checkpoint(asset: "feed") == nil, "poll now never moves the scheduled checkpoint")
        await s2.close()
    }

    @Test("with a wrong CA the poll fails naming the host and the TLS failure, and stores nothing")
    func wrongCA() async throws {
        let server = try FeedServer(records: sampleRecords(10))
        defer { server.stop() }
        let config = try TestConfig(server: server, trustCA: try FeedServer.unrelatedCA())
        defer { config.remove() }
        try await expectTLSFailure(config, server)
    }

    @Test("with no CA for the server (system bundle only) the poll fails the same way")
    func missingCA() async throws {
        let server = try FeedServer(records: sampleRecords(10))
        defer { server.stop() }
        let config = try TestConfig(server: server, trustCA: nil)
        defer { config.remove() }
        try await expectTLSFailure(config, server)
    }

    func expectTLSFailure(_ config: TestConfig, _ server: FeedServer) async throws {
        let (result, store) = try await config.poll()
        let r = try #require(result.actionResults.first)
        #expect(result.status == .failed)
        #expect(r.message.contains("TLS verification of 127.0.0.1:\(server.port) failed"), "\(r.message)")
        #expect(r.message.lowercased().contains("certificate"), "\(r.message)")
        #expect(try await store.containers(ContainerQuery()).isEmpty)
        #expect(try await store.artifacts(ArtifactQuery()).isEmpty)
        let checkpoint = try await store.checkpoint(asset: "feed")
        #expect(checkpoint?.cursor == nil, "a failed poll must not move the checkpoint")
        #expect(checkpoint?.lastError?.contains("TLS") == true)
        let runs = try await store.runs(asset: "feed", limit: 5)
        #expect(runs.first?.status == "failed")
        await store.close()
    }

    @Test("the pages of one session reuse one connection")
    func connectionReuse() async throws {
        let server = try FeedServer(records: sampleRecords(50), perPage: 5)
        defer { server.stop() }
        let pem = try TrustStore.assemble(assetBundle: server.caFile, serviceBundle: nil, certsDirectory: nil)
        let session = try HTTPSession(configuration: HTTPClientConfiguration(tls: TLSSettings(trustedPEM: pem)))
        for page in 1...10 {
            let response = try await session.send(HTTPRequest(url: server.baseURL + "/api/v1/alerts?per_page=5&page=\(page)"))
            #expect(response.status == 200)
        }
        #expect(session.connectionsOpened == 1)
        let clientPorts = Set(server.requests.map { $0.split(separator: " ")[0] })
        #expect(clientPorts.count == 1, "the server saw \(clientPorts.count) connections")
    }

    @Test("HTTP errors name the status and the URL")
    func httpError() async throws {
        let server = try FeedServer(records: sampleRecords(1))
        defer { server.stop() }
        let pem = try TrustStore.assemble(assetBundle: server.caFile, serviceBundle: nil, certsDirectory: nil)
        let session = try HTTPSession(configuration: HTTPClientConfiguration(tls: TLSSettings(trustedPEM: pem), retry: .none))
        do {
            _ = try await session.send(HTTPRequest(url: server.baseURL + "/nope"))
            Issue.record("a 404 passed")
        } catch {
            #expect(error.code == .http)
            #expect(error.message.hasPrefix("HTTP 404 Not Found from 127.0.0.1:\(server.port)"), "\(error)")
        }
    }
}

@Suite("Bad answers from a server", .serialized)
struct BadServerTests {
    /// Serves `files` (name → body) beside the feed and polls the first one.
    func poll(_ files: [String: String], first: String, raw: [String: [UInt8]] = [:]) async throws
        -> (ConnectorRunResult, SQLiteStore, FeedServer, TestConfig)
    {
        let server = try FeedServer(records: sampleRecords(1))
        for (name, body) in files.mapValues({ Array($0.utf8) }).merging(raw, uniquingKeysWith: { $1 }) {
            try Data(body).write(to: URL(fileURLWithPath: server.directory + "/" + name))
        }
        let config = try TestConfig(server: server, trustCA: server.caFile, path: "/" + first)
        let (result, store) = try await config.poll()
        return (result, store, server, config)
    }

    func expectFailure(_ files: [String: String], first: String, message: String, stored: Int = 0,
                       raw: [String: [UInt8]] = [:]) async throws {
        let (result, store, server, config) = try await poll(files, first: first, raw: raw)
        defer {
            server.stop()
            config.remove()
        }
        let r = try #require(result.actionResults.first)
        #expect(result.status == .failed)
        #expect(r.message.contains(message), "\(r.message)")
        #expect(r.message.contains("127.0.0.1:\(server.port)/"), "the error names the URL: \(r.message)")
        #expect(try await store.artifacts(ArtifactQuery()).count == stored)
        let checkpoint = try await store.checkpoint(asset: "feed")
        #expect(checkpoint?.cursor == nil, "a failed poll must not move the checkpoint")
        await store.close()
    }

    static func page(_ ids: [Int], next: String?) -> String {
        let records = ids.map { #"{"event_id": "e\#($0)", "incident_id": "I", "src": "10.0.0.\#($0)", "dest_port": "22"}"# }
        return #"{"data": [\#(records.joined(separator: ","))], "next": \#(next.map { "\"\($0)\"" } ?? "null")}"#
    }

    @Test("invalid JSON fails with its line and column")
    func invalidJSON() async throws {
        try await expectFailure(["bad.json": "{\"data\": [1, 2,, 3]}"], first: "bad.json",
                                message: "invalid JSON in the response: line 1, column 16")
    }

    @Test("invalid UTF-8 in a response fails clearly")
    func invalidUTF8() async throws {
        let body = Array(#"{"data": ["caf"#.utf8) + [0xC3, 0x28] + Array(#""]}"#.utf8)
        try await expectFailure([:], first: "bad.json",
                                message: "invalid JSON in the response: line 1, column 15: invalid UTF-8 in string",
                                raw: ["bad.json": body])
    }

    @Test("a records path that is missing or not an array fails clearly", arguments: [
        (#"{"items": []}"#, "the response has no records at 'data'"),
        (#"{"data": {"a": 1}}"#, "records_path 'data' holds object, not an array of records"),
    ])
    func recordsPath(body: String, message: String) async throws {
        try await expectFailure(["p.json": body], first: "p.json", message: message)
    }

    @Test("a next link that repeats stops the poll instead of looping")
    func repeatingCursor() async throws {
        try await expectFailure(["a.json": Self.page([1], next: "/b.json"), "b.json": Self.page([2], next: "/a.json")],
                                first: "a.json", message: "already fetched", stored: 2)
    }

    @Test("a broken second page: the first page stays saved once, the checkpoint stays put, a re-poll duplicates nothing")
    func brokenSecondPage() async throws {
        let files = ["a.json": Self.page([1, 2], next: "/b.json"), "b.json": "{not json"]
        let (first, store, server, config) = try await poll(files, first: "a.json")
        defer {
            server.stop()
            config.remove()
        }
        #expect(first.status == .failed)
        #expect(try await store.artifacts(ArtifactQuery()).count == 2)
        #expect(try await store.checkpoint(asset: "feed")?.cursor == nil)
        await store.close()
        let (again, store2) = try await config.poll()
        #expect(again.status == .failed)
        #expect(again.actionResults.first?.summary["artifacts_duplicate"] == 2)
        #expect(try await store2.artifacts(ArtifactQuery()).count == 2)
        #expect(try await store2.checkpoint(asset: "feed")?.cursor == nil)
        let runs = try await store2.runs(asset: "feed", limit: 5)
        #expect(runs.map(\.status) == ["failed", "failed"])
        await store2.close()
    }
}
