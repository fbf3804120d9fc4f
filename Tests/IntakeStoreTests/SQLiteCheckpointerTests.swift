import Foundation
import IntakeCore
@testable import IntakeStore
import IntakeTestSupport
import Logging
import Testing

/// The SQLite store copies its WAL into the database from a connection of its own, shortly after
/// writes, so that the writer never waits on a checkpoint's `fdatasync`.
@Suite("SQLite WAL checkpoints off the writer")
struct SQLiteCheckpointerTests {
    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? -1
    }

    /// A fresh store with these WAL thresholds, the database file's size once it is open, and five
    /// pages of 40 containers and artifacts saved; the store is closed by `body` or afterwards.
    static func withFilledStore(backgroundFrames: Int32, writerFrames: Int32,
                                _ body: (SQLiteStore, _ path: String, _ sizeBefore: Int) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("intake-ckpt-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/intake.sqlite"
        let store = try await SQLiteStore(path: path, logger: Logger(label: "test"),
                                          walHook: .init(backgroundFrames: backgroundFrames, writerFrames: writerFrames))
        let before = size(path)
        for n in 0..<5 {
            try await store.savePage((0..<40).map { k in .init(container: draft("INC-\(n)-\(k)"), artifacts: [artifact("10.\(n).0.\(k)")]) })
        }
        try await body(store, path, before)
        await store.close()
    }

    @Test("past the background threshold the WAL reaches the database file while the store is open, with the writer's bound far off")
    func checkpointedInBackground() async throws {
        // The background checkpointer is asked for past 8 WAL pages; the writer would only
        // checkpoint itself past a million.
        try await Self.withFilledStore(backgroundFrames: 8, writerFrames: 1_000_000) { store, path, before in
            var after = before
            let deadline = ContinuousClock.now + .seconds(10)
            while after == before, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                after = Self.size(path)
            }
            #expect(after > before, "the database file grew from the WAL while the store stayed open (\(before) → \(after) bytes)")
            #expect(try await store.containers(ContainerQuery(limit: 1_000)).count == 200)
            #expect(try await store.artifacts(ArtifactQuery(limit: 1_000)).count == 200)
        }
    }

    @Test("below the background threshold nothing is checkpointed until the store closes")
    func belowThreshold() async throws {
        try await Self.withFilledStore(backgroundFrames: 1_000_000, writerFrames: 2_000_000) { store, path, before in
            try await Task.sleep(for: .milliseconds(500))
            #expect(Self.size(path) == before, "no checkpoint was asked for")
            #expect(Self.size(path + "-wal") > 0)
            await store.close()
            #expect(Self.size(path) > before, "closing the last connection checkpoints")
        }
    }

    @Test("past the writer's bound the writer checkpoints itself, so the WAL stays bounded without the checkpointer")
    func writerBound() async throws {
        // The background threshold is never reached before the writer's: only the writer can have copied pages.
        try await Self.withFilledStore(backgroundFrames: 1_000_000, writerFrames: 8) { _, path, before in
            #expect(Self.size(path) > before, "the writer checkpointed as it committed")
        }
    }

    @Test("closing the store stops the checkpointer; the store opens again with everything in it")
    func closeAndReopen() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("intake-ckpt-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/intake.sqlite"
        for round in 0..<3 {
            let store = try await SQLiteStore(path: path)
            try await store.savePage([.init(container: draft("INC-\(round)"), artifacts: [artifact("10.0.1.\(round)")])])
            // Closed while a checkpoint may be pending or running.
            await store.close()
        }
        let store = try await SQLiteStore(path: path)
        #expect(try await store.containers(ContainerQuery()).count == 3)
        #expect(try await store.artifacts(ArtifactQuery()).count == 3)
        await store.close()
    }
}
