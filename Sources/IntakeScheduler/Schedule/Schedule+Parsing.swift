import Foundation
import IntakeCore

extension Schedule {
    /// An asset's schedule from its settings; errors name the asset file's `FILE:LINE:COLUMN` when known.
    public init(settings: ScheduleSettings, asset: String, location: String? = nil) throws(IntakeError) {
        let zone = try Schedule.resolveTimeZone(settings.timezone, location: settings.timezoneLocation ?? location)
        let jitter = settings.jitter.map { Schedule.jitterOffset(asset: asset, jitter: $0) } ?? 0
        if let cron = settings.cron {
            let kind = try Schedule.kind(parsing: cron, location: settings.cronLocation ?? location, column: settings.cronColumn)
            self.init(kind: kind, timeZone: zone, jitterOffset: jitter)
        } else if let interval = settings.interval {
            self.init(kind: .interval(interval), timeZone: zone, jitterOffset: jitter)
        } else {
            throw IntakeError(.configuration, "the schedule needs 'interval' or 'cron'", at: location)
        }
    }

    /// A schedule written on the command line: an interval (`5m`), `@every 90s`, a cron macro or a cron expression.
    public init(expression: String, timezone: String? = nil) throws(IntakeError) {
        let zone = try Schedule.resolveTimeZone(timezone, location: nil)
        let text = expression.trimmingSpaces
        if !text.contains(" "), !text.hasPrefix("@"), let d = IntakeDuration(parsing: text) {
            guard d.microseconds >= 1_000_000 else {
                throw IntakeError(.invalidArgument, "an interval must be at least 1s, not '\(text)'")
            }
            self.init(kind: .interval(d), timeZone: zone)
            return
        }
        self.init(kind: try Schedule.kind(parsing: text, location: nil, column: nil), timeZone: zone)
    }

    /// `@every DURATION` or a cron expression.
    static func kind(parsing text: String, location: String?, column: Int?) throws(IntakeError) -> Kind {
        let trimmed = text.trimmingSpaces
        if trimmed.lowercased().hasPrefix("@every") {
            let rest = String(trimmed.dropFirst("@every".count)).trimmingSpaces
            guard let d = IntakeDuration(parsing: rest), d.microseconds >= 1_000_000 else {
                throw IntakeError(.configuration, "invalid schedule '\(trimmed)': @every needs a duration of at least 1s such as "
                                  + "'@every 90s' or '@every 1h30m', not '\(rest)'", at: location)
            }
            return .interval(d)
        }
        do {
            return .cron(try CronExpression(parsing: text))
        } catch {
            // Point at the offending field when the expression's own column is known.
            var at = location
            if let location, let column, let range = location.range(of: ":[0-9]+:[0-9]+$", options: .regularExpression) {
                let line = location[range].split(separator: ":")[0]
                at = String(location[..<range.lowerBound]) + ":\(line):\(column + error.offset)"
            }
            throw IntakeError(.configuration, "invalid cron expression '\(trimmed)': \(error.message)", at: at,
                              hint: "fields: [second] minute hour day-of-month month day-of-week, e.g. '*/5 * * * *'")
        }
    }

    static func resolveTimeZone(_ name: String?, location: String?) throws(IntakeError) -> TimeZone {
        guard let name else { return TimeZone(identifier: "UTC")! }
        guard let zone = TimeZone(identifier: name) else {
            throw IntakeError(.configuration, "unknown time zone '\(name)'", at: location,
                              hint: "use an IANA name such as Europe/Berlin, America/New_York or UTC")
        }
        return zone
    }

    /// A fixed share of the jitter for an asset: FNV-1a of its name, so every process and every restart agree.
    public static func jitterOffset(asset: String, jitter: IntakeDuration) -> Int64 {
        guard jitter.microseconds > 0 else { return 0 }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in asset.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        // Milliseconds, not seconds: 10,000 assets with `jitter: 60s` then fire a few at a time
        // rather than 167 in the same second.
        let milliseconds = UInt64(max(jitter.microseconds / 1_000, 1))
        return Int64(hash % milliseconds) * 1_000
    }
}
