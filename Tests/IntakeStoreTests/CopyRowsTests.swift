import Foundation
import IntakeCore
@testable import IntakeStore
import IntakeTestSupport
import Logging
import PostgresNIO
import Testing

/// PostgreSQL stores a page's artifacts with `COPY … FROM STDIN`: what a record holds must come back
/// exactly as it went in, whatever characters and times it has, and an artifact another writer
/// stored meanwhile must turn into a duplicate, never a failed poll or a second copy.
@Suite("Artifacts streamed with COPY")
struct CopyRowsTests {
    @Test("fields are escaped the way COPY's text format reads them; NULL is \\N")
    func escaping() {
        var rows = CopyTextRows(capacity: 64)
        rows.text("a\tb\nc\rd\\e")
        rows.text(nil)
        rows.text("\\N")
        rows.int(-42)
        rows.json(["k": .string("tab\there \"q\" \\")])
        rows.json(encoded: #"{"x":"a\\b"}"#)
        rows.endRow()
        rows.text("ünï ✓")
        rows.endRow()
        let text = String(decoding: rows.bytes, as: UTF8.self)
        #expect(text == #"a\tb\nc\rd\\e"# + "\t" + #"\N"# + "\t" + #"\\N"# + "\t-42\t" + #"{"k":"tab\\there \\"q\\" \\\\"}"#
            + "\t" + #"{"x":"a\\\\b"}"# + "\nünï ✓\n")
        #expect(rows.count == 2)
    }

    @Test("escaping checks eight bytes at a time and agrees with escaping byte by byte, wherever the special bytes fall")
    func escapingByWords() {
        func reference(_ bytes: [UInt8]) -> [UInt8] {
            var out: [UInt8] = []
            for b in bytes {
                switch b {
                case 0x5C: out += [0x5C, 0x5C]
                case 0x09: out += [0x5C, 0x74]
                case 0x0A: out += [0x5C, 0x6E]
                case 0x0D: out += [0x5C, 0x72]
                default: out.append(b)
                }
            }
            return out
        }
        // Other bytes below 0x0E, 0x5B and 0x5D (next to the backslash), 0x7F, high bytes of UTF-8.
        let special: [UInt8] = [0x5C, 0x09, 0x0A, 0x0D]
        let near: [UInt8] = [0x00, 0x01, 0x08, 0x0B, 0x0C, 0x0E, 0x5B, 0x5D, 0x7F, 0x80, 0xDC, 0xFF, 0x41, 0x7B]
        var rng = SystemRandomNumberGenerator()
        for length in Array(0...40) + [63, 64, 65, 200, 1000] {
            for _ in 0..<20 {
                var text = (0..<length).map { _ in near.randomElement(using: &rng)! }
                for _ in 0..<Int.random(in: 0...3, using: &rng) where length > 0 {
                    text[Int.random(in: 0..<length, using: &rng)] = special.randomElement(using: &rng)!
                }
                var rows = CopyTextRows(capacity: 16)
                rows.text(String(decoding: text, as: UTF8.self))
                let valid = Array(String(decoding: text, as: UTF8.self).utf8)
                #expect(rows.bytes == reference(valid), "\(text)")
            }
        }
        for w in [UInt64(0), 0x4141_4141_4141_4141, 0xFFFF_FFFF_FFFF_FFFF, 0x0E0E_0E0E_0E0E_0E0E, 0x5D5B_5D5B_5D5B_5D5B] {
            #expect(!CopyTextRows.mayNeedEscape(w) || w == 0, "\(w)")
        }
        for shift in stride(from: 0, to: 64, by: 8) {
            for b in special + [0x00, 0x0D] {
                #expect(CopyTextRows.mayNeedEscape(0x4141_4141_4141_4141 & ~(0xFF << shift) | UInt64(b) << shift))
            }
        }
    }

    @Test("timestamps are written as UTC text with microseconds, past year 9999 and before year 1 too")
    func timestamps() {
        func text(_ t: Timestamp?) -> String {
            var rows = CopyTextRows(capacity: 32)
            rows.timestamp(t)
            return String(decoding: rows.bytes, as: UTF8.self)
        }
        #expect(text(nil) == #"\N"#)
        #expect(text(Timestamp(microseconds: 0)) == "1970-01-01 00:00:00.000000+00")
        #expect(text(Timestamp.storable.lowerBound) == "0001-01-01 00:00:00.000000+00")
        #expect(text(Timestamp.storable.upperBound) == "9999-12-31 23:59:59.999999+00")
        #expect(text(Timestamp(microseconds: -1)) == "1969-12-31 23:59:59.999999+00")
        #expect(text(.utc(year: 2024, month: 5, day: 1, second: 3, microsecond: 123_000)) == "2024-05-01 00:00:03.123000+00")
        #expect(text(Timestamp.utc(year: 12345, month: 6, day: 7, hour: 1, minute: 2, second: 3)) == "12345-06-07 01:02:03.000000+00")
        #expect(text(Timestamp.utc(year: 0, month: 1, day: 1)) == "0001-01-01 00:00:00.000000+00 BC")
        #expect(text(Timestamp.utc(year: -99, month: 12, day: 31)) == "0100-12-31 00:00:00.000000+00 BC")
    }

    /// Every COPY-special character in every text and JSON column, and the first and last time a
    /// store keeps (mapping refuses times outside them).
    static let awkward = ArtifactDraft(
        name: "tab\there", label: "line\nbreak", sourceDataIdentifier: "cr\rsdi\\N", startTime: Timestamp.storable.lowerBound,
        endTime: Timestamp.storable.upperBound, severity: "high", type: "back\\slash",
        killChain: "\\.", cef: ["sourceAddress": "10.0.0.1", "message": .string("a\tb\\c\nd\re \"q\" \u{1} \\N ✓")],
        cefTypes: ["message": ["text\t"]], description: "\\\n\\.\n", tags: ["a\tb", "\\N", ""],
        data: ["raw": .string("x\\y\tz\n"), "nested": ["k\t": [.null, 1.5, "\\"]]])

    static let edges = ArtifactDraft(
        name: "edges", sourceDataIdentifier: "e-1", startTime: Timestamp(microseconds: -1),
        endTime: .utc(year: 2024, month: 2, day: 29, hour: 23, minute: 59, second: 59, microsecond: 999_999),
        cef: [:], data: .null)

    @Test("text, JSON and times with COPY's special characters come back exactly", arguments: Backend.enabled)
    func roundTrip(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { store, _ in
            let drafts = [Self.awkward, Self.edges]
            let saved = try await store.savePage([.init(container: draft("INC-1"), artifacts: drafts)])
            #expect(saved.summary.artifactsNew == 2)
            let stored = try await store.artifacts(ArtifactQuery()).sorted { $0.id < $1.id }
            try #require(stored.count == 2)
            for (a, d) in zip(stored, drafts) {
                #expect(a.name == d.name)
                #expect(a.label == d.label)
                #expect(a.sourceDataIdentifier == d.sourceDataIdentifier)
                #expect(a.startTime == d.startTime)
                #expect(a.endTime == d.endTime)
                #expect(a.type == d.type)
                #expect(a.killChain == d.killChain)
                #expect(a.cef == d.cef)
                #expect(a.cefTypes == d.cefTypes)
                #expect(a.description == d.description)
                #expect(a.tags == d.tags)
                #expect(a.data == d.data)
                #expect(a.hash == d.hash)
            }
            // Stored once: the same page again is all duplicates.
            let again = try await store.savePage([.init(container: draft("INC-1"), artifacts: drafts)])
            #expect(again.summary.artifactsDuplicate == 2)
        }
    }

    /// Which row another writer stores, uncommitted, while the page is being saved.
    enum Racing: String, CaseIterable, CustomStringConvertible {
        case artifact, container
        var description: String { rawValue }
    }

    @Test("a container or artifact another writer commits while the page is being saved becomes a duplicate",
          .enabled(if: postgresURL != nil, "INTAKE_TEST_POSTGRES_URL is not set"), arguments: Racing.allCases)
    func concurrentWriter(_ racing: Racing) async throws {
        try await withTemporaryDatabase { url in
            let store = try await PostgresStore(url: url)
            let first = try await store.savePage([.init(container: draft("INC-1"), artifacts: [artifact("10.0.0.1")])])
            let racingArtifact = artifact("10.0.0.2", sdi: "a-2")
            let sdi = racing == .artifact ? "INC-1" : "INC-2"

            // Another writer stores the row in a transaction it has not committed yet: the page's
            // look-ups cannot see it, and its COPY waits on the row's index entry.
            let other = try await testConnection(url, id: 7)
            let logger = Logger(label: "intake.tests")
            try await other.query("BEGIN", logger: logger)
            switch racing {
            case .artifact:
                try await other.query("""
                    INSERT INTO artifacts (container_id, name, label, source_data_identifier, create_time, severity, hash, cef, data)
                    VALUES (\(first.containers[0].id), 'Artifact', 'event', 'a-2', now(), 'medium', \(racingArtifact.hash), '{}', '{}')
                    """, logger: logger)
            case .container:
                try await other.query("""
                    INSERT INTO containers (asset_id, asset_name, label, name, source_data_identifier, create_time, hash,
                        container_update_time, data)
                    SELECT id, name, 'incident', 'Theirs', 'INC-2', now(), '', now(), '{}' FROM assets WHERE name = 'test-asset'
                    """, logger: logger)
            }

            let saving = Task {
                try await store.savePage([.init(container: draft(sdi), artifacts: [racingArtifact, artifact("10.0.0.3", sdi: "a-3")])])
            }
            // Wait until the page's COPY is blocked on the other writer's row, then let that commit.
            let deadline = ContinuousClock.now + .seconds(20)
            var blocked = false
            while !blocked, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                // Activity is read once per transaction unless the snapshot is cleared.
                try await other.query("SELECT pg_stat_clear_snapshot()", logger: logger)
                for try await n in try await other.query("""
                    SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'COPY%'
                    """, logger: logger).decode(Int64.self) { blocked = n > 0 }
            }
            #expect(blocked, "the page's COPY should have waited for the other writer")
            try await other.query("COMMIT", logger: logger)
            try? await other.close()

            let outcome = try await saving.value
            let containers = try await store.containers(ContainerQuery())
            #expect(containers.count == 2 - (racing == .artifact ? 1 : 0))
            #expect(outcome.containers[0].outcome == .duplicate, "the container is the other writer's")
            #expect(outcome.containers[0].id == containers.first { $0.sourceDataIdentifier == sdi }?.id)
            switch racing {
            case .artifact:
                #expect(outcome.artifacts[0].map(\.outcome) == [.duplicate, .new])
                #expect(outcome.summary.artifactsNew == 1)
                #expect(outcome.summary.artifactsDuplicate == 1)
            case .container:
                #expect(outcome.artifacts[0].map(\.outcome) == [.new, .new])
                #expect(outcome.summary.containersDuplicate == 1)
                #expect(outcome.summary.containersNew == 0)
            }
            let hashes = try await store.artifacts(ArtifactQuery()).map { "\($0.container)/\($0.hash)" }
            #expect(hashes.count == 3)
            #expect(Set(hashes).count == hashes.count, "every artifact once")
            await store.close()
        }
    }
}
