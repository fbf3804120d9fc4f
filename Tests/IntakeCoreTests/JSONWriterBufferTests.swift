import IntakeCore
import Testing

/// The writer keeps its bytes in a raw buffer of its own: these pin down that it still behaves as
/// a value (a copy never sees the other's writes), grows from any capacity, and that member
/// look-up's fast paths agree with a plain byte comparison.
@Suite("JSON writer buffer and member look-up")
struct JSONWriterBufferTests {
    @Test("a copied writer writes into its own buffer, before and after a reset")
    func valueSemantics() {
        var a = JSONWriter(style: .canonical, capacity: 16)
        a.write(["x": 1])
        var b = a
        b.appendRaw(",")
        b.write("tail")
        #expect(a.text == #"{"x":1}"#)
        #expect(b.text == #"{"x":1},"tail""#)
        var c = b
        c.reset()
        c.write(.null)
        #expect(c.text == "null")
        #expect(b.text == #"{"x":1},"tail""#, "resetting a copy leaves the original alone")
        a.writeInt(-42)
        #expect(a.text == #"{"x":1}-42"#)
        #expect(a.count == a.bytes.count)
    }

    @Test("integers are written as Swift writes them: every digit count, both signs, the extremes, near a full buffer")
    func integers() {
        var values: [Int64] = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, Int64.max, Int64.min, Int64.max - 1, Int64.min + 1]
        var power: Int64 = 1
        for _ in 0..<19 {
            values += [power - 1, power - 2, power, power + 1, -power, -(power - 1), -(power - 2), -(power + 1), power * 9, power * 5 + 7]
            if power <= Int64.max / 10 { power *= 10 }
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 { values.append(Int64.random(in: Int64.min...Int64.max, using: &rng) >> Int64.random(in: 0...62, using: &rng)) }
        for v in values {
            // A fresh writer of the smallest capacity each time, so that writing the number grows it.
            var w = JSONWriter(style: .canonical, capacity: 1)
            w.appendRaw("[")
            w.writeInt(v)
            w.write(.int(v))
            #expect(w.text == "[\(v)\(v)", "\(v)")
        }
    }

    @Test("strings of every length up to 80, with a character to escape at every position, escape as a plain escaper does")
    func escapesAtEveryPosition() {
        func plain(_ s: String) -> String {
            var out = "\""
            for b in s.utf8 {
                switch b {
                case 0x22: out += "\\\""
                case 0x5C: out += "\\\\"
                case 0x0A: out += "\\n"
                case 0x0D: out += "\\r"
                case 0x09: out += "\\t"
                case 0x08: out += "\\b"
                case 0x0C: out += "\\f"
                case ..<0x20: out += "\\u00" + (b < 16 ? "0" : "") + String(b, radix: 16)
                default: out.unicodeScalars.append(Unicode.Scalar(b))
                }
            }
            return out + "\""
        }
        for length in 0...80 {
            let base = String((0..<length).map { Character(Unicode.Scalar(UInt8(0x61 + $0 % 26))) })
            #expect(JSONWriter.string(.string(base)) == plain(base), "length \(length)")
            for at in 0..<length {
                for special: UInt8 in [0x22, 0x5C, 0x0A, 0x01, 0x1F] {
                    var bytes = Array(base.utf8)
                    bytes[at] = special
                    let s = String(decoding: bytes, as: UTF8.self)
                    #expect(JSONWriter.string(.string(s)) == plain(s), "length \(length), \(special) at \(at)")
                }
            }
        }
    }

    @Test("the smallest buffer grows through long strings, escapes and deep values")
    func growth() throws {
        let long = String(repeating: "abcdefgh", count: 300)
        let escaped = String(repeating: "a\"b\\c\n\u{01}", count: 200)
        let value: JSONValue = ["k": .array([.string(long), .string(escaped), ["n": .array((0..<200).map { .int(Int64($0)) })]])]
        var w = JSONWriter(style: .canonical, capacity: 1)
        w.write(value)
        let text = w.text
        #expect(try JSONParser.parse(text) == value)
        #expect(text == JSONWriter.string(value, style: .canonical))
        #expect(text.utf8.count == w.count)
        // Escapes at the end of a buffer that has to grow for each of them.
        for n in 0..<40 {
            var small = JSONWriter(capacity: 1)
            let s = String(repeating: "x", count: n) + "\u{1F}\"\\"
            small.write(.string(s))
            #expect(try JSONParser.parse(small.text) == .string(s))
        }
    }

    @Test("compact and pretty output are unchanged by the buffer")
    func styles() {
        let v: JSONValue = ["b": [1, 2], "a": ["z": "é", "y": .null]]
        #expect(JSONWriter.string(v) == #"{"b":[1,2],"a":{"z":"é","y":null}}"#)
        #expect(JSONWriter.string(v, style: .pretty) == "{\n  \"b\": [\n    1,\n    2\n  ],\n  \"a\": {\n    \"z\": \"é\",\n    \"y\": null\n  }\n}")
        #expect(JSONWriter.string(v, style: .canonical) == #"{"a":{"y":null,"z":"é"},"b":[1,2]}"#)
    }

    @Test("member look-up by bytes: long keys in separate storage, same-length keys, the last repeat")
    func lookup() {
        // Keys longer than 15 bytes live in heap storage: equal text in two allocations must match.
        let stem = "destinationAddress.long.key"
        let key = String(stem.dropLast(4)) + ".key"
        let o = JSONObject(members: [.init(key: stem, value: 1), .init(key: "destinationAddress.long.kez", value: 2),
                                     .init(key: "abc", value: 3), .init(key: "abd", value: 4), .init(key: "abc", value: 5)])
        #expect(o[key] == 1)
        #expect(o["destinationAddress.long.kez"] == 2)
        #expect(o["abc"] == 5)
        #expect(o.lastIndex(ofKey: "abc") == 4)
        #expect(o["abd"] == 4)
        #expect(o["ab"] == nil)
        #expect(o["destinationAddress.long.ke"] == nil)
        var m = o
        m["abc"] = nil
        #expect(m.lastIndex(ofKey: "abc") == 2, "removing a key removes its last occurrence")
        m["new"] = "v"
        #expect(m.keys.last == "new")
    }
}
