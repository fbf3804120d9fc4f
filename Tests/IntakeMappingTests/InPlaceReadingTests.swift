@testable import IntakeCore
@testable import IntakeMapping
import Testing

/// The canonical writer and compiled paths read values in place, from their bytes
/// (`JSONValueLayout`), instead of switching over copies. These check that the layout holds here
/// and that both readers give exactly what the plain, copying paths give, on random records and on
/// the representations that take other branches (strings stored out of line, escapes, literals).
@Suite("Reading JSON values in place")
struct InPlaceReadingTests {
    /// A string of at most 15 bytes kept in separate storage rather than inline.
    static func outOfLine(_ text: String) -> String {
        String(unsafeUninitializedCapacity: 64) { buffer in
            let u = Array(text.utf8)
            for (i, b) in u.enumerated() { buffer[i] = b }
            return u.count
        }
    }

    /// Values that take every branch of the in-place reader.
    static let awkward: JSONValue = [
        "short": "ab", "escaped": "a\"b\\c\n", "long": .string(String(repeating: "long text ", count: 9)),
        "literal": "a literal string of more than fifteen bytes", "outOfLine": .string(outOfLine("id")),
        "outOfLineLong": .string(outOfLine("twenty-two bytes here!")), "controls": "\u{1}\u{1F}\t",
        "unicode": "é🙂", "numbers": [0, -1, 9_223_372_036_854_775_807, 2.5, -0.0, 1e300], "flags": [true, false, .null],
        "empty": ["a": [], "o": [:], "s": ""],
        "nested": ["z": ["y": ["x": [1, ["w": "deep"]]]]],
    ]

    static func written(_ v: JSONValue, _ style: JSONWriter.Style, inPlace: Bool) -> [UInt8] {
        var w = JSONWriter(style: style, capacity: 16, inPlace: inPlace)
        w.write(v)
        return w.bytes
    }

    @Test("the layout holds on this platform")
    func layout() {
        #expect(JSONValueLayout.known)
        #expect(JSONValueLayout.check())
    }

    @Test("the writer's in-place and copying paths write the same bytes, in every style")
    func writerAgrees() {
        var duplicate = JSONObject()
        duplicate.append("k", 1)
        duplicate.append(Self.outOfLine("k"), 2)
        duplicate.append("a", .string(Self.outOfLine("x")))
        var values: [JSONValue] = [Self.awkward, .object(duplicate), .null, "top", [], [:]]
        var random = RandomJSON(rng: SeededRandom(seed: 20261123))
        for _ in 0..<400 { values.append(random.value(depth: 6)) }
        for (i, v) in values.enumerated() {
            for style in [JSONWriter.Style.compact, .canonical, .pretty] {
                #expect(Self.written(v, style, inPlace: true) == Self.written(v, style, inPlace: false), "value \(i), \(style)")
            }
        }
        // And what the canonical form is, pinned for one value.
        let pinned = String(decoding: Self.written(.object(duplicate), .canonical, inPlace: true), as: UTF8.self)
        #expect(pinned == #"{"a":"x","k":2}"#)
    }

    @Test("an artifact's hash, written from its fields in place, is SHA-256 of its body's canonical JSON")
    func artifactBodyInPlace() {
        let awkwardText = ["ab", "a\"b\\c\n", Self.outOfLine("id"), Self.outOfLine("twenty-two bytes here!"),
                           "a literal string of more than fifteen bytes", String(repeating: "long ", count: 9), "é🙂", "\u{1}", ""]
        var random = RandomJSON(rng: SeededRandom(seed: 4242))
        for i in 0..<300 {
            func text() -> String { awkwardText[random.int(0...awkwardText.count - 1)] }
            func maybe() -> String? { random.chance(0.3) ? nil : text() }
            func time() -> Timestamp? { random.chance(0.3) ? nil : Timestamp(microseconds: Int64(random.int(-62_135_596_800...253_402_300_799)) * 1_000_000 + Int64(random.int(0...999_999))) }
            var cef = JSONObject()
            for k in 0..<random.int(0...6) { cef.append(k % 2 == 0 ? text() : "key\(k)", random.value(depth: 3)) }
            let draft = ArtifactDraft(
                name: text(), label: text(), sourceDataIdentifier: maybe(), startTime: time(), endTime: time(),
                severity: text(), type: maybe(), killChain: maybe(), cef: cef,
                cefTypes: random.chance(0.5) ? [:] : [text(): [.string(text())]], description: maybe(),
                tags: (0..<random.int(0...3)).map { _ in text() }, data: i == 0 ? Self.awkward : random.value(depth: 5))
            #expect(draft.hash == Digest.sha256Hex(JSONWriter.canonicalBytes(.object(draft.body))), "draft \(i)")
        }
    }

    @Test("paths started from the index of the record's top-level names find what a scan finds")
    func rootIndexAgrees() throws {
        let mapping = try Mapping.compile(text: """
            container:
              name: "{{ name }}-{{ n[0] }}-{{ missing | default: name }}"
              source_data_identifier: "{{ id }}"
              severity: { value: "{{ sev }}", map: { critical: high }, default: "{{ fallback.sev }}" }
            artifacts:
              - name: "{{ nested.a.b }}"
                source_data_identifier: "{{ id }}-{{ $raw.id }}-{{ $raw['id'] }}"
                cef:
                  sourceAddress: "{{ src.ip }}"
                  sourcePort: "{{ src.port }}"
                  list: "{{ n[-1] }}"
                  all: "{{ n[*] }}"
                  short: "{{ k }}"
                  long: "{{ a_name_of_sixteen }}"
                  dotted: "{{ ['dotted.key'] }}"
                  unicode: "{{ é }}"
                  fromDefault: "{{ nope | default: src.ip }}"
                cef_types: { list: [x], all: [x], short: [x], long: [x], dotted: [x], unicode: [x], fromDefault: [x] }
            """, file: "index.yaml")
        #expect(mapping.roots.count >= 10, "the paths' first names are indexed")
        let plain = mapping.withoutRootIndex
        var random = RandomJSON(rng: SeededRandom(seed: 5150))
        let names = ["name", "n", "missing", "id", "sev", "fallback", "nested", "src", "k", "a_name_of_sixteen", "dotted.key", "é", "nope"]
        var records: [JSONValue] = [.null, "text", [1, 2], [:]]
        for i in 0..<400 {
            var o = JSONObject()
            for _ in 0..<random.int(0...16) {
                let name = names[random.int(0...names.count - 1)]
                // Repeated names (the last wins), and names stored out of line.
                let key = random.chance(0.2) ? Self.outOfLine(name) : name
                let value: JSONValue = switch name {
                case "src": random.chance(0.7) ? ["ip": .string("10.0.0.\(i % 256)"), "port": .int(Int64(i))] : random.value(depth: 2)
                case "nested": ["a": ["b": random.scalar()]]
                case "n": .array((0..<random.int(0...3)).map { _ in random.scalar() })
                default: random.chance(0.8) ? .string("v\(i)-\(name)") : random.value(depth: 2)
                }
                o.append(key, value)
            }
            records.append(.object(o))
        }
        let context = MappingContext(asset: ["name": "test"], now: Timestamp(microseconds: 0))
        for (i, record) in records.enumerated() {
            let indexed = Result { () throws(MappingFailure) in try mapping.apply(record, context: context) }
            let scanned = Result { () throws(MappingFailure) in try plain.apply(record, context: context) }
            switch (indexed, scanned) {
            case (.success(let a), .success(let b)):
                #expect(a.container == b.container, "record \(i)")
                #expect(a.artifacts == b.artifacts, "record \(i)")
            case (.failure(let a), .failure(let b)):
                #expect(a == b, "record \(i)")
            default:
                Issue.record("record \(i): \(indexed) against \(scanned)")
            }
        }
    }

    /// A path down `v`: existing members and elements mostly, sometimes a missing key, an index out
    /// of range, a negative index, or a step below a scalar.
    static func randomPath(through v: JSONValue, _ random: inout RandomJSON) -> [Path.Segment] {
        var segments: [Path.Segment] = []
        var at = v
        while segments.count < 8 {
            switch at {
            case .object(let o) where !o.isEmpty && !random.chance(0.1):
                let m = o.members[random.int(0...o.count - 1)]
                segments.append(.key(m.key))
                at = o[m.key]!
            case .array(let a) where !a.isEmpty && !random.chance(0.1):
                let i = random.int(0...a.count - 1)
                segments.append(.index(random.chance(0.3) ? i - a.count : i))
                at = a[i]
            default:
                if random.chance(0.5) { segments.append(random.chance(0.5) ? .key("missing") : .index(random.int(-9...9))) }
                return segments
            }
        }
        return segments
    }

    @Test("a compiled path finds in place what the plain walk finds")
    func pathsAgree() throws {
        var random = RandomJSON(rng: SeededRandom(seed: 77))
        var records: [JSONValue] = [Self.awkward]
        for _ in 0..<300 { records.append(random.value(depth: 6)) }
        var compared = 0
        for (i, record) in records.enumerated() {
            for _ in 0..<6 {
                let path = Path(root: .raw, segments: Self.randomPath(through: record, &random))
                let steps = try #require(path.steps)
                let inPlace = steps.withUnsafeBufferPointer { Path.walkInPlace(record, $0) }
                let plain = steps.withUnsafeBufferPointer { Path.walk(record, $0, from: 0) }
                #expect(inPlace == plain, "record \(i), path \(path.segments)")
                #expect(plain == Path.walk(record, path.segments, from: 0), "record \(i): prepared steps agree with segments")
                compared += 1
            }
        }
        #expect(compared == records.count * 6)
        // Found values are whole copies that outlive the record they came from.
        var found: JSONValue = .null
        do {
            let record: JSONValue = ["a": ["b": .string(String(repeating: "kept ", count: 10))]]
            let path = Path(root: .raw, segments: [.key("a"), .key("b")])
            found = path.steps!.withUnsafeBufferPointer { Path.walkInPlace(record, $0) }
        }
        #expect(found == .string(String(repeating: "kept ", count: 10)))
    }

    @Test("a batch reuses the positions of the previous record's names only when the names and their order are the same")
    func batchShapeReuse() throws {
        let mapping = try Mapping.compile(text: """
            container:
              name: "{{ name }}/{{ b }}"
              source_data_identifier: "{{ id }}"
            artifacts:
              - name: "{{ a }}-{{ c }}"
                source_data_identifier: "{{ id }}-{{ b }}"
                cef: { first: "{{ a }}", second: "{{ b }}", third: "{{ c.d }}", long: "{{ a_name_of_sixteen }}",
                       one: "{{ severity1 }}", two: "{{ severity2 }}" }
                cef_types: { first: [x], second: [x], third: [x], long: [x], one: [x], two: [x] }
            """, file: "shapes.yaml")
        let plain = mapping.withoutRootIndex
        var random = RandomJSON(rng: SeededRandom(seed: 2718))
        // `severity1` and `severity2` differ only in their second word.
        let names = ["name", "id", "a", "b", "c", "zz", "a_name_of_sixteen", "severity1", "severity2"]
        var records: [JSONValue] = []
        for run in 0..<300 {
            // A shape, and often one as close as can be right after it, each for one to three
            // records of exactly that shape with other values; now and then something else between.
            for names in Self.closeShapes(names, upTo: 9, &random) {
                for k in 0..<random.int(1...3) {
                    var o = JSONObject()
                    for name in names {
                        o.append(name, name == "c" && random.chance(0.7) ? ["d": .string("d\(run)-\(k)")] : .string("\(name)-\(run)-\(k)"))
                    }
                    records.append(.object(o))
                }
            }
            if random.chance(0.1) { records.append(random.chance(0.5) ? .null : [1, 2]) }
        }
        Self.expectBatchAgrees(mapping, plain, records)
    }

    @Test("a batch reuses the positions found in a nested object only when that object's names and their order are the same")
    func batchNestedShapeReuse() throws {
        let mapping = try Mapping.compile(text: """
            container:
              name: "{{ src.ip }}/{{ raw.severity1 }}"
              source_data_identifier: "{{ id }}"
            artifacts:
              - name: "{{ raw.a }}-{{ src.geo.city }}"
                source_data_identifier: "{{ id }}-{{ raw.b }}"
                cef: { first: "{{ raw.a }}", second: "{{ raw.b }}", one: "{{ raw.severity1 }}", two: "{{ raw.severity2 }}",
                       long: "{{ raw.a_name_of_sixteen }}", ip: "{{ src.ip }}", port: "{{ src.port }}", city: "{{ src.geo.city }}",
                       listed: "{{ raw.list[1] }}", whole: "{{ $raw.src.ip }}" }
                cef_types: { first: [x], second: [x], one: [x], two: [x], long: [x], ip: [x], port: [x], city: [x], listed: [x], whole: [x] }
            """, file: "nested.yaml")
        #expect(mapping.nested.groups == 2, "`src` and `raw` are indexed a level down")
        let plain = mapping.withoutRootIndex
        var random = RandomJSON(rng: SeededRandom(seed: 31_415))
        // `severity1` and `severity2` differ only in their second word.
        let names = ["a", "b", "zz", "list", "a_name_of_sixteen", "severity1", "severity2"]
        var records: [JSONValue] = []
        for run in 0..<300 {
            // A shape for the nested `raw` object, and often one as close as can be right after it,
            // each for one to three records, the rest of the record the same shape.
            for rawNames in Self.closeShapes(names, upTo: 7, &random) {
                for k in 0..<random.int(1...3) {
                    var raw = JSONObject()
                    for name in rawNames {
                        raw.append(name, name == "list" ? ["l0", .string("l1-\(run)-\(k)")] : .string("\(name)-\(run)-\(k)"))
                    }
                    // `raw` now and then not an object, or missing; `src` with or without its nested `geo`.
                    let rawValue: JSONValue = random.chance(0.08) ? (random.chance(0.5) ? .null : [1, 2]) : .object(raw)
                    var src: JSONObject = ["ip": .string("10.0.\(run % 256).\(k)"), "port": .int(Int64(run))]
                    if random.chance(0.5) { src.append("geo", ["city": .string("c\(run)")]) }
                    if random.chance(0.1) { src.append("ip", "repeated") }
                    var o: JSONObject = ["id": .string("r\(run)-\(k)"), "src": .object(src)]
                    if !random.chance(0.05) { o.append("raw", rawValue) }
                    records.append(.object(o))
                }
            }
        }
        Self.expectBatchAgrees(mapping, plain, records)
    }

    /// Maps `records` as a batch with `mapping` and each alone with `plain` (the same mapping
    /// without its indexes), expecting the same outcome for every record.
    static func expectBatchAgrees(_ mapping: Mapping, _ plain: Mapping, _ records: [JSONValue]) {
        let context = MappingContext(asset: ["name": "test"], now: Timestamp(microseconds: 0))
        var seen = 0
        mapping.apply(records, context: context) { i, outcome in
            seen += 1
            let expected = Result { () throws(MappingFailure) in try plain.apply(records[i], context: context) }
            switch (consume outcome, expected) {
            case (.success(let a), .success(let b)):
                #expect(a.container == b.container, "record \(i)")
                #expect(a.artifacts == b.artifacts, "record \(i)")
            case (.failure(let a), .failure(let b)):
                #expect(a == b, "record \(i)")
            case (let a, let b):
                Issue.record("record \(i): \(a) against \(b)")
            }
        }
        #expect(seen == records.count)
    }

    /// A random shape of up to `count` of `names` (names in order, some repeated, some stored out of
    /// line), and, six times in ten, one as close as can be: the same names but `severity1` and
    /// `severity2` (which differ only in their second word) exchanged, or the first and last swapped.
    static func closeShapes(_ names: [String], upTo count: Int, _ random: inout RandomJSON) -> [[String]] {
        var shape: [String] = []
        for _ in 0..<random.int(0...count) {
            let name = names[random.int(0...names.count - 1)]
            shape.append(random.chance(0.15) ? Self.outOfLine(name) : name)
        }
        var sibling = shape
        if let i = sibling.firstIndex(where: { $0.hasPrefix("severity") }) {
            sibling[i] = sibling[i] == "severity1" ? "severity2" : "severity1"
        } else if sibling.count > 1 {
            sibling.swapAt(0, sibling.count - 1)
        }
        return random.chance(0.6) ? [shape, sibling] : [shape]
    }
}
