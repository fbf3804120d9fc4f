import IntakeCore
import IntakeScheduler
import Testing

/// One expression, a zone, a start and the fire times that must follow it, in order.
struct FireCase: CustomTestStringConvertible, Sendable {
    var expression: String
    var zone: String?
    var from: String
    var expected: [String]
    var testDescription: String { "\(expression) in \(zone ?? "UTC") after \(from)" }
    init(_ expression: String, _ zone: String? = nil, from: String, _ expected: [String]) {
        self.expression = expression
        self.zone = zone
        self.from = from
        self.expected = expected
    }
}

@Suite struct CronScheduleTests {
    static let cases: [FireCase] = [
        // Month ends and leap years.
        FireCase("*/15 * * * *", from: "2024-01-31T23:50:00Z", ["2024-02-01T00:00:00+00:00", "2024-02-01T00:15:00+00:00"]),
        FireCase("0 0 29 2 *", from: "2023-03-01T00:00:00Z", ["2024-02-29T00:00:00+00:00", "2028-02-29T00:00:00+00:00"]),
        FireCase("0 0 31 * *", from: "2024-04-01T00:00:00Z", ["2024-05-31T00:00:00+00:00", "2024-07-31T00:00:00+00:00"]),
        FireCase("0 0 1 1 *", from: "2024-12-31T23:59:59Z", ["2025-01-01T00:00:00+00:00"]),
        FireCase("0 0 29 2 *", from: "2096-03-01T00:00:00Z", ["2104-02-29T00:00:00+00:00"]),  // 2100 is not a leap year
        FireCase("59 23 28-31 2 *", from: "2100-02-27T00:00:00Z", ["2100-02-28T23:59:00+00:00", "2101-02-28T23:59:00+00:00"]),
        // Day of month and day of week: either matches when both are restricted (Vixie); '*' first means AND.
        FireCase("0 12 1 * mon", from: "2024-01-01T12:00:00Z", ["2024-01-08T12:00:00+00:00", "2024-01-15T12:00:00+00:00",
                                                               "2024-01-22T12:00:00+00:00", "2024-01-29T12:00:00+00:00",
                                                               "2024-02-01T12:00:00+00:00", "2024-02-05T12:00:00+00:00"]),
        FireCase("0 12 */2 * mon", from: "2024-01-01T12:00:00Z", ["2024-01-15T12:00:00+00:00", "2024-01-29T12:00:00+00:00"]),
        FireCase("0 12 13 * fri", from: "2024-09-12T00:00:00Z", ["2024-09-13T12:00:00+00:00", "2024-09-20T12:00:00+00:00"]),
        FireCase("0 0 * * 7", from: "2024-01-01T00:00:00Z", ["2024-01-07T00:00:00+00:00"]),
        FireCase("30 9 * * MON-FRI", from: "2024-01-05T10:00:00Z", ["2024-01-08T09:30:00+00:00", "2024-01-09T09:30:00+00:00"]),
        FireCase("0 0 1 jan,JUL *", from: "2024-01-01T00:00:00Z", ["2024-07-01T00:00:00+00:00", "2025-01-01T00:00:00+00:00"]),
        FireCase("0 8-18/5 * * *", from: "2024-01-01T00:00:00Z", ["2024-01-01T08:00:00+00:00", "2024-01-01T13:00:00+00:00",
                                                                 "2024-01-01T18:00:00+00:00", "2024-01-02T08:00:00+00:00"]),
        FireCase("0 10/6 * * *", from: "2024-01-01T00:00:00Z", ["2024-01-01T10:00:00+00:00", "2024-01-01T16:00:00+00:00",
                                                               "2024-01-01T22:00:00+00:00", "2024-01-02T10:00:00+00:00"]),
        // Six fields: seconds first.
        FireCase("*/10 * * * * *", from: "2024-01-01T00:00:05Z", ["2024-01-01T00:00:10+00:00", "2024-01-01T00:00:20+00:00"]),
        FireCase("0 0 0 1 1 ?", from: "2024-06-01T00:00:00Z", ["2025-01-01T00:00:00+00:00"]),
        // Macros and @every.
        FireCase("@hourly", from: "2024-12-31T23:30:00Z", ["2025-01-01T00:00:00+00:00"]),
        FireCase("@daily", from: "2024-02-28T00:00:00Z", ["2024-02-29T00:00:00+00:00", "2024-03-01T00:00:00+00:00"]),
        FireCase("@weekly", from: "2024-01-01T00:00:00Z", ["2024-01-07T00:00:00+00:00"]),
        FireCase("@monthly", from: "2024-01-31T12:00:00Z", ["2024-02-01T00:00:00+00:00"]),
        FireCase("@yearly", from: "2024-06-01T00:00:00Z", ["2025-01-01T00:00:00+00:00"]),
        FireCase("@every 90s", from: "2024-01-01T00:00:00Z", ["2024-01-01T00:01:30+00:00", "2024-01-01T00:03:00+00:00"]),
        FireCase("@every 1h30m", from: "2024-01-01T00:10:00Z", ["2024-01-01T01:30:00+00:00", "2024-01-01T03:00:00+00:00"]),
        FireCase("5m", from: "2024-01-01T00:02:00Z", ["2024-01-01T00:05:00+00:00", "2024-01-01T00:10:00+00:00"]),
        // Zones: local wall time, printed with the local offset.
        FireCase("0 9 * * *", "Asia/Kolkata", from: "2024-01-01T00:00:00Z", ["2024-01-01T09:00:00+05:30", "2024-01-02T09:00:00+05:30"]),

        // Europe/Berlin, spring forward 2024-03-31 02:00 CET -> 03:00 CEST.
        // A fixed-time job whose time is skipped fires once at the first instant after the gap.
        FireCase("30 2 * * *", "Europe/Berlin", from: "2024-03-30T12:00:00+01:00",
                 ["2024-03-31T03:00:00+02:00", "2024-04-01T02:30:00+02:00"]),
        FireCase("0 1,2,3 * * *", "Europe/Berlin", from: "2024-03-31T00:00:00+01:00",
                 ["2024-03-31T01:00:00+01:00", "2024-03-31T03:00:00+02:00", "2024-04-01T01:00:00+02:00"]),
        // A '*' hour job fires by real elapsed time: 02:00 and 02:30 do not exist.
        FireCase("*/30 * * * *", "Europe/Berlin", from: "2024-03-31T01:30:00+01:00",
                 ["2024-03-31T03:00:00+02:00", "2024-03-31T03:30:00+02:00"]),
        // Fall back 2024-10-27 03:00 CEST -> 02:00 CET: a fixed time fires once, at its first occurrence.
        FireCase("30 2 * * *", "Europe/Berlin", from: "2024-10-27T00:00:00+02:00",
                 ["2024-10-27T02:30:00+02:00", "2024-10-28T02:30:00+01:00"]),
        // The repeated hour is two real hours for a '*' or step hour job.
        FireCase("30 * * * *", "Europe/Berlin", from: "2024-10-27T01:45:00+02:00",
                 ["2024-10-27T02:30:00+02:00", "2024-10-27T02:30:00+01:00", "2024-10-27T03:30:00+01:00"]),
        FireCase("0 */2 * * *", "Europe/Berlin", from: "2024-10-27T01:00:00+02:00",
                 ["2024-10-27T02:00:00+02:00", "2024-10-27T02:00:00+01:00", "2024-10-27T04:00:00+01:00"]),

        // America/New_York, spring forward 2024-03-10 02:00 EST -> 03:00 EDT.
        FireCase("0 2 * * *", "America/New_York", from: "2024-03-09T03:00:00-05:00",
                 ["2024-03-10T03:00:00-04:00", "2024-03-11T02:00:00-04:00"]),
        FireCase("15,45 2 * * *", "America/New_York", from: "2024-03-10T00:00:00-05:00",
                 ["2024-03-10T03:00:00-04:00", "2024-03-11T02:15:00-04:00", "2024-03-11T02:45:00-04:00"]),
        // Fall back 2024-11-03 02:00 EDT -> 01:00 EST.
        FireCase("30 1 * * *", "America/New_York", from: "2024-11-03T00:00:00-04:00",
                 ["2024-11-03T01:30:00-04:00", "2024-11-04T01:30:00-05:00"]),
        FireCase("*/30 * * * *", "America/New_York", from: "2024-11-03T01:30:00-04:00",
                 ["2024-11-03T01:00:00-05:00", "2024-11-03T01:30:00-05:00", "2024-11-03T02:00:00-05:00"]),
        // Starting inside the repeated hour's second pass: the fixed-time job already fired in the first.
        FireCase("30 1 * * *", "America/New_York", from: "2024-11-03T01:10:00-05:00", ["2024-11-04T01:30:00-05:00"]),
    ]

    @Test(arguments: cases)
    func nextFireTimes(_ c: FireCase) throws {
        let schedule = try Schedule(expression: c.expression, timezone: c.zone)
        let from = try #require(Timestamp(iso8601: c.from))
        let fires = schedule.upcoming(c.expected.count, after: from).map(schedule.format)
        #expect(fires == c.expected)
    }

    @Test func neverFiringExpressionHasNoNextTime() throws {
        let schedule = try Schedule(expression: "0 0 30 2 *")
        #expect(schedule.next(after: Timestamp(microseconds: 0)) == nil)
    }

    @Test func jitterIsFixedPerAssetAndWithinBounds() throws {
        let jitter = IntakeDuration.seconds(30)
        let a = Schedule.jitterOffset(asset: "acme-siem", jitter: jitter)
        #expect(a == Schedule.jitterOffset(asset: "acme-siem", jitter: jitter))
        let offsets = Set((0..<50).map { Schedule.jitterOffset(asset: "asset-\($0)", jitter: jitter) })
        #expect(offsets.allSatisfy { $0 >= 0 && $0 < jitter.microseconds })
        #expect(offsets.count > 5, "names spread over the jitter")

        let settings = ScheduleSettings(interval: .minutes(5), jitter: jitter)
        let schedule = try Schedule(settings: settings, asset: "acme-siem")
        let from = try #require(Timestamp(iso8601: "2024-01-01T00:00:00Z"))
        let next = try #require(schedule.next(after: from))
        #expect(next.microseconds == from.microseconds + a || next.microseconds == from.microseconds + a + 300_000_000)
        #expect(schedule.next(after: next)?.microseconds == next.microseconds + 300_000_000)
    }

    static let invalid: [(String, String)] = [
        ("61 * * * *", "cron minute field: '61' is not a valid minute (0-59)"),
        ("0 24 * * *", "cron hour field: '24' is not a valid hour (0-23)"),
        ("* * 0 * *", "cron day-of-month field: '0' is not a valid day-of-month (1-31)"),
        ("* * * foo *", "cron month field: 'foo' is not a valid month (1-12 or jan-dec)"),
        ("* * * * funday", "cron day-of-week field: 'funday' is not a valid day-of-week (0-7 or sun-sat)"),
        ("*/0 * * * *", "cron minute field: '*/0' has a step that is not a positive number"),
        ("5-1 * * * *", "cron minute field: '5-1' is a range that ends before it starts"),
        ("1,,2 * * * *", "cron minute field '1,,2' has an empty list item"),
        ("* * * *", "has 4"),
        ("* * * * * * *", "has 7"),
        ("@reboot", "unknown cron macro '@reboot'"),
        ("@every 0s", "@every needs a duration of at least 1s"),
        ("@every soon", "not 'soon'"),
    ]

    @Test(arguments: invalid)
    func invalidExpressionsNameTheFieldAndValue(_ expression: String, _ message: String) {
        let error = #expect(throws: IntakeError.self) { try Schedule(expression: expression) }
        #expect(error?.description.contains(message) == true, "\(error?.description ?? "")")
        #expect(error?.description.contains(expression.trimmingSpaces) == true)
    }

    @Test func unknownTimeZoneIsAnError() {
        let error = #expect(throws: IntakeError.self) { try Schedule(expression: "@daily", timezone: "Mars/Olympus_Mons") }
        #expect(error?.description.contains("unknown time zone 'Mars/Olympus_Mons'") == true)
    }

    @Test func cronErrorInAssetFilePointsAtTheField() throws {
        let text = """
            name: x
            app: http_json
            ingest:
              schedule:
                cron: "0 25 * * *"
                timezone: Europe/Berlin
            """
        let asset = try AssetConfiguration(document: YAMLDocument(text: text, file: "assets/x.yaml"), defaultName: "x")
        let settings = try #require(asset.ingest.schedule)
        let error = #expect(throws: IntakeError.self) { try Schedule(settings: settings, asset: "x", location: asset.file) }
        #expect(error?.location == "assets/x.yaml:5:14")
        #expect(error?.message.contains("cron hour field: '25' is not a valid hour (0-23)") == true)
    }

    @Test func timeZoneErrorInAssetFileHasItsPosition() throws {
        let text = """
            name: x
            app: http_json
            ingest:
              schedule: { interval: 5m, timezone: Europe/Atlantis }
            """
        let asset = try AssetConfiguration(document: YAMLDocument(text: text, file: "assets/x.yaml"), defaultName: "x")
        let settings = try #require(asset.ingest.schedule)
        let error = #expect(throws: IntakeError.self) { try Schedule(settings: settings, asset: "x", location: asset.file) }
        #expect(error?.location == "assets/x.yaml:4:39")
    }
}
