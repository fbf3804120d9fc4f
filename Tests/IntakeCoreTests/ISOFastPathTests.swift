import IntakeCore
import Testing

/// `Timestamp.parseISO8601UTC` reads only the commonest shape and must agree with the general
/// parser wherever it reads a text at all.
@Suite("ISO-8601 in its commonest shape")
struct ISOFastPathTests {
    static func fast(_ s: String) -> Timestamp? {
        Array(s.utf8).withUnsafeBufferPointer { Timestamp.parseISO8601UTC($0) }
    }

    static func general(_ s: String) -> Timestamp? {
        guard let (t, hasZone) = Timestamp.parseISO8601(s), hasZone else { return nil }
        return t
    }

    @Test("reads the shape with and without a fraction", arguments: [
        ("2024-05-01T00:00:03Z", "2024-05-01T00:00:03.000000Z"),
        ("2024-05-01T00:00:03.6Z", "2024-05-01T00:00:03.600000Z"),
        ("2024-05-01T00:00:03.639Z", "2024-05-01T00:00:03.639000Z"),
        ("2024-05-01T00:00:03.123456Z", "2024-05-01T00:00:03.123456Z"),
        ("2024-05-01T00:00:03.123456789Z", "2024-05-01T00:00:03.123456Z"),
        ("2016-12-31T23:59:60Z", "2016-12-31T23:59:59.000000Z"),
        ("2024-02-29T12:00:00Z", "2024-02-29T12:00:00.000000Z"),
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000Z"),
    ])
    func reads(input: String, expected: String) {
        #expect(Self.fast(input)?.iso8601 == expected)
        #expect(Self.general(input)?.iso8601 == expected)
    }

    @Test("leaves every other text to the general parser", arguments: [
        "2024-05-01T00:00:03", "2024-05-01T00:00:03.Z", "2024-05-01T00:00:03.1234567890Z", "2024-05-01 00:00:03Z",
        "2024-05-01t00:00:03Z", "2024-05-01T00:00:03z", "2024-05-01T00:00:03+00:00", " 2024-05-01T00:00:03Z",
        "2024-05-01T00:00:03Z ", "2024-05-01", "", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-05-01T24:00:00Z",
        "2024-05-01T00:60:00Z", "2024-05-01T00:00:61Z", "2024-00-01T00:00:00Z", "2024-05-00T00:00:00Z", "+024-05-01T00:00:03Z",
    ])
    func declines(input: String) {
        #expect(Self.fast(input) == nil)
    }

    @Test("agrees with the general parser on every one-byte change of the shape")
    func agreesOnMutations() {
        let seeds = ["2024-05-01T00:00:03Z", "2024-05-01T00:00:03.639Z", "1999-12-31T23:59:59.999999Z", "2024-02-29T23:59:60.123456789Z"]
        let replacements: [UInt8] = Array("0123456789-:.TZtz +/a".utf8) + [0x00, 0x2F, 0x3A, 0xFF]
        var read = 0
        for seed in seeds {
            let bytes = Array(seed.utf8)
            for i in bytes.indices {
                for r in replacements {
                    var m = bytes
                    m[i] = r
                    let text = String(decoding: m, as: UTF8.self)
                    guard let f = m.withUnsafeBufferPointer({ Timestamp.parseISO8601UTC($0) }) else { continue }
                    read += 1
                    #expect(f == Self.general(text), "\(text)")
                }
                // Shorter and longer by one byte, too.
                var cut = bytes
                cut.remove(at: i)
                if let f = cut.withUnsafeBufferPointer({ Timestamp.parseISO8601UTC($0) }) {
                    #expect(f == Self.general(String(decoding: cut, as: UTF8.self)))
                }
                var grown = bytes
                grown.insert(UInt8(ascii: "7"), at: i)
                if let f = grown.withUnsafeBufferPointer({ Timestamp.parseISO8601UTC($0) }) {
                    #expect(f == Self.general(String(decoding: grown, as: UTF8.self)))
                }
            }
        }
        #expect(read > 200)
    }
}
