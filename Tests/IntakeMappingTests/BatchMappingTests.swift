import IntakeCore
@testable import IntakeMapping
import Testing

/// `Mapping.apply(_:context:_:)`, which maps many records and hashes their artifacts two at a time
/// across records, against `apply(_:context:)` on each record: the same outcomes, each record once,
/// in order, with every artifact hashed, whatever the mix of records with no, one or several
/// artifacts and of records that fail.
@Suite("Mapping many records, artifacts hashed in pairs")
struct BatchMappingTests {
    /// Every outcome the batch gives, with its position, in the order given.
    static func batch(_ m: Mapping, _ records: [JSONValue], _ context: MappingContext) -> [(Int, String)] {
        var out: [(Int, String)] = []
        m.apply(records, context: context) { i, outcome in
            switch consume outcome {
            case .success(let r):
                #expect(!r.artifacts.contains { $0.isUnhashed }, "record \(i) was handed on with an artifact not hashed")
                out.append((i, describe(r)))
            case .failure(let error):
                out.append((i, "failed: \(error)"))
            }
        }
        return out
    }

    static func single(_ m: Mapping, _ record: JSONValue, _ context: MappingContext) -> String {
        do {
            return describe(try m.apply(record, context: context))
        } catch {
            return "failed: \(error)"
        }
    }

    static func describe(_ r: MappedRecord) -> String {
        JSONWriter.string(.object(r.container.json)) + " | "
            + r.artifacts.map { JSONWriter.string(.object($0.json)) }.joined(separator: " , ")
    }

    static func check(_ m: Mapping, _ records: [JSONValue], _ context: MappingContext) {
        let got = batch(m, records, context)
        #expect(got.map(\.0) == Array(records.indices), "each record once, in order")
        for (i, outcome) in got where i < records.count {
            #expect(outcome == single(m, records[i], context), "record \(i)")
        }
    }

    /// A mapping whose records give as many artifacts as their `n` says (none when it is empty),
    /// and fail when their `time` is not a time.
    static let counted = """
        container: { name: "{{ id }}", start_time: "{{ time | time }}" }
        artifacts:
          - name: "item {{ $index }} of {{ id }}"
            for_each: "{{ n }}"
            source_data_identifier: "{{ id }}-{{ $index }}"
            cef: { sourceAddress: "{{ $item }}", deviceCustomNumber1: "{{ $index }}" }
          - name: "second rule for {{ id }}"
            when: "{{ second }}"
        """

    static let context = MappingContext(asset: ["name": "batch"], now: Timestamp(microseconds: 1_714_521_600_000_000))

    @Test("records with 0 to 3 artifacts and failures, in every order of a seeded shuffle")
    func counts() throws {
        let m = try Mapping.compile(text: Self.counted, file: "counted.yaml")
        var rng = SeededRandom(seed: 0xBA7C_4ED)
        for round in 0..<40 {
            var records: [JSONValue] = []
            for i in 0..<Int.random(in: 0...12, using: &rng) {
                let n = Int.random(in: 0...3, using: &rng)
                let fails = Int.random(in: 0...5, using: &rng) == 0
                records.append([
                    "id": .string("r\(round)-\(i)"),
                    "n": .array((0..<n).map { .string("10.0.\(i).\($0)") }),
                    "time": .string(fails ? "not a time" : "2024-05-01T00:00:0\(i % 10)Z"),
                    "second": .bool(Bool.random(using: &rng)),
                ])
            }
            Self.check(m, records, Self.context)
        }
    }

    @Test("no records: nothing handed on")
    func empty() throws {
        let m = try Mapping.compile(text: Self.counted, file: "counted.yaml")
        #expect(Self.batch(m, [], Self.context).isEmpty)
    }

    @Test("a record held for its last artifact's partner is handed on before a failure after it")
    func heldBeforeFailure() throws {
        let m = try Mapping.compile(text: Self.counted, file: "counted.yaml")
        let records: [JSONValue] = [
            ["id": "a", "n": ["10.0.0.1"], "time": "2024-05-01T00:00:00Z"],
            ["id": "b", "n": ["10.0.0.2"], "time": "yesterday-ish"],
            ["id": "c", "n": [], "time": "2024-05-01T00:00:00Z"],
            ["id": "d", "n": ["10.0.0.3", "10.0.0.4", "10.0.0.5"], "time": "2024-05-01T00:00:00Z"],
            ["id": "e", "n": ["10.0.0.6"], "time": "2024-05-01T00:00:00Z"],
        ]
        let got = Self.batch(m, records, Self.context)
        #expect(got.map(\.0) == [0, 1, 2, 3, 4])
        #expect(got[1].1.hasPrefix("failed: "))
        Self.check(m, records, Self.context)
    }

    @Test("the sample mappings on their samples and on mutated records", arguments: PresetTests.presets)
    func presets(name: String) throws {
        let m = try PresetTests.mapping(name)
        let samples = try PresetTests.records(name)
        var gen = RandomJSON(rng: SeededRandom(seed: 0xB47C ^ UInt64(name.utf8.count)))
        let records = samples + (0..<120).map { i in i % 5 == 0 ? gen.value(depth: 4) : gen.mutate(samples[i % samples.count]) }
        Self.check(m, records, PresetTests.context)
    }

    @Test("records in a slice keep their positions in the whole array")
    func slice() throws {
        let m = try Mapping.compile(text: Self.counted, file: "counted.yaml")
        let records: [JSONValue] = (0..<6).map { ["id": .string("s\($0)"), "n": ["10.1.1.1"], "time": 1_714_521_600] }
        var seen: [Int] = []
        m.apply(records[2..<5], context: Self.context) { i, outcome in
            if case .success = consume outcome { seen.append(i) }
        }
        #expect(seen == [2, 3, 4])
    }
}
