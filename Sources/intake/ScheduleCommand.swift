import ArgumentParser
import Foundation
import IntakeCore
import IntakeScheduler

/// `intake schedule EXPR|ASSET --next N`: the next fire times, to check a schedule before deploying it.
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule", abstract: "Print the next fire times of a schedule expression or an asset's schedule.",
        discussion: """
            EXPR is an interval (5m, 1h30m), @every DURATION, a cron macro (@hourly, @daily, @weekly, @monthly, @yearly) \
            or a cron expression of 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first). \
            An ASSET (assets/ASSET.yaml in the configuration directory) uses its ingest.schedule with its timezone and jitter. \
            Times print as ISO-8601 with the zone's offset.
            """)

    @Argument(help: "A schedule expression, or the name of a configured asset.")
    var target: String

    @Option(help: "How many fire times to print.")
    var next: Int = 5

    @Option(help: "Start after this time: ISO-8601 (read in --timezone when it has no offset), epoch milliseconds, or relative like -2h (default: now).")
    var from: String?

    @Option(help: "IANA time zone (default: the asset's, else UTC).")
    var timezone: String?

    @Option(help: "Configuration directory, for an asset (default: $INTAKE_CONFIG or ./config).")
    var config: String?

    @Flag(help: "Print a JSON array of strings.")
    var json = false

    func validate() throws {
        guard next >= 1 && next <= 10_000 else { throw ValidationError("--next must be between 1 and 10000") }
    }

    func run() async throws {
        let schedule = try resolve()
        let now = Timestamp.now()
        var start = now
        if let from {
            let trimmed = from.trimmingSpaces
            if let local = Timestamp(iso8601: trimmed), !ScheduleCommand.hasOffset(trimmed) {
                // No offset written: read the wall time in the schedule's zone.
                let offset = schedule.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: local.seconds))
                start = Timestamp(iso8601: trimmed, defaultOffsetSeconds: offset) ?? local
            } else {
                start = try TimeArgument.parse(trimmed, now: now, option: "--from")
            }
        }
        let fires = schedule.upcoming(next, after: start).map(schedule.format)
        if fires.isEmpty && !json { throw CommandFailure("'\(target)' never fires after \(schedule.format(start))") }
        if json {
            print(JSONWriter.string(.array(fires.map(JSONValue.string))))
        } else {
            for f in fires { print(f) }
        }
    }

    /// An asset when a file `assets/TARGET.yaml` exists, else an expression.
    func resolve() throws -> Schedule {
        if AssetConfiguration.isValidName(target) {
            let loader = ConfigLoader(directory: config)
            if loader.assetNames().contains(target) {
                let asset = try loader.asset(named: target)
                guard var settings = asset.ingest.schedule else {
                    throw IntakeError(.configuration, "asset '\(target)' has no ingest.schedule", at: asset.file,
                                      hint: "add ingest.schedule: { interval: 5m } or { cron: \"*/5 * * * *\" }")
                }
                if let timezone {
                    settings.timezone = timezone
                    settings.timezoneLocation = nil
                }
                return try Schedule(settings: settings, asset: asset.name, location: asset.file)
            }
        }
        return try Schedule(expression: target, timezone: timezone)
    }

    /// True when an ISO-8601 text ends in `Z` or a `±HH[:MM]` offset.
    static func hasOffset(_ text: String) -> Bool {
        guard let t = text.firstIndex(where: { $0 == "T" || $0 == " " }) else { return false }
        let time = text[t...]
        return time.hasSuffix("Z") || time.hasSuffix("z") || time.dropFirst().contains("+") || time.dropFirst().contains("-")
    }
}
