import Foundation
import IntakeCore
import IntakeStore
import IntakeTestSupport
import Testing

/// What every ``Store`` must do when read: filters, keyset paging, quarantine look-ups and retries,
/// runs, checkpoints and the stored shape. Each check takes a fresh, empty, migrated store, so the
/// same checks run against any backend: pass `(name, store)` for each backend to ``run(_:on:)``.
enum StoreReadSuite {
    static let checks: [String: @Sendable (any Store) async throws -> Void] = [
        "container filters and paging": containerFilters,
        "artifact filters and paging": artifactFilters,
        "quarantine look-up, retry failure and resolution": quarantine,
        "asset names": assetNames,
        "poll runs with counts, status, error and duration": runs,
        "checkpoint: first run, last success, last error, reset": checkpoints,
        "every seed field is stored and read back": seedFields,
    ]
    static var names: [String] { checks.keys.sorted() }

    static func run(_ name: String, on store: any Store) async throws {
        let check = try #require(checks[name], "no store check named \(name)")
        try await check(store)
    }

    // MARK: - Helpers

    /// Saves entries as one page of a fresh scheduled run; returns the outcome.
    @discardableResult
    static func save(_ store: any Store, _ entries: [PageWrite.Entry], asset: String = "one", quarantine: [QuarantineEntry] = [],
                     resolves: [Int64] = []) async throws -> PageOutcome {
        let now = Timestamp.now()
        let run = try await store.beginRun(PollRunStart(asset: asset, mode: .scheduled, windowStart: now, windowEnd: now, startedAt: now))
        var page = PageWrite(asset: asset, appId: "http_json", runId: run, entries: entries,
                             quarantine: quarantine.map { var q = $0; q.runId = run; return q },
                             records: entries.count + quarantine.count)
        page.resolvesQuarantine = resolves
        return try await store.save(page)
    }

    /// A time strictly after everything stored so far.
    static func instantAfterNow() -> Timestamp {
        let t = Timestamp.now()
        while Timestamp.now() <= t {}
        return Timestamp.now()
    }

    static func entry(_ sdi: String, label: String = "incident", artifacts: [String], artifactLabel: String = "event") -> PageWrite.Entry {
        .init(container: ContainerDraft(label: label, name: "C \(sdi)", sourceDataIdentifier: sdi, data: ["id": .string(sdi)]),
              artifacts: artifacts.map {
                  ArtifactDraft(name: "A \($0)", label: artifactLabel, sourceDataIdentifier: $0, cef: ["sourceAddress": .string($0)],
                                data: ["src": .string($0)])
              })
    }

    // MARK: - Checks

    static func containerFilters(_ store: any Store) async throws {
        try await save(store, [entry("c1", artifacts: ["1"]), entry("c2", label: "alert", artifacts: ["2"])], asset: "one")
        let mid = instantAfterNow()
        try await save(store, [entry("c3", artifacts: ["3"])], asset: "two")

        #expect(try await store.containers(ContainerQuery()).map(\.sourceDataIdentifier) == ["c1", "c2", "c3"])
        #expect(try await store.containers(ContainerQuery(asset: "one")).map(\.sourceDataIdentifier) == ["c1", "c2"])
        #expect(try await store.containers(ContainerQuery(asset: "nobody")).isEmpty)
        #expect(try await store.containers(ContainerQuery(label: "alert")).map(\.sourceDataIdentifier) == ["c2"])
        #expect(try await store.containers(ContainerQuery(asset: "one", label: "incident")).map(\.sourceDataIdentifier) == ["c1"])
        #expect(try await store.containers(ContainerQuery(since: mid)).map(\.sourceDataIdentifier) == ["c3"])

        // Keyset paging visits each container once, in id order.
        var seen: [String] = []
        var after: Int64? = nil
        while true {
            let page = try await store.containers(ContainerQuery(afterId: after, limit: 2))
            seen += page.map(\.sourceDataIdentifier)
            guard let last = page.last else { break }
            after = last.id
        }
        #expect(seen == ["c1", "c2", "c3"])
        #expect(try await store.containers(ContainerQuery(limit: 1)).count == 1)

        // A new artifact in an old container makes it "updated since".
        let later = instantAfterNow()
        try await save(store, [entry("c1", artifacts: ["1b"])], asset: "one")
        #expect(try await store.containers(ContainerQuery(since: later)).map(\.sourceDataIdentifier) == ["c1"])
    }

    static func artifactFilters(_ store: any Store) async throws {
        let first = try await save(store, [entry("c1", artifacts: ["1", "2"]), entry("c2", artifacts: ["3"], artifactLabel: "host")],
                                   asset: "one")
        let mid = instantAfterNow()
        try await save(store, [entry("c3", artifacts: ["4", "5"])], asset: "two")
        let c1 = first.containers[0].id

        func sdis(_ q: ArtifactQuery) async throws -> [String] {
            try await store.artifacts(q).map { $0.sourceDataIdentifier ?? "" }
        }
        #expect(try await sdis(ArtifactQuery()) == ["1", "2", "3", "4", "5"])
        #expect(try await sdis(ArtifactQuery(container: c1)) == ["1", "2"])
        #expect(try await sdis(ArtifactQuery(asset: "two")) == ["4", "5"])
        #expect(try await sdis(ArtifactQuery(asset: "nobody")).isEmpty)
        #expect(try await sdis(ArtifactQuery(label: "host")) == ["3"])
        #expect(try await sdis(ArtifactQuery(asset: "one", label: "event")) == ["1", "2"])
        #expect(try await sdis(ArtifactQuery(since: mid)) == ["4", "5"])
        #expect(try await sdis(ArtifactQuery(container: c1, since: mid)).isEmpty)
        #expect(try await sdis(ArtifactQuery(limit: 2)) == ["1", "2"])

        var seen: [String] = []
        var after: Int64? = nil
        while true {
            let page = try await store.artifacts(ArtifactQuery(afterId: after, limit: 2))
            seen += page.map { $0.sourceDataIdentifier ?? "" }
            guard let last = page.last else { break }
            after = last.id
        }
        #expect(seen == ["1", "2", "3", "4", "5"])
    }

    static func quarantine(_ store: any Store) async throws {
        let t = utcTime(year: 2024, month: 5, day: 1)
        try await save(store, [], asset: "one", quarantine: [
            QuarantineEntry(asset: "one", runId: nil, record: ["n": 1], error: "no name", createdAt: t),
            QuarantineEntry(asset: "one", runId: nil, record: ["n": 2], error: "no time", createdAt: t),
        ])
        try await save(store, [], asset: "two", quarantine: [
            QuarantineEntry(asset: "two", runId: nil, record: ["n": 3, "text": "a|b=c\\d\ne"], error: "bad", createdAt: t),
        ])
        let ids = try await store.quarantineIds(asset: "one")
        #expect(ids.count == 2)
        #expect(ids == ids.sorted())
        #expect(try await store.quarantineIds(asset: nil).count == 3)
        #expect(try await store.quarantineIds(asset: "nobody").isEmpty)

        let e = try #require(try await store.quarantineEntry(id: ids[0]))
        #expect(e.asset == "one")
        #expect(e.record == ["n": 1])
        #expect(e.error == "no name")
        #expect(e.createdAt == t)
        #expect(e.attempts == 0)
        #expect(e.lastRetryAt == nil)
        #expect(e.runId != nil)
        let two = try #require(try await store.quarantineEntry(id: try await store.quarantineIds(asset: "two")[0]))
        #expect(two.record["text"] == "a|b=c\\d\ne")
        #expect(try await store.quarantineEntry(id: 999_999) == nil)

        // A failed retry keeps the entry with the new error and counts the attempt.
        let retried = utcTime(year: 2024, month: 5, day: 2)
        try await store.recordQuarantineRetryFailure(id: ids[0], error: "still no name", at: retried)
        let after = try #require(try await store.quarantineEntry(id: ids[0]))
        #expect(after.error == "still no name")
        #expect(after.attempts == 1)
        #expect(after.lastRetryAt == retried)
        try await store.recordQuarantineRetryFailure(id: 999_999, error: "gone", at: retried)

        // A page that resolves an entry removes it with the save; another asset's entry is not touched.
        let twoId = two.id!
        let out = try await save(store, [entry("q1", artifacts: ["x"])], asset: "one", resolves: [ids[0], twoId])
        #expect(out.summary.artifactsNew == 1)
        #expect(try await store.quarantineEntry(id: ids[0]) == nil)
        #expect(try await store.quarantineEntry(id: twoId) != nil)
        #expect(try await store.quarantineIds(asset: "one") == [ids[1]])
        #expect(try await store.quarantine(asset: "one", limit: 10).map(\.id) == [ids[1]])
    }

    static func assetNames(_ store: any Store) async throws {
        #expect(try await store.assetNames().isEmpty)
        try await save(store, [entry("c1", artifacts: [])], asset: "beta")
        let now = Timestamp.now()
        _ = try await store.beginRun(PollRunStart(asset: "alpha", mode: .pollNow, windowStart: now, windowEnd: now, startedAt: now))
        #expect(try await store.assetNames() == ["alpha", "beta"])
    }

    static func runs(_ store: any Store) async throws {
        let start = utcTime(year: 2024, month: 5, day: 1, hour: 10)
        let run = try await store.beginRun(PollRunStart(asset: "one", mode: .scheduled, windowStart: start.adding(microseconds: -60_000_000),
                                                        windowEnd: start, startedAt: start))
        let page = PageWrite(asset: "one", appId: "http_json", runId: run,
                             entries: [entry("c1", artifacts: ["1", "1", "2"])],
                             quarantine: [QuarantineEntry(asset: "one", runId: run, record: ["bad": true], error: "e", createdAt: start)],
                             records: 2)
        _ = try await store.save(page)
        try await store.finishRun(PollRunFinish(runId: run, asset: "one", mode: .scheduled, succeeded: true,
                                                finishedAt: start.adding(microseconds: 2_500_000)))
        let failedRun = try await store.beginRun(PollRunStart(asset: "one", mode: .pollNow, windowStart: start, windowEnd: start,
                                                              startedAt: start.adding(microseconds: 10_000_000)))
        try await store.finishRun(PollRunFinish(runId: failedRun, asset: "one", mode: .pollNow, succeeded: false, error: "HTTP 500",
                                                finishedAt: start.adding(microseconds: 11_000_000)))
        let running = try await store.beginRun(PollRunStart(asset: "two", mode: .scheduled, windowStart: start, windowEnd: start,
                                                            startedAt: start))

        let all = try await store.runs(asset: nil, limit: 10)
        #expect(all.map(\.id) == [running, failedRun, run])
        let ok = try #require(all.last)
        #expect(ok.status == "success")
        #expect(ok.mode == .scheduled)
        #expect(ok.error == nil)
        #expect(ok.duration == 2.5)
        #expect(ok.windowStart == start.adding(microseconds: -60_000_000))
        #expect(ok.summary.records == 2)
        #expect(ok.summary.containersNew == 1)
        #expect(ok.summary.artifactsNew == 2)
        #expect(ok.summary.artifactsDuplicate == 1)
        #expect(ok.summary.quarantined == 1)
        let failed = all[1]
        #expect(failed.status == "failed")
        #expect(failed.mode == .pollNow)
        #expect(failed.error == "HTTP 500")
        #expect(failed.duration == 1)
        #expect(all[0].status == "running")
        #expect(all[0].duration == nil)
        #expect(try await store.runs(asset: "one", limit: 10).map(\.id) == [failedRun, run])
        #expect(try await store.runs(asset: "one", limit: 1).map(\.id) == [failedRun])
    }

    static func checkpoints(_ store: any Store) async throws {
        #expect(try await store.checkpoint(asset: "one") == nil)
        let t0 = utcTime(year: 2024, month: 5, day: 1)
        // A failed first poll records its error and stays a first run.
        let r1 = try await store.beginRun(PollRunStart(asset: "one", mode: .scheduled, windowStart: t0, windowEnd: t0, startedAt: t0))
        try await store.finishRun(PollRunFinish(runId: r1, asset: "one", mode: .scheduled, succeeded: false, error: "timeout",
                                                finishedAt: t0))
        let failed = try #require(try await store.checkpoint(asset: "one"))
        #expect(failed.firstRun)
        #expect(failed.lastError == "timeout")
        #expect(failed.lastSuccess == nil)
        #expect(failed.cursor == nil)
        // A success clears the flag and the error and records the cursor.
        let t1 = utcTime(year: 2024, month: 5, day: 2)
        let r2 = try await store.beginRun(PollRunStart(asset: "one", mode: .scheduled, windowStart: t0, windowEnd: t1, startedAt: t1))
        try await store.finishRun(PollRunFinish(runId: r2, asset: "one", mode: .scheduled, succeeded: true, finishedAt: t1,
                                                checkpoint: ["time": .string(t1.iso8601)]))
        let ok = try #require(try await store.checkpoint(asset: "one"))
        #expect(!ok.firstRun)
        #expect(ok.lastError == nil)
        #expect(ok.lastSuccess == t1)
        #expect(ok.cursor == ["time": .string(t1.iso8601)])
        // Reset: the next scheduled poll is a first run; other assets keep theirs.
        let r3 = try await store.beginRun(PollRunStart(asset: "two", mode: .scheduled, windowStart: t0, windowEnd: t1, startedAt: t1))
        try await store.finishRun(PollRunFinish(runId: r3, asset: "two", mode: .scheduled, succeeded: true, finishedAt: t1,
                                                checkpoint: ["time": .string(t1.iso8601)]))
        try await store.resetCheckpoint(asset: "one")
        #expect(try await store.checkpoint(asset: "one") == nil)
        #expect(try await store.checkpoint(asset: "two") != nil)
        #expect(try await store.runs(asset: "one", limit: 10).count == 2, "reset keeps the run history")
    }

    static func seedFields(_ store: any Store) async throws {
        let draft = ContainerDraft(label: "incident", name: "Brute force", sourceDataIdentifier: "INC-9", description: "many logins",
                                   sensitivity: "red", severity: "high", dueTime: utcTime(year: 2024, month: 6, day: 1),
                                   killChain: "delivery", owner: "admin", tags: ["a", "b"],
                                   data: ["raw": .string("x")], customFields: ["team": "blue"])
        let art = ArtifactDraft(name: "login", label: "event", sourceDataIdentifier: "E-1",
                                startTime: utcTime(year: 2024, month: 5, day: 1, hour: 1),
                                endTime: utcTime(year: 2024, month: 5, day: 1, hour: 2), severity: "low", type: "network",
                                killChain: "recon", cef: ["sourceAddress": "10.0.0.1"], cefTypes: ["sourceAddress": ["ip"]],
                                description: "d", tags: ["t"], data: ["src": "10.0.0.1"])
        let out = try await save(store, [.init(container: draft, artifacts: [art])], asset: "one")
        let c = try #require(try await store.container(id: out.containers[0].id))
        let seed003 = ["id", "version", "label", "name", "source_data_identifier", "description", "status", "sensitivity", "severity",
                       "create_time", "start_time", "end_time", "due_time", "close_time", "kill_chain", "owner", "hash", "tags",
                       "asset", "asset_name", "artifact_update_time", "container_update_time", "ingest_app_id", "data", "artifact_count"]
        let cKeys = Set(c.json.objectValue?.keys ?? [])
        #expect(Set(seed003).isSubset(of: cKeys), "missing: \(Set(seed003).subtracting(cKeys))")
        #expect(c.hash == draft.dataHash)
        #expect(!c.hash.isEmpty)
        #expect(c.description == "many logins")
        #expect(c.severity == "high")
        #expect(c.sensitivity == "red")
        #expect(c.owner == "admin")
        #expect(c.killChain == "delivery")
        #expect(c.dueTime == utcTime(year: 2024, month: 6, day: 1))
        #expect(c.tags == ["a", "b"])
        #expect(c.assetName == "one")
        #expect(c.asset != nil)
        #expect(c.ingestAppId == "http_json")
        #expect(c.data == ["raw": "x"])
        #expect(c.customFields == ["team": "blue"])
        #expect(c.artifactCount == 1)
        #expect(c.startTime == art.startTime)
        #expect(c.endTime == art.endTime)
        #expect(c.artifactUpdateTime != nil)
        #expect(c.status == "open")

        let a = try #require(try await store.artifacts(ArtifactQuery(container: c.id)).first)
        let seed004 = ["id", "version", "name", "label", "source_data_identifier", "create_time", "start_time", "end_time", "severity",
                       "type", "kill_chain", "hash", "cef", "container", "description", "tags", "data"]
        let aKeys = Set(a.json.objectValue?.keys ?? [])
        #expect(Set(seed004).isSubset(of: aKeys), "missing: \(Set(seed004).subtracting(aKeys))")
        #expect(a.hash == art.hash)
        #expect(a.container == c.id)
        #expect(a.severity == "low")
        #expect(a.type == "network")
        #expect(a.killChain == "recon")
        #expect(a.cef == ["sourceAddress": "10.0.0.1"])
        #expect(a.cefTypes == ["sourceAddress": ["ip"]])
        #expect(a.description == "d")
        #expect(a.tags == ["t"])
        #expect(a.data == ["src": "10.0.0.1"])
        #expect(a.startTime == art.startTime)
        #expect(a.endTime == art.endTime)
    }
}

@Suite("Reading the store (the shared store read suite), on every backend")
struct SQLiteStoreReadTests {
    @Test("store read check", arguments: StoreReadSuite.names, Backend.enabled)
    func check(_ name: String, _ backend: Backend) async throws {
        try await withTemporaryStore(backend) { store, _ in try await StoreReadSuite.run(name, on: store) }
    }

    @Test("migrations are idempotent and keep data")
    func migrateTwice() async throws {
        try await withTemporaryStore { store, dir in
            try await StoreReadSuite.save(store, [StoreReadSuite.entry("c1", artifacts: ["1"])])
            try await store.migrate()
            let again = try await SQLiteStore(path: dir + "/intake.sqlite")
            #expect(try await again.containers(ContainerQuery()).count == 1)
            await again.close()
        }
    }
}

/// A UTC time from valid civil fields.
private func utcTime(year: Int64, month: Int64, day: Int64, hour: Int64 = 0) -> Timestamp {
    guard let t = Timestamp.utc(year: year, month: month, day: day, hour: hour) else { preconditionFailure("invalid test date") }
    return t
}
