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

    @Test("integers beyond 64 bits become doubles")
    func bigIntegers() throws {
        #expect(try JSONParser.parse("18446744073709551616") == .double(18446744073709551616))
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
