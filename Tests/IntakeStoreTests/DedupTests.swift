import Foundation
import GRDB
import IntakeCore
import IntakeStore
import IntakeTestSupport
import Testing

@Suite("SOAR deduplication, on every backend")
struct DedupTests {
    @Test("same source id and label: the existing container, as a duplicate, still receiving new artifacts", arguments: Backend.enabled)
    func sameContainer(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { store, _ in
            let first = try await store.savePage([.init(container: draft("INC-1"), artifacts: [artifact("10.0.0.1")])])
            let second = try await store.savePage([.init(container: draft("INC-1"), artifacts: [artifact("10.0.0.2", sdi: "a-2")])])
            #expect(first.containers[0].outcome == .new)
            #expect(second.containers[0].outcome == .duplicate)
            #expect(second.containers[0].id == first.containers[0].id)
            #expect(second.summary.containersDuplicate == 1)
            #expect(second.summary.artifactsNew == 1)
            let all = try await store.containers(ContainerQuery())
            #expect(all.count == 1)
            #expect(all[0].artifactCount == 2)
        }
    }

    @Test("another label makes another container", arguments: Backend.enabled)
    func otherLabel(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { store, _ in
            let a = try await store.savePage([.init(container: draft("INC-1", label: "incident"), artifacts: [])])
            let b = try await store.savePage([.init(container: draft("INC-1", label: "vulnerability"), artifacts: [])])
            #expect(b.containers[0].outcome == .new)
            #expect(a.containers[0].id != b.containers[0].id)
            #expect(try await store.containers(ContainerQuery()).count == 2)
        }
    }

    @Test("another asset with the same source id and label makes another container", arguments: Backend.enabled)
    func otherAsset(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { store, _ in
            try await store.savePage([.init(container: draft("INC-1"), artifacts: [])], asset: "one")
            let b = try await store.savePage([.init(container: draft("INC-1"), artifacts: [])], asset: "two")
            #expect(b.containers[0].outcome == .new)
        }
    }

    @Test("the same artifact body in the same container is a duplicate, also within one page", arguments: Backend.enabled)
    func sameArtifact(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { store, _ in
            let first = try await store.savePage([
                .init(container: draft("INC-1"), artifacts: [artifact("10.0.0.1"), artifact("10.0.0.1")]),
            ])
            #expect(first.summary.artifactsNew == 1)
            #expect(first.summary.artifactsDuplicate == 1)
            let again = try await store.savePage([.init(container: draft("INC-1"), artifacts: [artifact("10.0.0.1")])])
            #expect(again.summary.artifactsNew == 0)
            #expect(again.summary.artifactsDuplicate == 1)
            #expect(try await store.artifacts(ArtifactQuery()).count == 1)
            #expect(try await store.containers(ContainerQuery())[0].artifactCount == 1)
        }
    }

    @Test("the same artifact body in another container is stored there too", arguments: Backend.enabled)
    func sameArtifactOtherContainer(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { store, _ in
            try await store.savePage([.init(container: draft("INC-1"), artifacts: [artifact("10.0.0.1")])])
            let b = try await store.savePage([.init(container: draft("INC-2"), artifacts: [artifact("10.0.0.1")])])
            #expect(b.summary.artifactsNew == 1)
        }
    }

    @Test("an artifact without a source_data_identifier is never deduplicated", arguments: Backend.enabled)
    func noSDI(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { store, _ in
            try await store.savePage([.init(container: draft("INC-1"), artifacts: [artifact("10.0.0.1", sdi: nil)])])
            let again = try await store.savePage([.init(container: draft("INC-1"), artifacts: [artifact("10.0.0.1", sdi: nil)])])
            #expect(again.summary.artifactsNew == 1)
            #expect(try await store.artifacts(ArtifactQuery()).count == 2)
        }
    }

    @Test("container counters and times follow its artifacts", arguments: Backend.enabled)
    func counters(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { store, _ in
            try await store.savePage([.init(container: draft("INC-1"), artifacts: [
                artifact("a", sdi: "1", start: "2024-05-01T10:00:00Z"), artifact("b", sdi: "2", start: "2024-05-01T08:00:00Z"),
            ])])
            try await store.savePage([.init(container: draft("INC-1"), artifacts: [
                artifact("c", sdi: "3", start: "2024-05-01T12:00:00Z"), artifact("a", sdi: "1", start: "2024-05-01T10:00:00Z"),
            ])])
            let c = try #require(try await store.containers(ContainerQuery()).first)
            #expect(c.artifactCount == 3)
            #expect(c.startTime?.iso8601 == "2024-05-01T08:00:00.000000Z")
            #expect(c.endTime?.iso8601 == "2024-05-01T12:00:00.000000Z")
            #expect(c.artifactUpdateTime != nil)
            #expect(c.status == "open" && c.severity == "medium" && c.sensitivity == "amber")
        }
    }

    @Test("the checkpoint is saved with the page, and a page without one leaves it alone", arguments: Backend.enabled)
    func checkpoint(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { store, _ in
            #expect(try await store.checkpoint(asset: "test-asset") == nil)
            try await store.savePage([.init(container: draft("INC-1"), artifacts: [])], checkpoint: ["time": "2024-05-01T00:00:00.000000Z"])
            #expect(try await store.checkpoint(asset: "test-asset")?.cursor?["time"] == "2024-05-01T00:00:00.000000Z")
            try await store.savePage([.init(container: draft("INC-2"), artifacts: [])], checkpoint: nil)
            #expect(try await store.checkpoint(asset: "test-asset")?.cursor?["time"] == "2024-05-01T00:00:00.000000Z")
            #expect(try await store.checkpoint(asset: "test-asset")?.firstRun == true)
        }
    }

    @Test("a container limit stops the page at the first record it does not let through", arguments: Backend.enabled)
    func containerLimit(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { store, _ in
            let entries = (1...5).map { PageWrite.Entry(container: draft("INC-\($0)"), artifacts: [artifact("x\($0)")]) }
            let out = try await store.savePage(entries, limits: PollLimits(containers: 3))
            #expect(out.stoppedAtEntry == 3)
            #expect(out.summary.containersNew == 3)
            #expect(try await store.containers(ContainerQuery()).count == 3)
            // A duplicate container with only duplicate artifacts does not count against the limit.
            let again = try await store.savePage(Array(entries.prefix(3)) + [entries[3], entries[4]], limits: PollLimits(containers: 1))
            #expect(again.stoppedAtEntry == 4)
            #expect(again.summary.containersNew == 1)
            #expect(again.summary.containersDuplicate == 3)
        }
    }

    @Test("an artifact limit per container stops the page; duplicates pass", arguments: Backend.enabled)
    func artifactLimit(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { store, _ in
            let arts = (1...4).map { artifact("10.0.0.\($0)", sdi: "s\($0)") }
            let out = try await store.savePage([.init(container: draft("INC-1"), artifacts: arts)],
                                               limits: PollLimits(artifactsPerContainer: 2))
            #expect(out.stoppedAtEntry == 0)
            #expect(out.summary.artifactsNew == 2)
            let again = try await store.savePage([.init(container: draft("INC-1"), artifacts: Array(arts.prefix(2)))],
                                                 limits: PollLimits(artifactsPerContainer: 1))
            #expect(again.stoppedAtEntry == nil)
            #expect(again.summary.artifactsDuplicate == 2)
        }
    }

    @Test("reopening a store keeps everything and migrations are idempotent")
    func reopen() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("intake-reopen-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s1 = try await SQLiteStore(path: dir + "/s.sqlite")
        try await s1.savePage([.init(container: draft("INC-1"), artifacts: [artifact("a")])])
        await s1.close()
        let s2 = try await SQLiteStore(path: dir + "/s.sqlite")
        try await s2.migrate()
        #expect(try await s2.containers(ContainerQuery()).count == 1)
        let attrs = try FileManager.default.attributesOfItem(atPath: dir + "/s.sqlite")
        #expect((attrs[.posixPermissions] as? Int) == 0o600)
        await s2.close()
    }

    @Test("a new store has 16 KiB pages; a store made with another page size keeps it and works")
    func pageSize() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("intake-pages-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        /// The page size in the file's header (bytes 16–17, big-endian; 1 stands for 65,536).
        func pageSize(_ path: String) throws -> Int {
            let header = try Data(contentsOf: URL(fileURLWithPath: path)).prefix(18)
            let size = Int(header[16]) << 8 | Int(header[17])
            return size == 1 ? 65_536 : size
        }
        let fresh = try await SQLiteStore(path: dir + "/new.sqlite")
        try await fresh.savePage([.init(container: draft("INC-1"), artifacts: [artifact("a")])])
        await fresh.close()
        #expect(try pageSize(dir + "/new.sqlite") == 16_384)

        // A store an earlier Intake created (SQLite's default 4 KiB pages, WAL) keeps its page size.
        let old = dir + "/old.sqlite"
        let queue = try DatabaseQueue(path: old)
        try await queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "CREATE TABLE earlier (x INTEGER)")
        }
        try queue.close()
        #expect(try pageSize(old) == 4_096)
        let reopened = try await SQLiteStore(path: old)
        let arts = (1...200).map { artifact("10.0.\($0 / 250).\($0 % 250)", sdi: "s\($0)") }
        #expect(try await reopened.savePage([.init(container: draft("INC-1"), artifacts: arts)]).summary.artifactsNew == 200)
        #expect(try await reopened.savePage([.init(container: draft("INC-1"), artifacts: arts)]).summary.artifactsDuplicate == 200)
        await reopened.close()
        #expect(try pageSize(old) == 4_096)
    }

    @Test("a file that is not a database fails with a clear error naming it")
    func notADatabase() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("intake-bad-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/junk.sqlite"
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
        do {
            _ = try await SQLiteStore(path: path)
            Issue.record("opened a file that is not a database")
        } catch {
            #expect(error.message.contains("not a SQLite database"), "\(error)")
            #expect(error.location == path)
        }
    }

    @Test("store URLs", arguments: [
        ("sqlite:///var/lib/intake.sqlite", "sqlite:///var/lib/intake.sqlite"),
        ("sqlite://data/intake.sqlite", "sqlite:///etc/intake/data/intake.sqlite"),
        ("postgres://u:pw@127.0.0.1:5432/intake", "postgres://127.0.0.1:5432/intake"),
    ])
    func storeURLs(url: String, shown: String) throws {
        #expect(try StoreLocation(url: url, baseDirectory: "/etc/intake").description == shown)
    }

    @Test("a malformed store URL is refused without echoing its password")
    func badStoreURL() {
        do {
            _ = try StoreLocation(url: "mysql://root:hunter22@db/x", baseDirectory: "/")
            Issue.record("accepted mysql://")
        } catch {
            #expect(!error.description.contains("hunter22"))
            #expect(error.message.contains("unsupported store URL"))
        }
    }
}
