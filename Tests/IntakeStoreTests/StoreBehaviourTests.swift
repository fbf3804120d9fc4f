import Foundation
import IntakeCore
import IntakeStore
import IntakeTestSupport
import Testing

/// The store contract beyond deduplication, run against every backend.
@Suite("Store behaviour, on every backend")
struct StoreBehaviourTests {
    @Test("a successful scheduled run clears the first-run flag; a failed one records its error and keeps the cursor",
          arguments: Backend.enabled)
    func runsAndCheckpoints(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { store, _ in
            let t0 = Timestamp(iso8601: "2024-05-01T00:00:00Z")!, t1 = Timestamp(iso8601: "2024-05-01T01:00:00Z")!
            let run = try await store.beginRun(PollRunStart(asset: "a", mode: .scheduled, windowStart: t0, windowEnd: t1, startedAt: t1))
            _ = try await store.save(PageWrite(asset: "a", appId: "http_json", runId: run,
                                               entries: [.init(container: draft("INC-1"), artifacts: [artifact("x")])],
                                               records: 1, checkpoint: ["time": "2024-05-01T00:30:00.000000Z"]))
            try await store.finishRun(PollRunFinish(runId: run, asset: "a", mode: .scheduled, succeeded: true, finishedAt: t1,
                                                    checkpoint: ["time": "2024-05-01T01:00:00.000000Z"]))
            var cp = try #require(try await store.checkpoint(asset: "a"))
            #expect(cp.firstRun == false)
            #expect(cp.lastSuccess == t1)
            #expect(cp.cursor == ["time": "2024-05-01T01:00:00.000000Z"])

            let failed = try await store.beginRun(PollRunStart(asset: "a", mode: .scheduled, windowStart: t1, windowEnd: t1, startedAt: t1))
            try await store.finishRun(PollRunFinish(runId: failed, asset: "a", mode: .scheduled, succeeded: false,
                                                    error: "HTTP 503 from 127.0.0.1", finishedAt: t1))
            cp = try #require(try await store.checkpoint(asset: "a"))
            #expect(cp.lastError == "HTTP 503 from 127.0.0.1")
            #expect(cp.cursor == ["time": "2024-05-01T01:00:00.000000Z"], "a failure never moves the checkpoint")

            let runs = try await store.runs(asset: "a", limit: 10)
            #expect(runs.map(\.status) == ["failed", "success"])
            #expect(runs[1].summary.records == 1 && runs[1].summary.artifactsNew == 1 && runs[1].summary.containersNew == 1)
            #expect(runs[1].windowStart == t0 && runs[1].windowEnd == t1)
            #expect(runs[0].error == "HTTP 503 from 127.0.0.1")
            #expect(try await store.runs(asset: "other", limit: 10).isEmpty)

            try await store.resetCheckpoint(asset: "a")
            #expect(try await store.checkpoint(asset: "a") == nil)
        }
    }

    @Test("poll now never touches the checkpoint", arguments: Backend.enabled)
    func pollNow(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { store, _ in
            let now = Timestamp.now()
            let run = try await store.beginRun(PollRunStart(asset: "a", mode: .pollNow, windowStart: now, windowEnd: now, startedAt: now))
            try await store.finishRun(PollRunFinish(runId: run, asset: "a", mode: .pollNow, succeeded: false, error: "boom", finishedAt: now))
            #expect(try await store.checkpoint(asset: "a") == nil)
            #expect(try await store.runs(asset: nil, limit: 5).first?.mode == .pollNow)
        }
    }

    @Test("a quarantined record is kept once with its error, however often it is read", arguments: Backend.enabled)
    func quarantine(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { store, _ in
            let bad: JSONValue = ["event_id": "evt-9", "nested": ["deep": [1, 2, 3]], "text": "naïve \"quoted\"\n"]
            for _ in 0..<2 {
                let now = Timestamp.now()
                let run = try await store.beginRun(PollRunStart(asset: "q", mode: .scheduled, windowStart: now, windowEnd: now, startedAt: now))
                let out = try await store.save(PageWrite(asset: "q", appId: "http_json", runId: run, entries: [],
                                                         quarantine: [QuarantineEntry(asset: "q", runId: run, record: bad,
                                                                                      error: "required value missing: event.src",
                                                                                      createdAt: now)],
                                                         records: 1))
                #expect(out.summary.quarantined == 1)
            }
            let rows = try await store.quarantine(asset: "q", limit: 10)
            #expect(rows.count == 1)
            #expect(rows.first?.record == bad)
            #expect(rows.first?.error == "required value missing: event.src")
            #expect(try await store.quarantine(asset: "other", limit: 10).isEmpty)
        }
    }

    @Test("SOAR JSON comes back exactly as saved: key order, unicode, big integers, nesting", arguments: Backend.enabled)
    func jsonFidelity(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { store, _ in
            let data: JSONValue = ["zeta": 1, "alpha": ["b": 2, "a": [true, .null, 1.5]], "big": .int(9_007_199_254_740_993),
                                   "bigger": .bigInt("18446744073709551615"),
                                   "text": "日本語 \u{1F600} \\ \"q\"", "empty": [:]]
            var c = draft("INC-J")
            c.data = data
            c.tags = ["b", "a"]
            c.customFields = ["owner team": "soc", "n": 3]
            var a = artifact("10.0.0.1", sdi: "s1", start: "2024-02-29T23:59:59.123456Z")
            a.cef = ["sourceAddress": "10.0.0.1", "requestURL": "https://x/?a=1&b=|pipe|", "cs1": "x=y\\z"]
            a.cefTypes = ["cs1": ["hash"]]
            a.data = data
            try await store.savePage([.init(container: c, artifacts: [a])])
            let stored = try #require(try await store.containers(ContainerQuery()).first)
            #expect(JSONWriter.string(stored.data) == JSONWriter.string(data))
            #expect(stored.tags == ["b", "a"])
            #expect(stored.customFields == ["owner team": "soc", "n": 3])
            #expect(stored.hash == c.dataHash)
            let art = try #require(try await store.artifacts(ArtifactQuery(container: stored.id)).first)
            #expect(JSONWriter.string(.object(art.cef)) == JSONWriter.string(.object(a.cef)))
            #expect(art.cefTypes == ["cs1": ["hash"]])
            #expect(art.startTime?.iso8601 == "2024-02-29T23:59:59.123456Z")
            #expect(art.hash == a.hash)
            #expect(try await store.container(id: stored.id)?.artifactCount == 1)
            #expect(try await store.container(id: 987_654) == nil)
        }
    }

    @Test("reopening a store keeps everything; migrations are idempotent", arguments: Backend.enabled)
    func reopen(_ backend: Backend) async throws {
        try await withTemporaryStoreURL(backend) { url, _ in
            let s1 = try await openStore(url)
            try await s1.savePage([.init(container: draft("INC-1"), artifacts: [artifact("a")])])
            await s1.close()
            let s2 = try await openStore(url)
            try await s2.migrate()
            try await s2.migrate()
            let again = try await s2.savePage([.init(container: draft("INC-1"), artifacts: [artifact("a")])])
            #expect(again.summary.artifactsDuplicate == 1)
            #expect(try await s2.containers(ContainerQuery()).count == 1)
            await s2.close()
        }
    }

    @Test("filters: by asset and by label", arguments: Backend.enabled)
    func filters(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { store, _ in
            try await store.savePage([.init(container: draft("A", label: "incident"), artifacts: [artifact("1")]),
                                      .init(container: draft("B", label: "alert"), artifacts: [artifact("2")])], asset: "one")
            try await store.savePage([.init(container: draft("A", label: "incident"), artifacts: [artifact("3")])], asset: "two")
            #expect(try await store.containers(ContainerQuery(asset: "one")).count == 2)
            #expect(try await store.containers(ContainerQuery(asset: "one", label: "alert")).map(\.sourceDataIdentifier) == ["B"])
            #expect(try await store.containers(ContainerQuery(label: "incident")).count == 2)
            #expect(try await store.containers(ContainerQuery(limit: 1)).count == 1)
            #expect(try await store.artifacts(ArtifactQuery(limit: 2)).count == 2)
        }
    }
}

/// The two backends make the same decisions on the same pages.
@Suite("SQLite and PostgreSQL agree", .enabled(if: postgresURL != nil, "INTAKE_TEST_POSTGRES_URL is not set"))
struct BackendAgreementTests {
    @Test("the same pages give the same outcomes and the same stored JSON")
    func agree() async throws {
        var pages: [[PageWrite.Entry]] = []
        for p in 0..<4 {
            pages.append((0..<25).map { i in
                let n = p * 20 + i // pages overlap, so later ones repeat earlier records
                return PageWrite.Entry(container: draft("INC-\(n % 9)"),
                                       artifacts: [artifact("10.0.0.\(n)", sdi: "e\(n)", start: "2024-05-01T00:\(String(format: "%02d", n % 60)):00Z"),
                                                   artifact("dup", sdi: nil)])
            })
        }
        func run(_ backend: Backend) async throws -> (outcomes: [String], containers: [String], artifacts: [String]) {
            try await withTemporaryStore(backend) { store, _ in
                var outcomes: [String] = []
                var limits = PollLimits(containers: 7, artifactsPerContainer: 6)
                for page in pages {
                    let now = Timestamp.now()
                    let run = try await store.beginRun(PollRunStart(asset: "x", mode: .scheduled, windowStart: now, windowEnd: now, startedAt: now))
                    let out = try await store.save(PageWrite(asset: "x", appId: "http_json", runId: run, entries: page,
                                                             records: page.count, limits: limits))
                    limits = out.limits
                    outcomes.append(JSONWriter.string(out.summary.json) + " stop=\(out.stoppedAtEntry.map(String.init) ?? "-") "
                                    + out.containers.map(\.outcome.rawValue).joined(separator: ",") + " "
                                    + out.artifacts.map { $0.map(\.outcome.rawValue).joined(separator: "+") }.joined(separator: ","))
                }
                func strip(_ v: JSONValue, _ keys: Set<String>) -> String {
                    guard case .object(let o) = v else { return JSONWriter.string(v) }
                    return JSONWriter.string(.object(JSONObject(o.members.filter { !keys.contains($0.key) }.map { ($0.key, $0.value) })))
                }
                let volatile: Set<String> = ["id", "container", "create_time", "artifact_update_time", "container_update_time", "asset_id",
                                             "start_time", "end_time"]
                let cs = try await store.containers(ContainerQuery(limit: 10_000)).map { strip($0.json, volatile) }
                let arts = try await store.artifacts(ArtifactQuery(limit: 10_000)).map { strip($0.json, volatile) }
                return (outcomes, cs, arts)
            }
        }
        let lite = try await run(.sqlite)
        let pg = try await run(.postgres)
        #expect(lite.outcomes == pg.outcomes)
        #expect(lite.containers == pg.containers)
        #expect(lite.artifacts == pg.artifacts)
    }
}

@Suite("PostgreSQL store errors", .enabled(if: postgresURL != nil, "INTAKE_TEST_POSTGRES_URL is not set"))
struct PostgresErrorTests {
    @Test("a wrong password is refused with a clear error that does not contain it")
    func wrongPassword() async throws {
        let url = try #require(postgresURL).replacingOccurrences(of: #"://([^:]+):[^@]*@"#, with: "://$1:wrong-secret-pw@",
                                                                 options: .regularExpression)
        let error = await #expect(throws: IntakeError.self) { _ = try await PostgresStore(url: url) }
        #expect(error?.message.contains("refused the credentials") == true, "\(String(describing: error))")
        #expect(error.map { "\($0)" }?.contains("wrong-secret-pw") == false)
    }

    @Test("a database that does not exist is named")
    func noDatabase() async throws {
        let url = try #require(postgresURL).replacingOccurrences(of: #"/[^/?]+$"#, with: "/no_such_db_here", options: .regularExpression)
        let error = await #expect(throws: IntakeError.self) { _ = try await PostgresStore(url: url) }
        #expect(error?.message.contains("database no_such_db_here does not exist") == true, "\(String(describing: error))")
    }

    @Test("an unreachable server fails fast, naming where it looked")
    func unreachable() async throws {
        let error = await #expect(throws: IntakeError.self) {
            _ = try await PostgresStore(url: "postgres://intake:pw-not-shown@127.0.0.1:1/intake?connect_timeout=3")
        }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("cannot connect to PostgreSQL") && text.contains("127.0.0.1:1"), "\(text)")
        #expect(!text.contains("pw-not-shown"))
    }
}

@Suite("Store URLs")
struct StoreURLTests {
    @Test("malformed PostgreSQL URLs are refused, naming the problem and never the password", arguments: [
        ("postgres://u:secret-pw@/db", "no host"),
        ("postgres://127.0.0.1/db", "no user name"),
        ("postgres://u:secret-pw@127.0.0.1:5432", "no database name"),
        ("postgres://u:secret-pw@127.0.0.1:99999/db", "out of range"),
        ("postgres://u:secret-pw@127.0.0.1/db?sslmode=sometimes", "sslmode 'sometimes'"),
        ("postgres://u:secret-pw@127.0.0.1/db?colour=blue", "unknown parameter 'colour'"),
    ])
    func badPostgresURL(url: String, problem: String) {
        let error = #expect(throws: IntakeError.self) { _ = try PostgresEndpoint(url: url) }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains(problem), "\(text)")
        #expect(!text.contains("secret-pw"))
    }

    @Test("a good PostgreSQL URL: credentials decoded, shown without the password")
    func goodPostgresURL() throws {
        let e = try PostgresEndpoint(url: "postgresql://svc%40intake:p%40ss%2Fw@db.local:6543/soar?sslmode=require&pool_size=4")
        #expect(e.username == "svc@intake" && e.password == "p@ss/w" && e.host == "db.local" && e.port == 6543)
        #expect(e.database == "soar" && e.tls == .require && e.poolSize == 4)
        #expect(e.description == "postgres://svc@intake@db.local:6543/soar")
    }
}

@Suite("Test set-up")
struct TestSetupTests {
    @Test("the PostgreSQL backend is under test whenever the test script says it must be")
    func postgresConfigured() {
        if ProcessInfo.processInfo.environment["INTAKE_REQUIRE_POSTGRES"] == "1" {
            #expect(postgresURL != nil, "scripts/test started PostgreSQL but INTAKE_TEST_POSTGRES_URL did not reach the tests")
        }
    }
}
