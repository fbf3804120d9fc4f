import IntakeCore
import IntakeMapping
import Testing

/// A small seeded generator (SplitMix64), so every failure can be replayed from its seed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random JSON of the awkward kinds sources really send: nulls where objects were expected,
/// numbers at the edges, huge and odd strings, deep nesting up to the parser's depth limit.
struct RandomJSON {
    var rng: SeededRandom

    static let strings = ["", " ", "null", "true", "0", "-1", "1e309", "2024-05-01T10:00:00Z", "2024-13-45T99:99:99Z",
                          "Wed, 01 May 2024 10:00:00 +0000", "not a time", "10.0.0.1", "2001:db8::1", "{{ x }}", "%s",
                          "\u{0}", "é\u{301}", "🙂", "\\", "\"", "critical", "HIGH", "  padded  ", "a,b,,c"]

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }

    mutating func scalar() -> JSONValue {
        switch int(0...9) {
        case 0: return .null
        case 1: return .bool(chance(0.5))
        case 2:
            if chance(0.2) { return .bigInt(["18446744073709551615", "-9223372036854775809", "123456789012345678901234567890"][int(0...2)]) }
            return .int([0, 1, -1, Int64.max, Int64.min, 1_714_521_603, 1_714_521_603_123, 99][int(0...7)])
        case 3: return .double([0.5, -0.0, 1e308, -1e308, 1e-300, 3.7, 1.7145216e9, 9.5e18][int(0...7)])
        case 4: return .string(String(repeating: "x", count: int(0...3) == 0 ? 200_000 : int(0...64)))
        case 5: return .string(String((0..<int(0...40)).map { _ in Character(Unicode.Scalar(UInt8(int(32...126)))) }))
        default: return .string(RandomJSON.strings[int(0...RandomJSON.strings.count - 1)])
        }
    }

    mutating func value(depth: Int) -> JSONValue {
        if depth <= 0 || chance(0.45) { return scalar() }
        if chance(0.5) {
            return .array((0..<int(0...4)).map { _ in value(depth: depth - 1) })
        }
        var o = JSONObject()
        for _ in 0..<int(0...5) { o[RandomJSON.strings[int(0...RandomJSON.strings.count - 1)] + "k"] = value(depth: depth - 1) }
        return .object(o)
    }

    /// Nested arrays and objects `depth` levels deep.
    mutating func deep(_ depth: Int) -> JSONValue {
        var v = scalar()
        for i in 0..<depth { v = i % 2 == 0 ? .array([v]) : .object(["a": v]) }
        return v
    }

    /// The record with some values replaced: by nulls, scalars, deep values or random trees.
    mutating func mutate(_ v: JSONValue, depth: Int = 0) -> JSONValue {
        if chance(0.12) {
            switch int(0...3) {
            case 0: return .null
            case 1: return scalar()
            case 2: return deep(max(1, int(1...250) - depth))
            default: return value(depth: 4)
            }
        }
        switch v {
        case .object(var o):
            for (i, m) in o.members.enumerated() { o.members[i].value = mutate(m.value, depth: depth + 1) }
            if chance(0.1), !o.members.isEmpty { o.members.remove(at: int(0...o.members.count - 1)) }
            return .object(o)
        case .array(let a): return .array(a.map { mutate($0, depth: depth + 1) })
        default: return v
        }
    }
}

@Suite("Mapping properties")
struct MappingPropertyTests {
    /// Either the artifacts' SDIs and hashes and the container, or the failure.
    static func outcome(_ m: Mapping, _ record: JSONValue, _ context: MappingContext) -> String {
        do {
            let r = try m.apply(record, context: context)
            return JSONWriter.string(.object(r.container.json)) + r.artifacts.map { "\($0.sourceDataIdentifier ?? "-") \($0.hash)" }.joined(separator: ",")
        } catch {
            return "failed: \(error)"
        }
    }

    @Test("same record, same artifacts; arbitrary JSON never crashes the mapper", arguments: PresetTests.presets)
    func deterministicAndTotal(name: String) throws {
        let m1 = try PresetTests.mapping(name)
        let m2 = try PresetTests.mapping(name)
        let samples = try PresetTests.records(name)
        let context = PresetTests.context
        var gen = RandomJSON(rng: SeededRandom(seed: 0x1A7A_4E00 ^ UInt64(name.utf8.count)))
        var mapped = 0
        var failed = 0
        for i in 0..<300 {
            let record: JSONValue
            switch i % 6 {
            case 0: record = gen.value(depth: 6)
            case 1: record = gen.deep(250)
            default: record = gen.mutate(samples[i % samples.count])
            }
            let a = MappingPropertyTests.outcome(m1, record, context)
            let b = MappingPropertyTests.outcome(m2, record, context)
            #expect(a == b, "\(name): record \(i) mapped differently on a second run")
            if a.hasPrefix("failed: ") {
                failed += 1
                #expect(a.contains("samples/mappings/\(name).yaml:"), "a failure names the mapping location: \(a)")
            } else {
                mapped += 1
            }
        }
        #expect(mapped > 0)
    }

    @Test("records that parse from hostile JSON text map or fail cleanly")
    func parsedHostileText() throws {
        let m = try PresetTests.mapping("suricata-eve")
        let texts = [
            String(repeating: "[", count: 255) + String(repeating: "]", count: 255),
            #"{"alert": null, "flow_id": null, "timestamp": null}"#,
            #"{"alert": [], "src_ip": {}, "timestamp": 1e400, "flow_id": 123456789012345678901234567890}"#,
            #"{"alert": {"severity": "1", "signature": ""}, "dns": {"query": "not a list"}, "files": {"a": 1}}"#,
            "{\"timestamp\": \"" + String(repeating: "9", count: 100_000) + "\"}",
        ]
        for t in texts {
            guard let record = try? JSONParser.parse(t) else { continue }
            let a = MappingPropertyTests.outcome(m, record, PresetTests.context)
            #expect(a == MappingPropertyTests.outcome(m, record, PresetTests.context))
        }
    }
}
