import Foundation
import IntakeCore
import IntakeStore
import IntakeTestSupport
import Testing

/// `intake run` as users run it: the real binary, a loopback HTTPS feed, signals.
@Suite("intake run: the scheduler service", .serialized)
struct RunServiceTests {
    /// Makes `name` a scheduled copy of the `feed` asset, polled every second.
    static func scheduledAsset(_ config: TestConfig, _ name: String) throws {
        let feed = try String(contentsOfFile: config.directory + "/assets/feed.yaml", encoding: .utf8)
        var text = feed.replacingOccurrences(of: "name: feed\n", with: "name: \(name)\n")
        text += "\n  schedule: { interval: 1s }\n"
        try text.write(toFile: config.directory + "/assets/\(name).yaml", atomically: true, encoding: .utf8)
    }

    /// Waits (polling the store) until `condition` holds; fails the test after `timeout` seconds.
    static func waitUntil(_ what: String, timeout: Double = 120, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while try await !condition() {
            guard Date() < deadline else { throw IntakeError(.timeout, "gave up waiting: \(what)") }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// An asset's successful scheduled runs, oldest window first.
    static func successfulRuns(_ store: any Store, _ asset: String) async throws -> [PollRun] {
        try await store.runs(asset: asset, limit: 100_000).filter { $0.status == "success" && $0.mode == .scheduled }
            .sorted { ($0.windowStart!, $0.id) < ($1.windowStart!, $1.id) }
    }

    /// Every successful window starts where an earlier poll's window ended (no gap), and no two
    /// successful windows start at the same point (no poll done twice; overlap is 0s). A poll killed
    /// after its last commit counts as an earlier poll: its checkpoint moved.
    static func expectContiguous(_ store: any Store, _ asset: String) async throws {
        let all = try await store.runs(asset: asset, limit: 100_000).filter { $0.mode == .scheduled }
        let successful = try await successfulRuns(store, asset)
        let ends = Set(all.compactMap(\.windowEnd))
        for run in successful.dropFirst() {
            #expect(ends.contains(run.windowStart!), "\(asset): run \(run.id) starts at \(run.windowStart!), where no window ended")
        }
        let starts = successful.map { $0.windowStart! }
        #expect(Set(starts).count == starts.count, "\(asset): two successful polls of one window")
    }

    static func stored(_ store: any Store, asset: String) async throws -> (count: Int, distinct: Int) {
        var sdis: [String] = []
        for c in try await store.containers(ContainerQuery(asset: asset, limit: 100_000)) {
            sdis += try await store.artifacts(ArtifactQuery(container: c.id, limit: 1_000_000)).map { $0.sourceDataIdentifier ?? "" }
        }
        return (sdis.count, Set(sdis).count)
    }

    @Test("polls on schedule, picks up added and removed assets on SIGHUP, exits 0 on SIGTERM with contiguous windows")
    func serviceLifecycle() async throws {
        let records = 120
        let server = try FeedServer(records: sampleRecords(records), perPage: 20)
        defer { server.stop() }
        let config = try TestConfig(server: server, trustCA: server.caFile)
        defer { config.remove() }
        try Self.scheduledAsset(config, "alpha")
        // Twenty scheduled assets in all, on one-second intervals.
        let others = (1...19).map { "svc-\($0)" }
        for a in others { try Self.scheduledAsset(config, a) }
        try "store: sqlite://data/intake.sqlite\nconcurrency: 4\n".write(toFile: config.directory + "/intake.yaml", atomically: true,
                                                                       encoding: .utf8)
        let service = try IntakeProcess(["run", "--config", config.directory, "--log-level", "info"])
        defer { if service.process.isRunning { service.kill() } }  // whatever happens, it does not outlive the test

        // `feed` has no schedule: the service never polls it.
        try await Self.waitUntil("every asset polled three times") {
            let store = try await SQLiteStore(path: config.storePath)
            defer { Task { await store.close() } }
            for a in ["alpha"] + others where try await Self.successfulRuns(store, a).count < 3 { return false }
            return true
        }

        try Self.scheduledAsset(config, "beta")
        service.kill(SIGHUP)
        try await Self.waitUntil("beta polled after SIGHUP") {
            let store = try await SQLiteStore(path: config.storePath)
            defer { Task { await store.close() } }
            return try await Self.successfulRuns(store, "beta").count >= 2
        }

        try FileManager.default.removeItem(atPath: config.directory + "/assets/beta.yaml")
        service.kill(SIGHUP)
        var betaRuns = 0
        try await Self.waitUntil("alpha polled again after beta was removed") {
            let store = try await SQLiteStore(path: config.storePath)
            defer { Task { await store.close() } }
            if betaRuns == 0 { betaRuns = try await store.runs(asset: "beta", limit: 100_000).count }
            return try await Self.successfulRuns(store, "alpha").count >= 8
        }

        service.kill(SIGTERM)
        let status = await service.wait(timeout: 60)
        #expect(status == 0, "\(service.stderr)\n\(status == nil ? service.threadStacks() : "")")

        let store = try await SQLiteStore(path: config.storePath)
        defer { Task { await store.close() } }
        // At most the poll in flight at the reload finished after it.
        #expect(try await store.runs(asset: "beta", limit: 100_000).count <= betaRuns + 1)
        #expect(try await store.runs(asset: "feed", limit: 100_000).isEmpty)
        for asset in ["alpha", "beta"] + others {
            try await Self.expectContiguous(store, asset)
            let stored = try await Self.stored(store, asset: asset)
            #expect(stored.count == records, "\(asset): every record stored")
            #expect(stored.distinct == stored.count, "\(asset): no duplicate")
        }
        #expect(try await store.runs(asset: nil, limit: 100_000).allSatisfy { $0.status != "running" }, "no poll left half done")
    }

    @Test("several processes on one PostgreSQL store share the assets; a killed one's assets are taken over; data exactly once",
          .enabled(if: Backend.enabled.contains(.postgres)))
    func scaleOut() async throws {
        let records = 60
        let server = try FeedServer(records: sampleRecords(records), perPage: 20)
        defer { server.stop() }
        try await withTemporaryStoreURL(.postgres) { url, _ in
            let config = try TestConfig(server: server, trustCA: server.caFile, store: url)
            defer { config.remove() }
            try "store: \(url)\nconcurrency: 2\nlease_time: 2s\n".write(toFile: config.directory + "/intake.yaml", atomically: true,
                                                                        encoding: .utf8)
            let assets = (1...30).map { "asset-\($0)" }
            for a in assets { try Self.scheduledAsset(config, a) }
            try FileManager.default.removeItem(atPath: config.directory + "/assets/feed.yaml")
            let processes = try (0..<3).map { _ in try IntakeProcess(["run", "--config", config.directory, "--log-level", "info"]) }
            defer { for p in processes where p.process.isRunning { p.kill() } }
            // One store for all the test's own reads: a store (and its connection pool) opened every
            // 200 ms of waiting used up the server's connections faster than closing gave them back,
            // and the processes under test then waited for connections of their own.
            let store = try await openStore(url)

            try await Self.waitUntil("every asset polled twice") {
                for a in assets where try await Self.successfulRuns(store, a).count < 2 { return false }
                return true
            }
            processes[2].kill(SIGKILL)
            _ = await processes[2].wait(timeout: 30)
            let killedAt = Timestamp.now()
            try await Self.waitUntil("every asset polled by the survivors after the kill") {
                for a in assets {
                    let runs = try await Self.successfulRuns(store, a)
                    if runs.filter({ $0.startedAt > killedAt.adding(.seconds(3)) }).count < 2 { return false }
                }
                return true
            }
            for p in processes.prefix(2) { p.kill(SIGTERM) }
            for p in processes.prefix(2) {
                let status = await p.wait(timeout: 60)
                #expect(status == 0, "\(p.stderr)\n\(status == nil ? p.threadStacks() : "")")
            }
            for p in processes.prefix(2) {
                #expect(p.stderr.contains("scheduled poll: success"), "both survivors took a share of the assets")
            }

            for a in assets {
                try await Self.expectContiguous(store, a)
                let stored = try await Self.stored(store, asset: a)
                #expect(stored.count == records, "\(a): every record stored")
                #expect(stored.distinct == stored.count, "\(a): no duplicate")
            }
            await store.close()
        }
    }

    @Test("a long-running service keeps its memory flat however many polls it has done")
    func memoryStaysFlat() async throws {
        // Many no-op assets (the file app, a glob that matches nothing) on one-second schedules:
        // thousands of polls in a minute, each claiming its lease and recording its run.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("intake-flat-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for sub in ["assets", "mappings", "empty"] {
            try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true)
        }
        try "store: sqlite://data/intake.sqlite\nconcurrency: 8\n".write(toFile: dir + "/intake.yaml", atomically: true, encoding: .utf8)
        try "container:\n  name: \"{{ id }}\"\n  source_data_identifier: \"{{ id }}\"\nartifacts:\n  - name: e\n    cef:\n      message: \"{{ id }}\"\n"
            .write(toFile: dir + "/mappings/m.yaml", atomically: true, encoding: .utf8)
        for i in 0..<200 {
            try "name: a\(i)\napp: file\nconfiguration:\n  path: empty/*.ndjson\ningest:\n  label: events\n  mapping: mappings/m.yaml\n  schedule: { interval: 1s }\n"
                .write(toFile: dir + "/assets/a\(i).yaml", atomically: true, encoding: .utf8)
        }
        let service = try IntakeProcess(["run", "--config", dir, "--log-level", "warning"])
        defer { if service.process.isRunning { service.kill() } }
        func residentMB() throws -> Double {
            let status = try String(contentsOfFile: "/proc/\(service.process.processIdentifier)/status", encoding: .utf8)
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
            return (Double(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
        }
        func polls(atLeast count: Int) async throws {
            try await Self.waitUntil("\(count) polls", timeout: 300) {
                let store = try await SQLiteStore(path: dir + "/data/intake.sqlite")
                defer { Task { await store.close() } }
                return try await store.runs(asset: nil, limit: 100_000).count >= count
            }
        }
        try await polls(atLeast: 1_000)
        let early = try residentMB()
        try await polls(atLeast: 3_000)
        let late = try residentMB()
        // A scheduler that kept each finished poll's task grew about 40 KB a poll: 80 MB here.
        #expect(late - early < 30, "resident memory grew from \(early) MB to \(late) MB over 2,000 polls")
        service.kill(SIGTERM)
        let status = await service.wait(timeout: 60)
        #expect(status == 0, "\(service.stderr)\n\(status == nil ? service.threadStacks() : "")")
    }
}
