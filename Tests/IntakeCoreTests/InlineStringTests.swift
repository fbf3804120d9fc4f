@testable import IntakeCore
import Testing

/// Member look-up, key ordering and string writing read short strings from their two words
/// (``InlineString``). These pin the layout they rely on and check that every fast path agrees with
/// the plain one, including for names of at most 15 bytes that are not stored inline.
@Suite("Inline string fast paths")
struct InlineStringTests {
    /// Text built at run time, so that no literal representation is involved.
    static func built(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// A string of at most 15 bytes kept in separate storage, where the platform makes one.
    static func outOfLine(_ text: String) -> String {
        String(unsafeUninitializedCapacity: 64) { buffer in
            let u = Array(text.utf8)
            for (i, b) in u.enumerated() { buffer[i] = b }
            return u.count
        }
    }

    @Test("the layout: bytes in order, zero padding, the count, inline up to 15 bytes only")
    func layout() {
        #expect(InlineString.layoutKnown)
        for n in 0...15 {
            let bytes = (0..<n).map { UInt8(0x61 + $0) }
            let w = InlineString.words(Self.built(bytes))
            #expect(InlineString.isInline(w), "\(n) bytes")
            #expect(InlineString.count(w) == n)
            var expected: (UInt64, UInt64) = (0, 0)
            for (i, b) in bytes.enumerated() {
                if i < 8 { expected.0 |= UInt64(b) << (8 * UInt64(i)) } else { expected.1 |= UInt64(b) << (8 * UInt64(i - 8)) }
            }
            #expect(w.0 == expected.0 && w.1 & 0x00FF_FFFF_FFFF_FFFF == expected.1, "\(n) bytes")
        }
        let nonASCII = InlineString.words(Self.built([0xC3, 0xA9, 0x61]))  // "éa"
        #expect(InlineString.isInline(nonASCII) && InlineString.count(nonASCII) == 3)
        #expect(!InlineString.isInline(InlineString.words(Self.built(Array(repeating: 0x61, count: 16)))))
        #expect(InlineString.sameText(InlineString.words("ab"), InlineString.words(Self.built([0x61, 0x62]))))
        #expect(!InlineString.sameText(InlineString.words("ab"), InlineString.words("ab\u{0}")), "a trailing NUL is a different name")
    }

    @Test("look-up finds names whatever their storage, and the last of repeated names")
    func lookup() {
        let names = ["", "a", "id", "ab\u{0}", "abcdefgh", "abcdefghijklmno", "éé", "destinationAddress"]
        var members: [JSONObject.Member] = []
        for (i, name) in names.enumerated() {
            members.append(.init(key: Self.outOfLine(name), value: .int(Int64(i))))
            members.append(.init(key: Self.built(Array(name.utf8)), value: .int(Int64(100 + i))))
        }
        let o = JSONObject(members: members)
        for (i, name) in names.enumerated() {
            #expect(o[name] == .int(Int64(100 + i)), "\(name.debugDescription): the inline repeat is last")
            #expect(o.lastIndex(of: JSONObject.LookupKey(name)) == 2 * i + 1)
            #expect(o.lastIndex(of: JSONObject.LookupKey(Self.outOfLine(name))) == 2 * i + 1)
        }
        // Only the out-of-line copies: found through the byte comparison.
        let outOnly = JSONObject(members: names.enumerated().map { .init(key: Self.outOfLine($1), value: .int(Int64($0))) })
        for (i, name) in names.enumerated() {
            #expect(outOnly.lastIndex(of: JSONObject.LookupKey(name)) == i, "\(name.debugDescription)")
        }
        #expect(o["ab"] == nil && o["abcdefghijklmn"] == nil && o["é"] == nil)
        #expect(o.lastIndex(of: JSONObject.LookupKey("abcdefghijklmnop")) == nil)
    }

    @Test("canonical order and text are the same for inline and out-of-line names")
    func canonical() {
        var rng = SystemRandomNumberGenerator()
        let stems = ["", "a", "abcdefg", "abcdefgh", "abcdefghi", "abcdefgh\u{0}", "abcdefghijklmno", "abcdefghijklmnz", "é",
                     "q\"uote", "back\\slash", "tab\there", "ctl\u{1}"]
        for _ in 0..<200 {
            var inline: [JSONObject.Member] = [], outOfLine: [JSONObject.Member] = []
            for _ in 0..<Int.random(in: 0...12, using: &rng) {
                let key = stems.randomElement(using: &rng)!
                let value = JSONValue.string(stems.randomElement(using: &rng)!)
                inline.append(.init(key: Self.built(Array(key.utf8)), value: value))
                outOfLine.append(.init(key: Self.outOfLine(key), value: .string(Self.outOfLine(value.stringValue!))))
            }
            let a = JSONWriter.string(.object(JSONObject(members: inline)), style: .canonical)
            let b = JSONWriter.string(.object(JSONObject(members: outOfLine)), style: .canonical)
            #expect(a == b)
            #expect((try? JSONParser.parse(a)).map { JSONWriter.string($0, style: .canonical) } == a, "parses back to itself")
        }
    }

    @Test("the parser's short ASCII strings are the standard library's, byte for byte and word for word")
    func parsedShortStrings() throws {
        #expect(InlineString.buildsASCII)
        for n in 0...17 {
            let text = String((0..<n).map { Character(Unicode.Scalar(UInt8(0x21 + (n + $0 * 7) % 90))) }).replacingOccurrences(of: "\\", with: "/")
                .replacingOccurrences(of: "\"", with: "'")
            let json = "{\"\(text)\":\"\(text)\"}"
            let parsed = try JSONParser.parse(json)
            let o = try #require(parsed.objectValue)
            let standard = Self.built(Array(text.utf8))
            #expect(o.members[0].key == standard && o.members[0].value == .string(standard), "\(n) bytes")
            if n <= 15 {
                #expect(InlineString.words(o.members[0].key) == InlineString.words(standard), "\(n) bytes: the same representation")
            }
            #expect(o.members[0].key.hashValue == standard.hashValue)
            #expect(o[standard] == .string(standard))
        }
        // Non-ASCII and escaped short strings take the validating paths.
        #expect(try JSONParser.parse(#"["é","a\u00e9","\n"]"#) == ["é", "aé", "\n"])
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0x61, 0xC3, 0x22]) }
    }
}
