import IntakeCore

/// A parsed cron expression: 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first).
///
/// Matching is on local wall-clock time; ``Schedule`` turns wall times into instants in a time zone
/// with cronie's daylight-saving rules.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// One field of the expression, with its allowed range.
    public enum Field: String, Sendable, CaseIterable {
        case second, minute, hour
        case dayOfMonth = "day-of-month"
        case month
        case dayOfWeek = "day-of-week"

        var range: ClosedRange<Int> {
            switch self {
            case .second, .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            case .dayOfWeek: 0...7
            }
        }
    }

    /// The expression as written.
    public let text: String
    let seconds: Set<Int>
    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    /// 0 = Sunday ... 6 = Saturday (7 is folded into 0).
    let daysOfWeek: Set<Int>
    /// Vixie cron: a day field that starts with `*` does not restrict; when neither does, either may match.
    let dayOfMonthStar: Bool
    let dayOfWeekStar: Bool
    /// The hour field is `*` or a step: the job fires by real elapsed time through DST changes (cronie).
    public let isWildcardHour: Bool

    public var description: String { text }

    /// True when the wall-clock day matches (Vixie's DOM/DOW rule).
    func matchesDay(year: Int64, month: Int64, day: Int64) -> Bool {
        let dom = daysOfMonth.contains(Int(day))
        let days = Timestamp.daysFromCivil(year, month, day)
        let weekday = Int(((days % 7) + 11) % 7)  // 1970-01-01 was a Thursday (4)
        let dow = daysOfWeek.contains(weekday)
        if dayOfMonthStar || dayOfWeekStar { return dom && dow }
        return dom || dow
    }
}
