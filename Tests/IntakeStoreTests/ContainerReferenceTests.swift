import Foundation
import IntakeCore
@testable import IntakeStore
import IntakeTestSupport
import Logging
import PostgresNIO
import Testing

/// PostgreSQL keeps the artifacts' reference to their containers without a foreign key (migration 3):
/// a container's deletion removes its artifacts by triggers, and a save whose container was deleted
/// meanwhile runs again into a new one. No artifact is ever left pointing at a missing container.
@Suite("The artifacts' container reference (PostgreSQL)", .enabled(if: postgresURL != nil))
struct ContainerReferenceTests {
    /// A PostgreSQL store on a fresh database, its URL and a second connection of the test's own.
    static func withStore(_ body: (PostgresStore, PostgresConnection) async throws -> Void) async throws {
        try await withTemporaryDatabase { url in
            let store = try await PostgresStore(url: url)
            let other = try await testConnection(url, id: 2)
            do {
                try await body(store, other)
            } catch {
                try? await other.close()
                await store.close()
                throw error
            }
            try await other.close()
            await store.close()
        }
    }

    static let logger = Logger(label: "intake.tests")

    static func count(_ conn: PostgresConnection, _ sql: String) async throws -> Int64 {
        for try await n in try await conn.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(Int64.self) { return n }
        return -1
    }

    static func orphans(_ conn: PostgresConnection) async throws -> Int64 {
        try await count(conn, "SELECT count(*) FROM artifacts a WHERE NOT EXISTS (SELECT 1 FROM containers c WHERE c.id = a.container_id)")
    }

    @Test("the schema has no foreign key from artifacts, and a BRIN index on create_time")
    func schema() async throws {
        try await Self.withStore { _, conn in
            let keys = try await Self.count(conn, "SELECT count(*) FROM pg_constraint WHERE conrelid = 'artifacts'::regclass AND contype = 'f'")
            #expect(keys == 0)
            let brin = try await Self.count(conn, """
                SELECT count(*) FROM pg_indexes WHERE tablename = 'artifacts' AND indexname = 'artifacts_created' AND indexdef LIKE '%USING brin%'
                """)
            #expect(brin == 1)
        }
    }

    @Test("deleting a container deletes its artifacts, and only its own; TRUNCATE of containers empties artifacts")
    func deleteCascades() async throws {
        try await Self.withStore { store, conn in
            try await store.savePage([.init(container: draft("c1"), artifacts: [artifact("1", sdi: "x"), artifact("2", sdi: "y")]),
                                      .init(container: draft("c2"), artifacts: [artifact("3", sdi: "z")])], asset: "a")
            #expect(try await store.artifacts(ArtifactQuery()).count == 3)
            try await conn.query("DELETE FROM containers WHERE source_data_identifier = 'c1'", logger: Self.logger)
            let left = try await store.artifacts(ArtifactQuery())
            #expect(left.map { $0.cef["sourceAddress"] } == [.string("3")])
            #expect(try await Self.orphans(conn) == 0)

            try await conn.query("TRUNCATE containers CASCADE", logger: Self.logger)
            #expect(try await Self.count(conn, "SELECT count(*) FROM artifacts") == 0)
        }
    }

    @Test("a container deleted while a page's artifacts are saved into it: the save runs again into a new container")
    func deletedDuringSave() async throws {
        try await Self.withStore { store, conn in
            try await store.savePage([.init(container: draft("c1"), artifacts: [artifact("1", sdi: "x")])], asset: "a")
            let before = try #require(try await store.containers(ContainerQuery()).first)

            // The deletion holds the container's row until it commits: the save looks the container
            // up (it is still there for it), copies its artifact, then waits at its UPDATE of the
            // container's counters, which finds the row gone once the deletion commits.
            try await conn.query("BEGIN", logger: Self.logger)
            try await conn.query("DELETE FROM containers WHERE source_data_identifier = 'c1'", logger: Self.logger)
            let save = Task {
                try await store.savePage([.init(container: draft("c1"), artifacts: [artifact("2", sdi: "y")])], asset: "a")
            }
            var waited = 0
            // (The statistics are read afresh each time: this session's transaction would keep its first look.)
            while try await Self.count(conn, """
                SELECT count(*) FROM pg_stat_activity, pg_stat_clear_snapshot()
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'
                """) == 0 {
                waited += 1
                try #require(waited < 500, "the save never waited for the deleted container's row")
                try await Task.sleep(for: .milliseconds(20))
            }
            try await conn.query("COMMIT", logger: Self.logger)
            let outcome = try await save.value

            #expect(outcome.containers.map(\.outcome) == [.new], "the container is created again")
            let containers = try await store.containers(ContainerQuery())
            #expect(containers.count == 1)
            #expect(containers.first?.id != before.id)
            #expect(containers.first?.artifactCount == 1)
            let artifacts = try await store.artifacts(ArtifactQuery())
            #expect(artifacts.map { $0.cef["sourceAddress"] } == [.string("2")], "the deleted container's artifact went with it")
            #expect(artifacts.first?.container == containers.first?.id)
            #expect(try await Self.orphans(conn) == 0)
        }
    }

    @Test("an UPDATE that misses a container it was given fails as a race, naming the container")
    func missingContainerIsARace() async throws {
        try await Self.withStore { store, _ in
            do {
                try await store.transaction("update a missing container") { session in
                    try await PostgresStore.updateContainers(session, [424_242: SavePlan.Touch(earliest: 0, latest: 0)],
                                                             now: .now(), logger: Self.logger)
                }
                Issue.record("the transaction committed")
            } catch let error as IntakeError {
                #expect(error.message.contains("container 424242 was deleted while artifacts were being saved into it"), "\(error.message)")
            }
        }
    }
}
