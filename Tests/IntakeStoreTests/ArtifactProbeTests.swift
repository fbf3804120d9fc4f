import Foundation
import IntakeCore
@testable import IntakeStore
import IntakeTestSupport
import Testing

/// PostgreSQL skips looking a page's artifacts up among those stored while the asset's recent pages
/// found none (``ArtifactProbe``). A skip that was wrong must cost time only: the dedup index refuses
/// the stored artifact, the transaction runs again looked up, and every artifact is stored once and
/// counted as what it is.
@Suite("Skipping the look-up of stored artifacts (PostgreSQL)")
struct ArtifactProbeTests {
    @Test("the look-up is skipped after a page found nothing, kept after a page found something, and longer after each refusal")
    func policy() {
        var p = ArtifactProbe()
        let firstPage = p.next()
        #expect(firstPage, "the first page of an asset is looked up")
        p.lookedUp(found: false)
        let skipped = [p.next(), p.next()]
        #expect(skipped == [false, false])

        p.refused(pages: 3)
        #expect(p.after == 2)
        var again: [Bool] = []
        for _ in 0..<3 { again.append(p.next()) }
        #expect(again == [true, true, true], "the transaction runs again with every page looked up")
        let afterRetry = p.next()
        #expect(!afterRetry)

        // A re-ingest: every page finds stored artifacts, so every page is looked up.
        p.lookedUp(found: true)
        var reingest: [Bool] = []
        for _ in 0..<5 {
            reingest.append(p.next())
            p.lookedUp(found: true)
        }
        #expect(reingest == [true, true, true, true, true])

        for _ in 0..<10 { p.refused(pages: 1) }
        #expect(p.after == ArtifactProbe.maxAfter, "refusals stop doubling the look-ups at the cap")
        #expect(p.pending == ArtifactProbe.maxAfter)
    }

    /// A PostgreSQL store on a fresh database and a run of asset "a" begun in it; closed afterwards.
    static func withStore(_ body: (PostgresStore, _ run: Int64) async throws -> Void) async throws {
        try await withTemporaryDatabase { url in
            let store = try await PostgresStore(url: url)
            let run = try await BatchSaveTests.begin(store)
            try await body(store, run)
            await store.close()
        }
    }

    static func page(_ run: Int64, _ sdi: String, _ values: [String], asset: String = "a") -> PageWrite {
        PageWrite(asset: asset, appId: "http_json", runId: run,
                  entries: [.init(container: draft(sdi), artifacts: values.map { artifact($0, sdi: "s-\($0)") })],
                  records: 1)
    }

    @Test("an artifact stored before a page whose look-up was skipped is a duplicate, stored once",
          .enabled(if: postgresURL != nil, "INTAKE_TEST_POSTGRES_URL is not set"))
    func skippedThenRefused() async throws {
        try await Self.withStore { store, run in
            let first = try await store.save(Self.page(run, "INC-1", ["x", "y"]))
            #expect(first.summary.artifactsNew == 2)
            #expect(store.probes.withLock { $0["a"] } == ArtifactProbe().lookedUpOnce, "the next page of the asset skips its look-up")

            let second = try await store.save(Self.page(run, "INC-1", ["y", "z"]))
            #expect(second.summary.artifactsNew == 1)
            #expect(second.summary.artifactsDuplicate == 1)
            #expect(second.artifacts[0].map(\.outcome) == [.duplicate, .new])
            #expect(store.probes.withLock { $0["a"]?.after } == 2, "the skip was refused once")

            let stored = try await store.artifacts(ArtifactQuery())
            #expect(stored.count == 3)
            #expect(Set(stored.map(\.sourceDataIdentifier)) == ["s-x", "s-y", "s-z"])
            let runs = try await store.runs(asset: "a", limit: 1)
            #expect(runs.first?.summary.pages == 2, "the refused attempt left no counters behind")
            #expect(runs.first?.summary.artifactsNew == 3)
            #expect(runs.first?.summary.artifactsDuplicate == 1)
        }
    }

    @Test("a refused skip in a page taken from waiting runs the transaction again with that page, taken once",
          .enabled(if: postgresURL != nil, "INTAKE_TEST_POSTGRES_URL is not set"))
    func refusedInTakenPage() async throws {
        try await Self.withStore { store, run in
            let waiting = WaitingPagesTests.Waiting([Self.page(run, "INC-1", ["x", "w"])])
            let outcomes = try await store.save(pages: [Self.page(run, "INC-1", ["x"])], then: waiting.next)
            #expect(outcomes.map(\.summary.artifactsNew) == [1, 1])
            #expect(outcomes.map(\.summary.artifactsDuplicate) == [0, 1], "x was stored by the page before, in the same transaction")
            #expect(waiting.calls == 2, "the page was taken once; the attempt that ran again asked once more and found none")
            #expect(store.probes.withLock { $0["a"]?.after } == 2)
            #expect(try await store.artifacts(ArtifactQuery()).count == 2)
        }
    }

    @Test("PostgreSQL takes waiting pages only until the transaction holds its bound of pages",
          .enabled(if: postgresURL != nil, "INTAKE_TEST_POSTGRES_URL is not set"))
    func boundedPages() async throws {
        try await Self.withStore { store, run in
            let waiting = WaitingPagesTests.Waiting((0..<PostgresStore.transactionPages + 2).map { Self.page(run, "INC-\($0)", ["v\($0)"]) })
            let outcomes = try await store.save(pages: [Self.page(run, "INC-first", ["v"])], then: waiting.next)
            #expect(outcomes.count == PostgresStore.transactionPages)
            #expect(waiting.left == 3)
            #expect(try await store.runs(asset: "a", limit: 1).first?.summary.pages == PostgresStore.transactionPages)
        }
    }

    @Test("PostgreSQL takes waiting pages only until the transaction holds its bound of artifacts",
          .enabled(if: postgresURL != nil, "INTAKE_TEST_POSTGRES_URL is not set"))
    func boundedTransaction() async throws {
        try await Self.withStore { store, run in
            let half = PostgresStore.transactionArtifacts / 2
            let waiting = WaitingPagesTests.Waiting([Self.page(run, "INC-2", (0..<half).map { "b\($0)" }),
                                                     Self.page(run, "INC-3", ["c"])])
            let outcomes = try await store.save(pages: [Self.page(run, "INC-1", (0..<half).map { "a\($0)" })], then: waiting.next)
            #expect(outcomes.count == 2, "the second page reached the bound")
            #expect(waiting.calls == 1)
            #expect(waiting.left == 1)
            #expect(try await store.artifacts(ArtifactQuery(limit: 1_000_000)).count == PostgresStore.transactionArtifacts)
        }
    }
}

extension ArtifactProbe {
    /// The state after an asset's first page was looked up and found nothing.
    var lookedUpOnce: ArtifactProbe {
        var p = self
        _ = p.next()
        p.lookedUp(found: false)
        return p
    }
}
