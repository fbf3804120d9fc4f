@testable import IntakeCore
import Testing

/// Canonical hashes are written by a per-thread writer that remembers the key order of object
/// shapes it has sorted (``KeyOrderCache``). A wrong order would be a wrong hash, so these compare
/// it with a writer that sorts every object, on the cases that could fool it.
@Suite("Canonical key orders remembered per shape")
struct KeyOrderCacheTests {
    /// The canonical text of `v` by a writer with a cache (the same writer for every call), and
    /// with plans of record shapes too when asked, as the per-thread writers have (``CanonicalPlanTests``).
    final class Cached {
        var writer = JSONWriter(style: .canonical, capacity: 64)
        let cache = KeyOrderCache()
        let plans = CanonicalPlans()
        init(plans usePlans: Bool = false) {
            writer.keyOrders = Unmanaged.passUnretained(cache)
            if usePlans { writer.plans = Unmanaged.passUnretained(plans) }
        }
        func text(_ v: JSONValue) -> String {
            writer.reset()
            writer.write(v)
            return writer.text
        }
    }

    static func plain(_ v: JSONValue) -> String { JSONWriter.string(v, style: .canonical) }

    /// A name built at run time (a fresh storage each call when it is longer than 15 bytes).
    static func name(_ s: String) -> String { String(decoding: Array(s.utf8), as: UTF8.self) }

    static func object(_ keys: [String], _ salt: Int) -> JSONValue {
        var o = JSONObject()
        for (i, k) in keys.enumerated() { o.append(k, .int(Int64(i * 10 + salt))) }
        return .object(o)
    }

    @Test("shapes seen again, shapes that share a slot, repeated and long names: the same text as sorting")
    func agreesWithSorting() {
        let shared = ["destinationAddress", "sourceAddress", "transportProtocol", "bytesIn", "deviceAction"]
        var shapes: [[String]] = [
            ["url", "id", "raw", "src", "dst", "user", "host", "file", "severity", "timestamp"],
            shared,
            ["zeta", "alpha", "mid", "beta"],
            ["zeta", "beta", "mid", "alpha", "beta"],  // a repeated name: the last one is kept
            ["zeta", "mid", "beta", "alpha"],  // the same count, first and last name as the one above it
            ["b", "a", "c"],  // too small to be cached
            (0..<40).map { "k\(39 - $0)" },  // too large to be cached
        ]
        // The same count, first and last names as shapes[2] (so the same slot), a different middle;
        // and the same with a repeated name.
        shapes.append(["zeta", "mid", "alpha", "beta"])
        shapes.append(["zeta", "beta", "alpha", "mid", "beta"])
        let cached = Cached()
        var rng = SystemRandomNumberGenerator()
        for round in 0..<600 {
            let keys = shapes.randomElement(using: &rng)!
            // Long names: sometimes the same storage as before (as a compiled mapping's), sometimes fresh.
            let named = Bool.random(using: &rng) ? keys : keys.map(Self.name)
            let v = Self.object(named, round)
            let nested: JSONValue = ["outer": v, "list": [v, Self.object(shapes[2], round)]]
            #expect(cached.text(v) == Self.plain(v), "round \(round): \(keys)")
            #expect(cached.text(nested) == Self.plain(nested), "round \(round), nested")
        }
    }

    @Test("names kept as written: escapes, names too long for a block, small objects, repeated names")
    func writtenNames() {
        let cached = Cached()
        let longName = String(repeating: "n", count: 27), longer = String(repeating: "n", count: 28)
        let shapes: [[String]] = [
            ["b", "a"], ["a", "b"], ["x"], ["b", "a", "b"],
            ["q\"uote", "back\\slash", "plain", "tab\t"],  // escaped names: written the long way
            [longName, "m", "a"], [longer, "m", "a"],  // the longest name a block holds, and one byte more
            ["é", "z", "ü", "a"],  // non-ASCII names sort by their UTF-8 bytes
        ]
        for round in 0..<400 {
            let keys = shapes[round % shapes.count]
            let v = Self.object(keys, round)
            #expect(cached.text(v) == Self.plain(v), "round \(round): \(keys)")
            let nested: JSONValue = ["outer": v, "list": [v, v], "z": ["inner": v]]
            #expect(cached.text(nested) == Self.plain(nested), "round \(round), nested")
        }
    }

    @Test("an object nested in one whose shape shares its slot is written right (the outer slot stays pinned)")
    func nestedShapeInTheSameSlot() throws {
        // Find two shapes of different counts that the cache puts in the same slot.
        let outerKeys = ["zz", "id", "mm", "aa"]
        let outerSlot = try #require(KeyOrderCache.slot(for: Self.members(outerKeys)))
        var innerKeys: [String]? = nil
        for i in 0..<100_000 where innerKeys == nil {
            let candidate = ["k\(i)", "b", "a"]
            if KeyOrderCache.slot(for: Self.members(candidate)) == outerSlot { innerKeys = candidate }
        }
        let inner = try #require(innerKeys, "a shape sharing the outer shape's slot")
        let cached = Cached()
        for round in 0..<50 {
            // "aa" sorts first, so the inner object is written before the outer's other members.
            var outer = JSONObject()
            for (i, k) in outerKeys.enumerated() { outer.append(k, k == "aa" ? Self.object(inner, round) : .int(Int64(i))) }
            let v = JSONValue.object(outer)
            #expect(cached.text(v) == Self.plain(v), "round \(round)")
            // The inner shape alone, taking the slot in turn.
            #expect(cached.text(Self.object(inner, round)) == Self.plain(Self.object(inner, round)))
        }
    }

    static func members(_ keys: [String]) -> [JSONObject.Member] {
        keys.map { JSONObject.Member(key: $0, value: .null) }
    }

    @Test("a long name's storage is never taken for other text")
    func longNamesStayAlive() {
        let cached = Cached()
        for round in 0..<200 {
            // Fresh long names of the same lengths every round, alternately in two orders: freed
            // storage reused for the other text would replay the wrong order.
            let a = Self.name("aaaaaaaaaaaaaaaaaaaa"), z = Self.name("zzzzzzzzzzzzzzzzzzzz")
            let keys = round % 2 == 0 ? [z, "m", "n", a] : [a, "m", "n", z]
            let v = Self.object(keys, round)
            #expect(cached.text(v) == Self.plain(v), "round \(round)")
        }
    }

    @Test("the per-thread writer: hashes agree with a fresh writer's, also when one is taken inside another")
    func scratch() {
        let values: [JSONValue] = [Self.object(["b", "a", "d", "c"], 1), ["x": [1, 2], "a": "text"], .null]
        for v in values {
            let fresh = Digest.sha256Hex(JSONWriter.canonicalBytes(v))
            #expect(Digest.canonicalSHA256(v) == fresh)
            let inner = CanonicalScratch.withWriter { w -> (String, String) in
                w.write(v)
                let nested = Digest.canonicalSHA256(["wrapped": v])
                return (w.text, nested)
            }
            #expect(inner.0 == Self.plain(v), "the outer writer kept its bytes")
            #expect(inner.1 == Digest.sha256Hex(JSONWriter.canonicalBytes(["wrapped": v])))
        }
    }

    @Test("a thread's writer does not keep a huge record's buffer")
    func hugeBufferLetGo() {
        let huge: JSONValue = ["text": .string(String(repeating: "x", count: 3 << 20))]
        #expect(Digest.canonicalSHA256(huge) == Digest.sha256Hex(JSONWriter.canonicalBytes(huge)))
        let capacity = CanonicalScratch.withWriter { $0.bufferCapacity }
        #expect(capacity <= CanonicalScratch.keptCapacity, "the 3 MB buffer was let go (capacity now \(capacity))")
        #expect(Digest.canonicalSHA256(["a": 1]) == Digest.sha256Hex(JSONWriter.canonicalBytes(["a": 1])))
    }
}
