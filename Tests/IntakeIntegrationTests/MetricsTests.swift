import Foundation
import IntakeCore
import IntakeHTTP
import IntakeOperations
import IntakeScheduler
import IntakeStore
import Logging
import Testing

/// A Prometheus text exposition read into `name{labels}` → value.
struct Scrape {
    var samples: [String: Double] = [:]

    init(_ text: String) {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let v = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = v
        }
    }

    subscript(_ key: String) -> Double? { samples[key] }
}

/// Fetches a URL on the loopback metrics server with libcurl; `accepting` lists non-2xx statuses to return.
func fetch(_ url: String, accepting: Set<Int> = []) async throws -> (status: Int, body: String, contentType: String?) {
    let session = try HTTPSession()
    let r = try await session.send(HTTPRequest(url: url), accepting: accepting)
    return (r.status, String(decoding: r.body, as: UTF8.self), r.header("content-type"))
}

@Suite("Metrics and health", .serialized)
struct MetricsTests {
    func runner(_ config: TestConfig, _ metrics: PollMetrics) async throws -> (PollRunner, SQLiteStore) {
        let loader = ConfigLoader(directory: config.directory)
        let store = try await SQLiteStore(path: config.storePath)
        var runner = PollRunner(loader: loader, service: try loader.service(), store: store, logger: Logger(label: "test"))
        runner.observers = [metrics]
        return (runner, store)
    }

    @Test("/metrics after a poll counts what the poll result says, per asset")
    func scrapeAfterPoll() async throws {
        let server = try FeedServer(records: sampleRecords(45))
        defer { server.stop() }
        let config = try TestConfig(server: server, trustCA: server.caFile)
        defer { config.remove() }
        let metrics = PollMetrics()
        let (runner, store) = try await runner(config, metrics)
        let bytesBefore = HTTPStatistics.bytesReceived
        let metricsServer = MetricsServer(address: MetricsAddress(host: "127.0.0.1", port: 0), metrics: metrics,
                                          logger: Logger(label: "test"), refresh: {
            await metrics.refreshCheckpointLag(store: store, assets: ["feed"], now: .now())
        })
        let (result, scrape, contentType, health) = try await metricsServer.whileServing { port in
            let result = await runner.poll(assetName: "feed", options: PollOptions(mode: .scheduled))
            let m = try? await fetch("http://127.0.0.1:\(port)/metrics")
            let h = try? await fetch("http://127.0.0.1:\(port)/healthz", accepting: [503])
            return (result, m.map { Scrape($0.body) }, m?.contentType, h)
        }
        await store.close()
        let r = try #require(result.actionResults.first)
        #expect(result.status == .success, "\(r.message)")
        let s = try #require(scrape)
        #expect(contentType?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(s[#"intake_polls_total{asset="feed",status="success"}"#] == 1)
        #expect(s[#"intake_polls_total{asset="feed",status="failed"}"#] == nil)
        #expect(s[#"intake_records_total{asset="feed"}"#] == Double(r.summary["records"]?.intValue ?? -1))
        #expect(s[#"intake_records_total{asset="feed"}"#] == 45)
        #expect(s[#"intake_containers_total{asset="feed",outcome="new"}"#] == Double(r.summary["containers_new"]?.intValue ?? -1))
        #expect(s[#"intake_containers_total{asset="feed",outcome="duplicate"}"#] == 0)
        #expect(s[#"intake_artifacts_total{asset="feed",outcome="new"}"#] == 45)
        #expect(s[#"intake_artifacts_total{asset="feed",outcome="duplicate"}"#] == 0)
        #expect(s[#"intake_quarantined_total{asset="feed"}"#] == 0)
        #expect(s[#"intake_poll_duration_seconds_count{asset="feed"}"#] == 1)
        #expect(s[#"intake_consecutive_failures{asset="feed"}"#] == 0)
        let lastSuccess = try #require(s[#"intake_last_success_timestamp_seconds{asset="feed"}"#])
        #expect(abs(lastSuccess - Date().timeIntervalSince1970) < 3600)
        // The scheduled poll moved the checkpoint to its window's end, moments ago.
        let lag = try #require(s[#"intake_checkpoint_lag_seconds{asset="feed"}"#])
        #expect(lag >= 0 && lag < 3600)
        // Five pages of JSON crossed the wire before the scrape.
        let bytes = try #require(s["intake_fetch_bytes_total"])
        #expect(bytes > 1000)
        #expect(HTTPStatistics.bytesReceived - bytesBefore > 1000)
        #expect(s["intake_fetch_retries_total"] != nil)
        #expect(health?.status == 200)
        #expect(health?.body.contains(#""status":"ok""#) == true)
    }

    @Test("/healthz turns 503 naming the asset once its consecutive failures reach the threshold, and recovers")
    func healthFlips() async throws {
        let server = try FeedServer(records: sampleRecords(5))
        defer { server.stop() }
        let config = try TestConfig(server: server, trustCA: server.caFile, path: "/no/such/path")
        defer { config.remove() }
        let metrics = PollMetrics()
        let (runner, store) = try await runner(config, metrics)
        let metricsServer = MetricsServer(address: MetricsAddress(host: "127.0.0.1", port: 0), metrics: metrics,
                                          failureThreshold: 3, logger: Logger(label: "test"))
        let (statuses, unhealthy, scrape) = try await metricsServer.whileServing { port in
            var statuses: [Int] = []
            var unhealthy = ""
            for _ in 0..<3 {
                _ = await runner.poll(assetName: "feed", options: PollOptions(mode: .scheduled))
                let h = try? await fetch("http://127.0.0.1:\(port)/healthz", accepting: [503])
                statuses.append(h?.status ?? -1)
                unhealthy = h?.body ?? ""
            }
            let scrape = try? await fetch("http://127.0.0.1:\(port)/metrics")
            return (statuses, unhealthy, scrape.map { Scrape($0.body) })
        }
        #expect(statuses == [200, 200, 503])
        let body = try #require(try JSONParser.parse(unhealthy).objectValue)
        #expect(body["status"] == "unhealthy")
        #expect(body["failure_threshold"] == 3)
        let assets = try #require(body["assets"]?.arrayValue)
        #expect(assets.count == 1)
        #expect(assets.first?["asset"] == "feed")
        #expect(assets.first?["consecutive_failures"] == 3)
        #expect(assets.first?["last_error"]?.stringValue?.contains("404") == true)
        #expect(scrape?[#"intake_polls_total{asset="feed",status="failed"}"#] == 3)
        #expect(scrape?[#"intake_consecutive_failures{asset="feed"}"#] == 3)

        // The API comes back: one successful poll makes the asset healthy again.
        let asset = config.directory + "/assets/feed.yaml"
        try String(contentsOfFile: asset, encoding: .utf8).replacingOccurrences(of: "/no/such/path", with: "/api/v1/alerts")
            .write(toFile: asset, atomically: true, encoding: .utf8)
        let ok = await runner.poll(assetName: "feed", options: PollOptions(mode: .scheduled))
        await store.close()
        #expect(ok.status == .success)
        #expect(MetricsServer.health(metrics: metrics, threshold: 3).healthy)
    }

    @Test("a failure count is seeded from the store's recent runs", arguments: [
        (["failed", "failed", "success", "failed"], 2),
        (["success", "failed"], 0),
        (["failed", "failed", "failed"], 3),
        ([], 0),
    ])
    func consecutiveFailures(statuses: [String], expected: Int) {
        let runs = statuses.enumerated().map { i, status in
            PollRun(id: Int64(100 - i), asset: "a", mode: .scheduled, windowStart: nil, windowEnd: nil,
                    startedAt: Timestamp(microseconds: Int64(100 - i) * 1_000_000),
                    finishedAt: Timestamp(microseconds: Int64(100 - i) * 1_000_000 + 1), status: status, error: nil,
                    summary: PollSummary())
        }
        #expect(AssetStatus.consecutiveFailures(runs) == expected)
        let metrics = PollMetrics()
        metrics.seed(asset: "a", recentRuns: runs)
        #expect(metrics.unhealthyAssets(threshold: 2).map(\.asset) == (expected >= 2 ? ["a"] : []))
    }

    @Test("metrics addresses", arguments: [
        ("127.0.0.1:9464", "127.0.0.1", 9464), ("[::1]:9464", "::1", 9464), (":9000", "127.0.0.1", 9000),
        ("localhost:0", "localhost", 0),
    ])
    func addresses(text: String, host: String, port: Int) throws {
        let a = try MetricsAddress(parsing: text, origin: "test")
        #expect(a.host == host && a.port == port)
    }

    @Test("bad metrics addresses name the address and where it came from", arguments: ["9464", "127.0.0.1", "127.0.0.1:99999",
                                                                                       "::1:9464", "[::1]9464", "host:port"])
    func badAddresses(text: String) {
        #expect {
            try MetricsAddress(parsing: text, origin: "intake.yaml:3:10")
        } throws: { error in
            let e = error as? IntakeError
            return e?.description.contains("'\(text)'") == true && e?.description.contains("intake.yaml:3:10") == true
        }
    }

    @Test("a metrics port already in use is a clear error and the poll never runs")
    func portInUse() async throws {
        let first = MetricsServer(address: MetricsAddress(host: "127.0.0.1", port: 0), metrics: PollMetrics(), logger: Logger(label: "test"))
        let ran = try await first.whileServing { port -> Bool in
            let second = MetricsServer(address: MetricsAddress(host: "127.0.0.1", port: port), metrics: PollMetrics(),
                                       logger: Logger(label: "test"))
            do {
                return try await second.whileServing { _ in true }
            } catch {
                #expect("\(error)".contains("cannot serve metrics on 127.0.0.1:\(port)"))
                return false
            }
        }
        #expect(ran == false)
    }
}
