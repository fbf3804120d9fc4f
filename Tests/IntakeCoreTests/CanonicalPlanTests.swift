@testable import IntakeCore
import Testing

/// Records of a shape already written are written by a plan of that shape (``CanonicalPlan``),
/// which checks every name and nested member count as it goes and gives up when one differs. A plan
/// used on the wrong shape would be a wrong hash, so these compare its text with a writer that
/// sorts every object, on records that repeat a shape, change it as little as possible, and take
/// turns; and check that the plans were used at all.
@Suite("Canonical writing by plans of record shapes")
struct CanonicalPlanTests {
    static func plain(_ v: JSONValue) -> String { KeyOrderCacheTests.plain(v) }

    /// A small seeded generator (a 64-bit linear congruential one, read from its high bits): a
    /// failure replays from its round. Variety is all these tests need of it.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 11
        }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func chance(_ percent: Int) -> Bool { int(100) < percent }
    }

    /// Names of every kind a plan must tell apart or leave to the general writer: short, at the
    /// inline limit and past it, escaped, non-ASCII, and some sharing their first eight bytes.
    static let names = ["id", "a", "b", "src", "dst", "port", "ip", "name", "timestamp", "abcdefghijklmno",
                        "abcdefghijklmnop", "abcdefgh1", "abcdefgh2", "q\"uote", "back\\slash", "tab\t", "é", "ü",
                        "destinationAddress", "sourceUserName", ""]

    static func scalar(_ r: inout Random) -> JSONValue {
        switch r.int(6) {
        case 0: return .null
        case 1: return .int(Int64(bitPattern: r.next() << 11) >> r.int(60))
        case 2: return .string(String(repeating: "v", count: r.int(40)))
        case 3: return .string(["x\"y", "line\nbreak", "é🙂", "\u{1}", "back\\"][r.int(5)])
        case 4: return .bool(r.chance(50))
        default: return .double(Double(r.int(1000)) / 8)
        }
    }

    /// A random object `depth` levels deep at most, its names fresh strings (as a parser's are).
    static func object(_ r: inout Random, depth: Int) -> JSONValue {
        var o = JSONObject()
        for _ in 0..<r.int(7) {
            let name = String(decoding: Array(names[r.int(names.count)].utf8), as: UTF8.self)
            let value: JSONValue
            if depth > 0 && r.chance(35) {
                value = object(&r, depth: depth - 1)
            } else if depth > 0 && r.chance(10) {
                value = .array([object(&r, depth: depth - 1), scalar(&r)])
            } else {
                value = scalar(&r)
            }
            o.members.append(JSONObject.Member(key: name, value: value))
        }
        return .object(o)
    }

    /// The same shape with other values: every scalar replaced, names and nesting kept.
    static func revalued(_ v: JSONValue, _ r: inout Random) -> JSONValue {
        switch v {
        case .object(var o):
            for i in o.members.indices {
                o.members[i].key = String(decoding: Array(o.members[i].key.utf8), as: UTF8.self)
                o.members[i].value = revalued(o.members[i].value, &r)
            }
            return .object(o)
        case .array(let a): return .array(a.map { revalued($0, &r) })
        default: return scalar(&r)
        }
    }

    /// The smallest changes of shape, somewhere in the tree: a name renamed (to one of the same
    /// length when there is one), a member added, removed or repeated, two members swapped, an
    /// object turned into a scalar or a scalar into an object.
    static func reshaped(_ v: JSONValue, _ r: inout Random) -> JSONValue {
        guard case .object(var o) = v, !o.members.isEmpty else { return object(&r, depth: 1) }
        let i = r.int(o.members.count)
        if case .object = o.members[i].value, r.chance(50) {
            o.members[i].value = reshaped(o.members[i].value, &r)
            return .object(o)
        }
        switch r.int(7) {
        case 0:
            let old = o.members[i].key
            let sameLength = names.filter { $0.utf8.count == old.utf8.count && $0 != old }
            o.members[i].key = sameLength.isEmpty ? old + "x" : sameLength[r.int(sameLength.count)]
        case 1: o.members.append(JSONObject.Member(key: names[r.int(names.count)], value: scalar(&r)))
        case 2: o.members.remove(at: i)
        case 3: o.members.append(o.members[i])
        case 4: o.members.swapAt(i, r.int(o.members.count))
        case 5:
            if case .object = o.members[i].value { o.members[i].value = scalar(&r) } else { o.members[i].value = object(&r, depth: 1) }
        default: o.members[i].value = .object([:])
        }
        return .object(o)
    }

    @Test("records repeating, changing and alternating their shapes: the same text as sorting, and plans used")
    func agreesWithSorting() {
        let planned = KeyOrderCacheTests.Cached(plans: true)
        var r = Random(state: 0x5EED_0001)
        var shapes: [JSONValue] = (0..<6).map { _ in Self.object(&r, depth: 4) }
        for round in 0..<3000 {
            let k = r.int(shapes.count)
            let v: JSONValue
            switch r.int(10) {
            case 0...5: v = Self.revalued(shapes[k], &r)
            case 6, 7:
                v = Self.reshaped(shapes[k], &r)
                if r.chance(30) { shapes[k] = v }
            default: v = Self.object(&r, depth: 4)
            }
            #expect(planned.text(v) == Self.plain(v), "round \(round)")
            let wrapped: JSONValue = ["outer": v, "list": [v]]
            #expect(planned.text(wrapped) == Self.plain(wrapped), "round \(round), nested")
        }
        #expect(planned.plans.written > 1000, "plans wrote \(planned.plans.written) records")
        #expect(planned.plans.compiled < 3000, "not every record made a plan: \(planned.plans.compiled)")
    }

    @Test("the bench feed's record shape: written by its plan after the first, every value changed each time")
    func feedShape() {
        let planned = KeyOrderCacheTests.Cached(plans: true)
        var r = Random(state: 0x5EED_0002)
        for i in 0..<200 {
            let record: JSONValue = [
                "id": .string("392456de-3eb1-4b90-8668-\(i)"), "event_id": .int(Int64(i)), "timestamp": "2024-05-01T00:00:03.639Z",
                "severity": ["low", "medium", "critical"][i % 3], "risk_score": .int(Int64(r.int(100))),
                "rule": ["id": "R-1006", "name": "DNS Tunneling Suspected"], "src": ["ip": "10.52.44.152", "port": .int(Int64(i))],
                "dst": ["ip": "19.15.47.56", "port": 53], "user": ["name": "user0258"], "host": ["name": .string("ws-\(i).corp.example.com")],
                "file": ["sha256": .string(String(repeating: "6", count: 64))], "url": "https://update-check.example.com/p/72ff386ecbe0",
                "raw": ["action": "detected", "proto": "tcp", "bytes_in": 795_667, "bytes_out": .int(Int64(i) * 1000),
                        "process": ["pid": 10563, "cmdline": .string(i % 7 == 0 ? "quote \" and \\ back" : "/usr/bin/curl -s http://x")]],
            ]
            #expect(planned.text(record) == Self.plain(record), "record \(i)")
        }
        #expect(planned.plans.written == 199)
        #expect(planned.plans.compiled == 1)
    }

    @Test("long names matched by their storage only when the caller says they are stable, and never taken for other text")
    func stableNames() {
        let planned = KeyOrderCacheTests.Cached(plans: true)
        let mappingNames = ["sourceAddress", "destinationAddress", "requestURL", "fileHashSha256", "deviceAction"]
        func cef(_ names: [String], _ i: Int) -> JSONObject {
            JSONObject(members: names.enumerated().map { JSONObject.Member(key: $1, value: .int(Int64($0 * 1000 + i))) })
        }
        for i in 0..<300 {
            // The mapping's own strings: a plan after the first.
            let stable = cef(mappingNames, i)
            #expect(planned.objectText(stable, stableNames: true) == Self.plain(.object(stable)), "round \(i)")
            // Fresh strings of the same names, and of other names of the same lengths in another
            // order: never written by the wrong plan.
            let fresh = cef(mappingNames.map { String(decoding: Array($0.utf8), as: UTF8.self) }, i)
            #expect(planned.objectText(fresh, stableNames: true) == Self.plain(.object(fresh)), "round \(i), fresh")
            let other = cef(["destinationAddress", "sourceAddress", "fileHashSha256", "requestURL", "deviceAction"]
                .map { String(decoding: Array(($0 == "deviceAction" ? "deviceAction" : String($0.reversed())).utf8), as: UTF8.self) }, i)
            #expect(planned.objectText(other, stableNames: true) == Self.plain(.object(other)), "round \(i), other names")
        }
        #expect(planned.plans.written >= 250, "plans wrote \(planned.plans.written) objects")
    }

    @Test("deep nesting, large objects, repeated names and lists: left to the general writer where a plan stops")
    func limits() {
        let planned = KeyOrderCacheTests.Cached(plans: true)
        var deep: JSONValue = ["leaf": 1, "z": "end"]
        for i in 0..<(CanonicalPlan.maxDepth + 5) { deep = ["n\(i % 3)": deep, "k": .int(Int64(i))] }
        let wide = JSONValue.object(JSONObject(members: (0..<(CanonicalPlan.maxMembers + 3)).map { JSONObject.Member(key: "m\(999 - $0)", value: .int(Int64($0))) }))
        let repeated: JSONValue = ["b": 1, "a": ["x": 1, "x ": 2, "x": 3], "c": [["q": 1, "p": 2], ["p": 3, "q": 4]]]
        let empty: JSONValue = ["b": [:], "a": ["c": [:], "d": []]]
        for round in 0..<20 {
            for v in [deep, wide, repeated, empty] {
                #expect(planned.text(v) == Self.plain(v), "round \(round)")
            }
        }
        #expect(planned.plans.written > 0)
    }
}

extension KeyOrderCacheTests.Cached {
    /// The canonical text of an object read in place, as an artifact's `cef` is written.
    func objectText(_ o: JSONObject, stableNames: Bool) -> String {
        writer.reset()
        withUnsafePointer(to: o) { writer.writeObject(at: UnsafeRawPointer($0), indent: 1, stableNames: stableNames) }
        return writer.text
    }
}
