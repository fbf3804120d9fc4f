import IntakeCore
import Testing

@Suite("Timestamps and durations")
struct TimeTests {
    @Test("ISO-8601 UTC with microseconds")
    func formatting() {
        #expect(Timestamp(microseconds: 0).iso8601 == "1970-01-01T00:00:00.000000Z")
        #expect(Timestamp(microseconds: 1_714_521_603_123_456).iso8601 == "2024-05-01T00:00:03.123456Z")
        #expect(Timestamp(microseconds: -1).iso8601 == "1969-12-31T23:59:59.999999Z")
    }

    @Test("ISO-8601 parsing honours offsets; a time without a zone is UTC unless told", arguments: [
        ("2024-05-01T00:00:03.123456Z", "2024-05-01T00:00:03.123456Z"),
        ("2024-05-01T02:00:03+02:00", "2024-05-01T00:00:03.000000Z"),
        ("2024-04-30T19:00:03-0500", "2024-05-01T00:00:03.000000Z"),
        ("2024-05-01 00:00:03", "2024-05-01T00:00:03.000000Z"),
        ("2024-05-01", "2024-05-01T00:00:00.000000Z"),
        ("2024-02-29T23:59:59.5Z", "2024-02-29T23:59:59.500000Z"),
        // The basic format.
        ("20240501T000003Z", "2024-05-01T00:00:03.000000Z"),
        ("20240501T020003.25+0200", "2024-05-01T00:00:03.250000Z"),
        ("20240430T1900-05", "2024-05-01T00:00:00.000000Z"),
        ("20240501t000003", "2024-05-01T00:00:03.000000Z"),
    ])
    func parsing(input: String, expected: String) {
        #expect(Timestamp(iso8601: input)?.iso8601 == expected)
    }

    @Test("invalid times are rejected", arguments: ["2023-02-29T00:00:00Z", "2024-13-01", "2024-05-01T25:00:00Z", "yesterday", "2024-05-01T00:00:00+99:00",
                                                     // The basic format needs its T (digits alone are an epoch value) and no separators.
                                                     "20240501", "20240501 000003Z", "2024-0501T000003Z", "20240501T00:00:03Z", "20240501T0000:03Z",
                                                     "20230229T000000Z", "20240501T000003.Z"])
    func invalid(input: String) {
        #expect(Timestamp(iso8601: input) == nil)
    }

    @Test("a zone-less time is read in the given offset, never the machine's")
    func defaultOffset() {
        #expect(Timestamp(iso8601: "2024-05-01T10:00:00", defaultOffsetSeconds: 3600)?.iso8601 == "2024-05-01T09:00:00.000000Z")
    }

    @Test("epoch seconds and milliseconds are told apart by magnitude")
    func epoch() {
        #expect(Timestamp(epoch: 1_714_521_603).iso8601 == "2024-05-01T00:00:03.000000Z")
        #expect(Timestamp(epoch: 1_714_521_603_250).iso8601 == "2024-05-01T00:00:03.250000Z")
    }

    @Test("durations", arguments: [("90s", 90), ("5m", 300), ("1h30m", 5400), ("10d", 864_000), ("2w", 1_209_600), ("45", 45)])
    func durations(text: String, seconds: Int64) {
        #expect(IntakeDuration(parsing: text)?.microseconds == seconds * 1_000_000)
    }

    @Test("bad durations are rejected", arguments: ["", "5x", "m5", "1h-2m", "abc"])
    func badDurations(text: String) {
        #expect(IntakeDuration(parsing: text) == nil)
    }
}
