import Foundation
import Synchronization
import IntakeCore
import IntakeStore
import IntakeTestSupport
import Testing

/// `save(pages:)`: several pages of one poll in one transaction, with the same outcomes, limits and
/// checkpoint as saving them one by one.
@Suite("Saving several pages in one transaction, on every backend")
struct BatchSaveTests {
    static func page(_ run: Int64, _ sdis: [String], artifacts: [String], checkpoint: JSONValue? = nil,
                     limits: PollLimits = PollLimits(), asset: String = "a") -> PageWrite {
        PageWrite(asset: asset, appId: "http_json", runId: run,
                  entries: sdis.map { .init(container: draft($0), artifacts: artifacts.map { artifact($0) }) },
                  records: sdis.count, checkpoint: checkpoint, limits: limits)
    }

    static func begin(_ store: any Store, asset: String = "a") async throws -> Int64 {
        let now = Timestamp.now()
        return try await store.beginRun(PollRunStart(asset: asset, mode: .scheduled, windowStart: now, windowEnd: now, startedAt: now))
    }

    @Test("pages saved together give the outcomes, counters and checkpoint of pages saved one by one", arguments: Backend.enabled)
    func sameAsOneByOne(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { store, _ in
            let run = try await Self.begin(store)
            let outcomes = try await store.save(pages: [
                Self.page(run, ["INC-1", "INC-2"], artifacts: ["x", "y"]),
                Self.page(run, ["INC-2", "INC-3"], artifacts: ["y", "z"]),
                Self.page(run, ["INC-1"], artifacts: ["x"], checkpoint: ["time": "2024-05-01T00:00:00.000000Z"]),
            ])
            #expect(outcomes.count == 3)
            #expect(outcomes.map(\.summary.artifactsNew) == [4, 3, 0])
            #expect(outcomes.map(\.summary.artifactsDuplicate) == [0, 1, 1])
            #expect(outcomes.map(\.summary.containersNew) == [2, 1, 0])
            #expect(outcomes.map(\.summary.containersDuplicate) == [0, 0, 0], "a container already seen in this poll counts once")
            #expect(try await store.checkpoint(asset: "a")?.cursor == ["time": "2024-05-01T00:00:00.000000Z"])
            #expect(try await store.artifacts(ArtifactQuery()).count == 7)
            let runs = try await store.runs(asset: "a", limit: 1)
            #expect(runs.first?.summary.pages == 3)
            #expect(runs.first?.summary.records == 5)
            #expect(runs.first?.summary.artifactsNew == 7)
        }
    }

    @Test("limits carry from page to page, and nothing after the page a limit stopped is saved", arguments: Backend.enabled)
    func limitsCarry(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { store, _ in
            let run = try await Self.begin(store)
            let outcomes = try await store.save(pages: [
                Self.page(run, ["INC-1", "INC-2"], artifacts: ["x"], limits: PollLimits(containers: 3)),
                // The limits given with later pages are ignored: the first page's carry on.
                Self.page(run, ["INC-3", "INC-4"], artifacts: ["x"], limits: PollLimits()),
                Self.page(run, ["INC-5"], artifacts: ["x"], checkpoint: ["time": "2024-05-01T00:00:00.000000Z"]),
            ])
            #expect(outcomes.count == 2, "the third page is not saved once the second stopped")
            #expect(outcomes[0].stoppedAtEntry == nil)
            #expect(outcomes[1].stoppedAtEntry == 1)
            #expect(outcomes[1].limits.touchedContainers.count == 3)
            let containers = try await store.containers(ContainerQuery())
            #expect(Set(containers.map(\.sourceDataIdentifier)) == ["INC-1", "INC-2", "INC-3"])
            #expect(try await store.checkpoint(asset: "a") == nil, "the stopped batch never reached the checkpoint")
        }
    }

    @Test("no pages is nothing to do; pages of different assets are refused and nothing is saved", arguments: Backend.enabled)
    func edges(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { store, _ in
            #expect(try await store.save(pages: []).isEmpty)
            let run = try await Self.begin(store)
            let error = await #expect(throws: IntakeError.self) {
                try await store.save(pages: [Self.page(run, ["INC-1"], artifacts: ["x"]),
                                             Self.page(run, ["INC-2"], artifacts: ["x"], asset: "b")])
            }
            #expect(error?.code == .store)
            #expect(error?.message.contains("different assets") == true, "\(String(describing: error))")
            #expect(try await store.containers(ContainerQuery()).isEmpty)
        }
    }
}

/// Pages handed over one at a time while a transaction is open (`save(pages:then:)`): both stores take
/// them into the same transaction (PostgreSQL up to a bound, as it keeps them until it commits).
@Suite("Taking waiting pages into an open transaction, on every backend")
struct WaitingPagesTests {
    /// Hands out `pages` in order, counting the calls; the caller's closure for `save(pages:then:)`.
    final class Waiting: Sendable {
        private let state: Mutex<(pages: [PageWrite], calls: Int)>
        init(_ pages: [PageWrite]) { state = Mutex((pages, 0)) }
        var calls: Int { state.withLock { $0.calls } }
        var left: Int { state.withLock { $0.pages.count } }
        func next() -> PageWrite? {
            state.withLock { s in
                s.calls += 1
                return s.pages.isEmpty ? nil : s.pages.removeFirst()
            }
        }
    }

    static let time: JSONValue = ["time": "2024-05-01T00:00:00.000000Z"]

    @Test("the waiting pages are saved in the same transaction, in order, with the limits carried on", arguments: Backend.enabled)
    func takesWaiting(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { store, _ in
            let run = try await BatchSaveTests.begin(store)
            let waiting = Waiting([BatchSaveTests.page(run, ["INC-2", "INC-3"], artifacts: ["y"]),
                                   BatchSaveTests.page(run, ["INC-1"], artifacts: ["x", "z"], checkpoint: Self.time)])
            let outcomes = try await store.save(pages: [BatchSaveTests.page(run, ["INC-1", "INC-2"], artifacts: ["x"])],
                                                then: waiting.next)
            let runs = try await store.runs(asset: "a", limit: 1)
            #expect(outcomes.count == 3)
            #expect(outcomes.map(\.summary.artifactsNew) == [2, 2, 1])
            #expect(outcomes.map(\.summary.artifactsDuplicate) == [0, 0, 1])
            #expect(outcomes.map(\.summary.containersNew) == [2, 1, 0], "INC-2 and INC-1 were seen earlier in the transaction")
            #expect(waiting.calls == 3, "asked until nothing was waiting")
            #expect(try await store.checkpoint(asset: "a")?.cursor == Self.time)
            #expect(try await store.artifacts(ArtifactQuery()).count == 5)
            #expect(runs.first?.summary.pages == 3)
            #expect(runs.first?.summary.artifactsNew == 5)
            #expect(runs.first?.summary.artifactsDuplicate == 1)
        }
    }

    @Test("nothing more is taken after a page a limit stopped", arguments: Backend.enabled)
    func stopsAtLimit(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { store, _ in
            let run = try await BatchSaveTests.begin(store)
            let waiting = Waiting([BatchSaveTests.page(run, ["INC-3", "INC-4"], artifacts: ["x"]),
                                   BatchSaveTests.page(run, ["INC-5"], artifacts: ["x"], checkpoint: Self.time)])
            let outcomes = try await store.save(pages: [BatchSaveTests.page(run, ["INC-1", "INC-2"], artifacts: ["x"],
                                                                            limits: PollLimits(containers: 3))],
                                                then: waiting.next)
            #expect(outcomes.count == 2)
            #expect(outcomes[1].stoppedAtEntry == 1, "the limit carried into the page taken from waiting")
            #expect(waiting.calls == 1, "the page after the stopped one is left waiting")
            #expect(waiting.left == 1)
            let containers = try await store.containers(ContainerQuery())
            #expect(Set(containers.map(\.sourceDataIdentifier)) == ["INC-1", "INC-2", "INC-3"])
            #expect(try await store.checkpoint(asset: "a") == nil)
        }
    }

    @Test("a waiting page that cannot be saved rolls the whole transaction back, the pages before it included", arguments: Backend.enabled)
    func failureRollsBack(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { store, _ in
            let run = try await BatchSaveTests.begin(store)
            let waiting = Waiting([BatchSaveTests.page(run, ["INC-2"], artifacts: ["x"], checkpoint: Self.time),
                                   BatchSaveTests.page(run, ["INC-3"], artifacts: ["x"], asset: "b")])
            let error = await #expect(throws: IntakeError.self) {
                try await store.save(pages: [BatchSaveTests.page(run, ["INC-1"], artifacts: ["x"])], then: waiting.next)
            }
            #expect(error?.message.contains("different assets") == true, "\(String(describing: error))")
            #expect(try await store.containers(ContainerQuery()).isEmpty)
            #expect(try await store.artifacts(ArtifactQuery()).isEmpty)
            #expect(try await store.checkpoint(asset: "a") == nil, "the checkpoint of a page taken into the transaction is rolled back too")
            #expect(try await store.runs(asset: "a", limit: 1).first?.summary.pages == 0)
        }
    }
}

/// Entries whose JSON columns the mapping stage wrote ahead save exactly like entries the store
/// encodes itself: same outcomes, same stored JSON, duplicates found either way.
@Suite("Saving entries encoded ahead, on every backend")
struct EncodeAheadTests {
    static func entries(encodeAhead: Bool) -> [PageWrite.Entry] {
        let record: JSONValue = ["z": 1, "a": ["k": "v", "b": [1, 2, "x\"y"]], "é": .null]
        return (0..<6).map { n in
            PageWrite.Entry(container: ContainerDraft(label: "incident", name: "C", sourceDataIdentifier: "C\(n % 2)", data: record),
                            artifacts: [
                                ArtifactDraft(name: "first", sourceDataIdentifier: "s\(n)", cef: ["sourceAddress": .string("10.0.0.\(n)"), "b": 2],
                                              data: record),
                                ArtifactDraft(name: "second", sourceDataIdentifier: "t\(n % 2)", cef: ["deviceAction": "allow"], data: record),
                            ],
                            encodeAhead: encodeAhead)
        }
    }

    @Test("the same outcomes and the same stored JSON with and without encoding ahead", arguments: Backend.enabled)
    func sameAsEncodedBySave(_ backend: Backend) async throws {
        var stored: [Bool: [String]] = [:]
        for ahead in [false, true] {
            try await withTemporaryStore(backend) { store, _ in
                let first = try await store.savePage(Self.entries(encodeAhead: ahead))
                #expect(first.summary.artifactsNew == 8, "6 firsts, and 2 seconds: one per container")
                #expect(first.summary.artifactsDuplicate == 4)
                let again = try await store.savePage(Self.entries(encodeAhead: ahead))
                #expect(again.summary.artifactsNew == 0)
                #expect(again.summary.artifactsDuplicate == 12)
                let rows = try await store.artifacts(ArtifactQuery())
                #expect(rows.count == 8)
                stored[ahead] = rows.map { JSONWriter.string(.object($0.cef)) + " " + JSONWriter.string($0.data) }.sorted()
            }
        }
        #expect(stored[true] == stored[false])
        #expect(stored[true]?.first?.contains(#"{"z":1,"a":{"k":"v","b":[1,2,"x\"y"]},"é":null}"#) == true, "document order kept")
    }
}
