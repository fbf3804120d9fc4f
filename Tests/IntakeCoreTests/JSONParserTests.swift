import IntakeCore
import Testing

@Suite("JSON parser")
struct JSONParserTests {
    @Test("parses every JSON type and keeps integers exact")
    func parsesTypes() throws {
        let v = try JSONParser.parse(#"{"a":1,"b":-9223372036854775808,"c":1.5,"d":"x\n\u00e9\ud83d\ude00","e":[true,false,null],"f":{}}"#)
        #expect(v["a"] == .int(1))
        #expect(v["b"] == .int(Int64.min))
        #expect(v["c"] == .double(1.5))
        #expect(v["d"] == .string("x\né😀"))
        #expect(v["e"] == .array([.bool(true), .bool(false), .null]))
        #expect(v["f"] == .object([:]))
    }

    @Test("integers beyond Int64 keep their digits, written back exactly, canonical form included")
    func bigIntegers() throws {
        #expect(try JSONParser.parse("9223372036854775807") == .int(Int64.max))
        #expect(try JSONParser.parse("-9223372036854775808") == .int(Int64.min))
        #expect(try JSONParser.parse("9223372036854775808") == .bigInt("9223372036854775808"))
        #expect(try JSONParser.parse("-9223372036854775809") == .bigInt("-9223372036854775809"))
        #expect(try JSONParser.parse("18446744073709551616") == .bigInt("18446744073709551616"))
        // Not integers: still doubles.
        #expect(try JSONParser.parse("18446744073709551616.0") == .double(18446744073709551616))
        #expect(try JSONParser.parse("1e19") == .double(1e19))
        let text = #"{"z":123456789012345678901234567890,"id":18446744073709551615,"n":[-18446744073709551615,1]}"#
        let v = try JSONParser.parse(text)
        #expect(v["id"] == .bigInt("18446744073709551615"))
        #expect(v["id"]?.typeName == "number" && v["id"]?.intValue == nil && v["id"]?.doubleValue == 18446744073709551616.0)
        #expect(v["id"]?.textValue == "18446744073709551615")
        // Written back, plainly and canonically (in place and by a plan of the record's shape, twice), as it came.
        #expect(JSONWriter.string(v) == text)
        let canonical = #"{"id":18446744073709551615,"n":[-18446744073709551615,1],"z":123456789012345678901234567890}"#
        #expect(String(decoding: JSONWriter.canonicalBytes(v), as: UTF8.self) == canonical)
        #expect(Digest.canonicalSHA256(v) == Digest.sha256Hex(canonical))
        #expect(Digest.canonicalSHA256(v) == Digest.sha256Hex(canonical))
        #expect(try JSONParser.parse(canonical)["z"] == .bigInt("123456789012345678901234567890"))
    }

    @Test("a UTF-8 byte order mark before a document, or an NDJSON file's first line, is skipped")
    func byteOrderMark() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        #expect(try JSONParser.parse(bom + Array(#"[{"a": 1}]"#.utf8)) == [["a": 1]])
        #expect(try JSONParser.parse(bom + Array(" 7 ".utf8)) == 7)
        let lines = JSONParser.parseLines(bom + Array("{\"a\":1}\r\n{\"a\":2}\n".utf8))
        #expect(lines.count == 2 && (try? lines[0].get()) == ["a": 1] && (try? lines[1].get()) == ["a": 2])
        // Only at the very start: elsewhere it is still an error, as is a mark alone.
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(" ".utf8) + bom + Array("1".utf8)) }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(bom) }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array("[1,".utf8) + bom + Array("2]".utf8)) }
    }

    @Test("a repeated key: the last value wins")
    func duplicateKeys() throws {
        let v = try JSONParser.parse(#"{"k":1,"k":2}"#)
        #expect(v["k"] == .int(2))
        #expect(JSONWriter.string(v, style: .canonical) == #"{"k":2}"#)
    }

    @Test("bad input fails with line and column", arguments: [
        (#"{"a":}"#, 1, 6, "expected a value"),
        ("[1,2", 1, 5, "unexpected end of input"),
        ("{\n  \"a\": tru\n}", 2, 8, "invalid literal"),
        (#"{"a":01}"#, 1, 6, "leading zero"),
        (#"["\x"]"#, 1, 3, "invalid escape"),
        (#"{"a":1} x"#, 1, 9, "unexpected data after"),
        (#""abc"#, 1, 1, "unterminated string"),
        (#"["\ud800"]"#, 1, 9, "unpaired UTF-16 surrogate"),
    ])
    func errors(input: String, line: Int, column: Int, message: String) {
        do {
            _ = try JSONParser.parse(input)
            Issue.record("parsed invalid JSON: \(input)")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.column == column, "\(error)")
            #expect(error.message.contains(message), "\(error)")
        }
    }

    @Test("invalid UTF-8 is rejected with its offset")
    func invalidUTF8() {
        let bytes: [UInt8] = Array(#"{"a":"ok"#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        do {
            _ = try JSONParser.parse(bytes)
            Issue.record("accepted invalid UTF-8")
        } catch {
            #expect(error.message.contains("invalid UTF-8"))
            #expect(error.offset == 8)
        }
    }

    @Test("nesting deeper than the limit fails instead of overflowing the stack")
    func deepNesting() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(deep) }
        let ok = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect((try? JSONParser.parse(ok)) != nil)
    }

    @Test("NDJSON: each line parsed, a bad line reported with its line number")
    func ndjson() {
        let results = JSONParser.parseLines(Array("{\"a\":1}\n\n{bad}\n{\"a\":3}\n".utf8))
        #expect(results.count == 3)
        guard case .failure(let f) = results[1] else {
            Issue.record("line 3 should fail")
            return
        }
        #expect(f.line == 3)
        if case .success(let v) = results[2] { #expect(v["a"] == .int(3)) } else { Issue.record("line 4 should parse") }
    }
}

@Suite("JSON writer")
struct JSONWriterTests {
    @Test("canonical form sorts keys by bytes, escapes minimally, and round-trips")
    func canonical() throws {
        let v = try JSONParser.parse(#"{"b":[1,2.5,"q\"\\\u0001"],"a":{"z":null,"é":true,"A":false}}"#)
        let s = JSONWriter.string(v, style: .canonical)
        #expect(s == #"{"a":{"A":false,"z":null,"é":true},"b":[1,2.5,"q\"\\\u0001"]}"#)
        #expect(JSONWriter.string(try JSONParser.parse(s), style: .canonical) == s)
    }

    @Test("the same value in another key order has the same canonical hash")
    func hashStable() throws {
        let a = try JSONParser.parse(#"{"x":1,"y":{"p":"1","q":[1,2]}}"#)
        let b = try JSONParser.parse(#"{ "y": {"q": [1, 2], "p": "1"}, "x": 1 }"#)
        #expect(Digest.canonicalSHA256(a) == Digest.canonicalSHA256(b))
        #expect(Digest.canonicalSHA256(a).count == 64)
    }

    @Test("doubles print in a form that parses back to the same number", arguments: [0.1, 1e21, -2.5e-8, 3.0, 123456.789])
    func doubles(d: Double) throws {
        let s = JSONWriter.string(.double(d))
        #expect(try JSONParser.parse(s).doubleValue == d)
    }
}

/// The canonical writer against a plain reference (keys sorted by their UTF-8 bytes, the last of
/// repeated keys kept, the escapes of RFC 8259's shortest form), on values built to hit its fast
/// paths: keys that share their first eight bytes, keys of every length around eight, repeated
/// keys, non-ASCII keys, and strings with an escape at every position around the 8-byte scan.
@Suite("JSON writer against a reference")
struct JSONWriterReferenceTests {
    static func reference(_ v: JSONValue) -> String {
        switch v {
        case .object(let o):
            var last: [String: JSONValue] = [:]
            var keys: [[UInt8]: String] = [:]
            for m in o.members {
                last[m.key] = m.value
                keys[Array(m.key.utf8)] = m.key
            }
            let sorted = keys.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { keys[$0]! }
            return "{" + sorted.map { quote($0) + ":" + reference(last[$0]!) }.joined(separator: ",") + "}"
        case .array(let a): return "[" + a.map(reference).joined(separator: ",") + "]"
        case .string(let s): return quote(s)
        default: return JSONWriter.string(v)
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case let c where c.value < 0x20: out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    @Test("keys sharing long prefixes, repeated keys and non-ASCII keys sort by bytes, the last repeat winning")
    func keyOrder() {
        var rng = SystemRandomNumberGenerator()
        let stems = ["", "a", "abcdefg", "abcdefgh", "abcdefghi", "abcdefgh\u{0}", "ABCDEFGH", "é", "éé", "z", "日本", "abcdefgz", "\u{7F}"]
        for _ in 0..<300 {
            var members: [JSONObject.Member] = []
            for _ in 0..<Int.random(in: 0...20, using: &rng) {
                let key = stems.randomElement(using: &rng)! + (Bool.random(using: &rng) ? "" : String(Int.random(in: 0...3, using: &rng)))
                members.append(.init(key: key, value: .int(Int64.random(in: 0...9, using: &rng))))
            }
            let v = JSONValue.object(JSONObject(members: members))
            #expect(JSONWriter.string(v, style: .canonical) == Self.reference(v), "\(members.map(\.key))")
        }
    }

    @Test("an escape at any position of a string of any length around the 8-byte scan")
    func escapes() {
        let specials: [Character] = ["\"", "\\", "\n", "\u{01}", "\u{1F}", "\t", "é", "\u{7F}", " "]
        for length in 0...24 {
            for at in 0..<max(1, length) {
                for c in specials {
                    var chars = Array(repeating: Character("x"), count: length)
                    if length > 0 { chars[at] = c }
                    let s = String(chars)
                    #expect(JSONWriter.string(.string(s), style: .canonical) == Self.quote(s))
                    #expect(JSONWriter.string(.string(s)) == Self.quote(s))
                }
            }
        }
    }

    @Test("integers print exactly at the edges", arguments: [Int64.min, Int64.min + 1, -10, -9, -1, 0, 9, 10, 99, 100, Int64.max])
    func integers(i: Int64) {
        #expect(JSONWriter.string(.int(i)) == String(i))
    }

    @Test("member look-up matches keys by their bytes and finds the last of repeated keys")
    func lookup() {
        let nfc = "\u{E9}", nfd = "e\u{301}"
        let o = JSONObject(members: [.init(key: nfc, value: 1), .init(key: "ab", value: 2), .init(key: "ab", value: 3), .init(key: "", value: 4)])
        #expect(o[nfc] == 1)
        #expect(o[nfd] == nil, "canonically equivalent but different bytes: a different JSON key")
        #expect(o["ab"] == 3)
        #expect(o[""] == 4)
        #expect(o["abc"] == nil)
    }
}
