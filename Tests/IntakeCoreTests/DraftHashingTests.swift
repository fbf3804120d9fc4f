@testable import IntakeCore
import Testing

/// Artifact hashes taken two at a time (`ArtifactDraft.hashPair`, `hashAll`) against each draft's
/// own `rehash()`: the same hashes whatever the drafts' raw records, shared or not, and whatever
/// their count.
@Suite("Artifact hashes taken together")
struct DraftHashingTests {
    static func record(_ i: Int) -> JSONValue {
        ["id": .string("r\(i)"), "src": ["ip": .string("10.0.0.\(i)"), "port": .int(Int64(1000 + i))],
         "tags": ["a", .string("b\(i)")], "msg": .string(String(repeating: "x", count: 40 + i)), "zz": .null]
    }

    static func draft(_ n: Int, data: JSONValue) -> ArtifactDraft {
        ArtifactDraft(name: "artifact \(n)", label: "event", sourceDataIdentifier: "sdi-\(n)", startTime: Timestamp(microseconds: Int64(n)),
                      endTime: nil, severity: "medium", type: nil, killChain: nil,
                      cef: ["sourceAddress": .string("10.1.1.\(n)"), "bytesIn": .int(Int64(n))], cefTypes: [:],
                      description: n % 2 == 0 ? "even" : nil, tags: n % 3 == 0 ? ["t"] : [], data: data, hashNow: false)
    }

    /// The hashes `rehash()` gives each draft alone.
    static func expected(_ drafts: [ArtifactDraft]) -> [String] {
        drafts.map { d in
            var copy = d
            copy.rehash()
            return copy.hash
        }
    }

    @Test("one record shared by all the drafts, as a record's artifacts share it", arguments: [1, 2, 3, 4, 7])
    func shared(count: Int) {
        let record = Self.record(1)
        var drafts = (0..<count).map { Self.draft($0, data: record) }
        #expect(drafts.allSatisfy { $0.isUnhashed })
        let want = Self.expected(drafts)
        drafts.withUnsafeMutableBufferPointer { ArtifactDraft.hashAll($0) }
        #expect(drafts.map(\.hash) == want)
        #expect(!drafts.contains { $0.isUnhashed })
    }

    @Test("records that differ, records equal in content but stored apart, and scalars as data")
    func mixed() {
        let a = Self.record(1), b = Self.record(2)
        let aAgain = Self.record(1)  // equal to `a`, its own storage
        let data: [JSONValue] = [a, a, b, a, aAgain, .null, .int(5), .string("text"), b, a, .object([:]), .array([])]
        var drafts = data.enumerated().map { Self.draft($0.offset, data: $0.element) }
        let want = Self.expected(drafts)
        drafts.withUnsafeMutableBufferPointer { ArtifactDraft.hashAll($0) }
        #expect(drafts.map(\.hash) == want)
    }

    @Test("a pair of drafts from two records")
    func pair() {
        var x = Self.draft(1, data: Self.record(1)), y = Self.draft(2, data: Self.record(2))
        let want = Self.expected([x, y])
        withUnsafeMutablePointer(to: &x) { px in withUnsafeMutablePointer(to: &y) { py in ArtifactDraft.hashPair(px, py) } }
        #expect([x.hash, y.hash] == want)
        #expect(x.hash != y.hash)
    }

    @Test("drafts made by the public initializer are hashed at once, the same way")
    func eager() {
        let record = Self.record(3)
        let eager = ArtifactDraft(name: "artifact 3", label: "event", sourceDataIdentifier: "sdi-3", startTime: Timestamp(microseconds: 3),
                                  severity: "medium", cef: ["sourceAddress": "10.1.1.3", "bytesIn": 3], tags: ["t"], data: record)
        #expect(!eager.isUnhashed)
        #expect([eager.hash] == Self.expected([Self.draft(3, data: record)]))
    }
}
