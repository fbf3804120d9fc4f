import Foundation
import IntakeCore
import IntakeMapping
import Testing

/// A time field written `{{ … | time }}` is read once, straight to its instant, and ISO-8601 text is
/// tried first. Both are shortcuts: each input must give what the general path gives (the filter's
/// ISO text parsed back by the field), the same instant or the same error.
@Suite("Time fields read once")
struct TimeFieldTests {
    static let inputs: [JSONValue] = [
        "2024-05-01T00:00:03.639Z", "2024-05-01T02:00:03.639+02:00", "2024-05-01T02:00:03+0200", "2024-05-01T02:00:03-05",
        "2024-05-01T10:00:00", "2024-05-01 10:00", "2024-05-01", "  2024-05-01T10:00:00Z  ", "2024-05-01T10:00:00Z\n",
        "\t2024-05-01T10:00:00", "2024-05-01T10:00:00.1234567z", "2024-13-01T00:00:00Z", "2024-05-01T10:00:00+24:00",
        "2024-05-01T10", "2024-05-01T10:00:00 Z", "20240501T100000Z", "20240501T1000-05", "20240501", "20240501T10:00:00", "9999-12-31T23:59:59.999999Z", "0001-01-01T00:00:00Z",
        "Wed, 01 May 2024 10:00:00 +0200", "01 May 2024 10:00 GMT", "1714521603", "1714521603639", "1714521603.5", "+1714521603",
        "2024", "2024-", "12345-05-01", "", "   ", "soon", .int(1_714_521_603), .int(1_714_521_603_639), .double(1.5e9),
        .int(999_999_999_999_999_999), .null, .bool(true), .object(["a": 1]),
    ]

    static func mapping(_ expression: String) throws -> Mapping {
        try Mapping.compile(text: """
            container:
              source_data_identifier: c
              start_time: "{{ \(expression) }}"
            artifacts:
              - source_data_identifier: a
                start_time: "{{ \(expression) }}"
            """, file: "m.yaml")
    }

    /// The instant both fields got, or the error's message with the expression's text taken out.
    static func outcome(_ m: Mapping, _ value: JSONValue, zone: MappingTimeZone, expression: String) -> String {
        do {
            let r = try m.apply(["t": value], context: MappingContext(now: Timestamp(microseconds: 0), timeZone: zone))
            return "\(r.container.startTime?.iso8601 ?? "none") \(r.artifacts.first?.startTime?.iso8601 ?? "none")"
        } catch {
            return "error: " + error.message.replacingOccurrences(of: expression, with: "EXPR") + " at " + error.location
        }
    }

    @Test("the shortcut gives what the general path gives, for every kind of input and zone",
          arguments: [MappingTimeZone.utc, .fixed(secondsEast: -18_000), MappingTimeZone(identifier: "Europe/Paris")!])
    func sameAsGeneralPath(_ zone: MappingTimeZone) throws {
        // `| trim` after `time` leaves the text as it is but is not the shortcut's shape.
        let fast = try Self.mapping("t | time"), general = try Self.mapping("t | time | trim")
        for v in Self.inputs {
            let a = Self.outcome(fast, v, zone: zone, expression: "t | time")
            let b = Self.outcome(general, v, zone: zone, expression: "t | time | trim")
            #expect(a == b, "input \(JSONWriter.string(v))")
        }
    }

    @Test("ISO-8601 text: zones, spaces and other whitespace, read in the asset's zone when it has none")
    func isoText() throws {
        let m = try Self.mapping("t | time")
        let minusFive = MappingTimeZone.fixed(secondsEast: -18_000)
        let cases: [(JSONValue, String)] = [
            ("2024-05-01T02:00:03.639+02:00", "2024-05-01T00:00:03.639000Z"),
            ("2024-05-01T02:00:03-05", "2024-05-01T07:00:03.000000Z"),
            ("2024-05-01T10:00:00", "2024-05-01T15:00:00.000000Z"),
            ("2024-05-01", "2024-05-01T05:00:00.000000Z"),
            ("  2024-05-01T10:00:00Z  ", "2024-05-01T10:00:00.000000Z"),
            ("2024-05-01T10:00:00Z\n", "2024-05-01T10:00:00.000000Z"),
            ("\t2024-05-01T10:00:00", "2024-05-01T15:00:00.000000Z"),
            // The basic format, a zone-less one in the asset's zone too.
            ("20240501T020003.639+0200", "2024-05-01T00:00:03.639000Z"),
            ("20240501T100000", "2024-05-01T15:00:00.000000Z"),
        ]
        for (value, expected) in cases {
            #expect(Self.outcome(m, value, zone: minusFive, expression: "t | time") == "\(expected) \(expected)", "\(value)")
        }
        for bad: JSONValue in ["12345-05-01", "2024-13-01T00:00:00Z", "2024-05-01T10:00:00+24:00", "2024-05-01T10", "20240501T10:00:00"] {
            #expect(Self.outcome(m, bad, zone: minusFive, expression: "t | time").hasPrefix("error: '"), "\(bad)")
        }
    }

    @Test("explicit formats and filters before `time` go through the shortcut too")
    func formatsAndEarlierFilters() throws {
        let cases: [(String, JSONValue, String)] = [
            ("t | time: '%d/%m/%Y %H:%M'", "01/05/2024 10:30", "2024-05-01T10:30:00.000000Z"),
            ("t | trim | time", "  2024-05-01T10:00:00+02:00 ", "2024-05-01T08:00:00.000000Z"),
            ("t | int | time", "1714521603", "2024-05-01T00:00:03.000000Z"),
            ("t | default: '2024-01-01' | time", .null, "2024-01-01T00:00:00.000000Z"),
        ]
        for (expression, value, expected) in cases {
            let m = try Self.mapping(expression)
            #expect(Self.outcome(m, value, zone: .utc, expression: expression) == "\(expected) \(expected)", "\(expression)")
        }
        let m = try Self.mapping("t | time: '%d/%m/%Y'")
        let failed = Self.outcome(m, "2024-05-01", zone: .utc, expression: "t | time: '%d/%m/%Y'")
        #expect(failed == "error: '2024-05-01' does not match the time format '%d/%m/%Y' (filter 'time' in {{ EXPR }}) at m.yaml:3:15")
    }
}
