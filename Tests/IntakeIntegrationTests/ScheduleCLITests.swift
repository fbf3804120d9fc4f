import Foundation
import IntakeCore
import Testing

/// `intake schedule` as users run it (SPEC §10).
@Suite("intake schedule")
struct ScheduleCLITests {
    static func cli() throws -> (IntakeCLI, String) {
        let dir = try makeTemporaryDirectory("schedule")
        try FileManager.default.createDirectory(atPath: dir + "/assets", withIntermediateDirectories: true)
        return (IntakeCLI(configDirectory: dir), dir)
    }

    @Test("prints the next fire times of an expression, as ISO-8601 with the zone's offset, and as a JSON array")
    func expression() throws {
        let (cli, dir) = try Self.cli()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let args = ["schedule", "30 2 * * *", "--timezone", "Europe/Berlin", "--from", "2024-03-30T00:00:00+01:00", "--next", "3"]
        let text = try cli.run(args)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout == "2024-03-30T02:30:00+01:00\n2024-03-31T03:00:00+02:00\n2024-04-01T02:30:00+02:00\n")
        let json = try cli.run(args + ["--json"])
        #expect(json.status == 0)
        #expect(try JSONParser.parse(json.stdout) == ["2024-03-30T02:30:00+01:00", "2024-03-31T03:00:00+02:00", "2024-04-01T02:30:00+02:00"])
        // --from without an offset is read in --timezone.
        let local = try cli.run(["schedule", "@hourly", "--timezone", "America/New_York", "--from", "2024-11-03T00:30:00", "--next", "3"])
        #expect(local.stdout == "2024-11-03T01:00:00-04:00\n2024-11-03T01:00:00-05:00\n2024-11-03T02:00:00-05:00\n")
    }

    @Test("an asset's schedule uses its zone and jitter")
    func asset() throws {
        let (cli, dir) = try Self.cli()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
            name: siem
            app: http_json
            ingest:
              schedule: { cron: "0 9 * * mon-fri", timezone: America/New_York }
            """.write(toFile: dir + "/assets/siem.yaml", atomically: true, encoding: .utf8)
        let r = try cli.run(["schedule", "siem", "--from", "2024-03-08T15:00:00Z", "--next", "2", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try JSONParser.parse(r.stdout) == ["2024-03-11T09:00:00-04:00", "2024-03-12T09:00:00-04:00"])
    }

    @Test("a bad expression fails naming the field and value; a bad asset schedule points at FILE:LINE:COLUMN")
    func errors() throws {
        let (cli, dir) = try Self.cli()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bad = try cli.run(["schedule", "0 9 * * mon-funday"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("cron day-of-week field: 'mon-funday'"), "\(bad.stderr)")
        try """
            name: siem
            app: http_json
            ingest:
              schedule:
                cron: "*/5 * 32 * *"
            """.write(toFile: dir + "/assets/siem.yaml", atomically: true, encoding: .utf8)
        let asset = try cli.run(["schedule", "siem"])
        #expect(asset.status != 0)
        #expect(asset.stderr.contains("assets/siem.yaml:5:18: invalid cron expression '*/5 * 32 * *': cron day-of-month field: '32'"),
                "\(asset.stderr)")
    }
}
