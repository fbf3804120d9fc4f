import IntakeCore
import Testing

/// The parser scans strings eight bytes at a time and collects container items on a stack of its
/// own: these put every interesting byte at every position around the 8-byte scan, and stop
/// parses half-way with items on the stack.
@Suite("JSON parser string scan and item stack")
struct JSONParserScanTests {
    @Test("a quote, escape, control byte or non-ASCII character at any position of a string of any length")
    func stringScan() throws {
        let specials: [(json: String, value: String)] = [
            (#"\""#, "\""), (#"\\"#, "\\"), (#"\n"#, "\n"), (#"\u0001"#, "\u{01}"), ("é", "é"), ("日", "日"),
            ("😀", "😀"), (#"\u00e9"#, "é"), (#"\/"#, "/"), ("\u{7F}", "\u{7F}"),
        ]
        for length in 0...20 {
            for at in 0...length {
                for (json, value) in specials {
                    let prefix = String(repeating: "a", count: at), suffix = String(repeating: "b", count: length - at)
                    let text = "[\"" + prefix + json + suffix + "\",\"after\"]"
                    let parsed = try JSONParser.parse(text)
                    #expect(parsed == .array([.string(prefix + value + suffix), "after"]), "\(text)")
                }
            }
        }
    }

    @Test("a raw control byte or invalid UTF-8 at any position is refused with its offset")
    func badBytesEverywhere() {
        for length in 1...20 {
            for at in 0..<length {
                for bad: UInt8 in [0x01, 0x1F, 0xFF, 0xC3] {
                    var bytes = Array(#"{"k":""#.utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: length) + Array(#""}"#.utf8)
                    bytes[6 + at] = bad
                    do {
                        _ = try JSONParser.parse(bytes)
                        Issue.record("accepted byte \(bad) at \(at) of \(length)")
                    } catch {
                        if bad < 0x20 {
                            #expect(error.message.contains("control character") && error.offset == 6 + at, "\(error)")
                        } else {
                            #expect(error.message.contains("invalid UTF-8"), "\(error)")
                        }
                    }
                }
            }
        }
    }

    @Test("containers of every size keep their items in order, nested or not")
    func containerSizes() throws {
        for n in [0, 1, 2, 31, 32, 33, 100, 1000] {
            let members = (0..<n).map { "\"k\($0)\":[\($0),{\"n\":\"\(String(repeating: "v", count: $0 % 20))\"}]" }
            let text = "{" + members.joined(separator: ",") + "}"
            let v = try JSONParser.parse(text)
            guard case .object(let o) = v else { Issue.record("not an object"); continue }
            #expect(o.count == n)
            for i in 0..<n {
                #expect(o.members[i].key == "k\(i)")
                #expect(o.members[i].value == .array([.int(Int64(i)), ["n": .string(String(repeating: "v", count: i % 20))]]))
            }
            #expect(JSONWriter.string(v) == text)
        }
    }

    @Test("a parse that fails deep inside containers reports the error (items left on the stack are freed)")
    func failsMidway() {
        let cases = [#"{"a":[1,2,{"b":[3,{"c":"#, #"[[[[{"a":1,"b":[1,2,3],"c":{"d":[true,false,nul]}}]]]]"#,
                     #"{"a":{"b":{"c":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,"x"#]
        for text in cases {
            #expect(throws: JSONParser.Failure.self, "\(text)") { try JSONParser.parse(text) }
        }
        // And a good document parses after the failures.
        #expect((try? JSONParser.parse(#"{"a":[1,{"b":2}]}"#)) == ["a": [1, ["b": 2]]])
    }
}
