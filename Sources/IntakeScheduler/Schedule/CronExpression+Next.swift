import IntakeCore

extension CronExpression {
    /// The first wall-clock time (seconds since 1970-01-01T00:00:00 read as local time, no zone)
    /// at or after `wall` that the expression matches; nil when none within `years` years.
    func nextWallTime(atOrAfter wall: Int64, years: Int64 = 30) -> Int64? {
        var days = wall >= 0 ? wall / 86400 : (wall - 86399) / 86400
        var secondOfDay = wall - days * 86400
        var (year, month, day) = Timestamp.civilFromDays(days)
        let lastYear = year + years
        let sortedHours = hours.sorted(), sortedMinutes = minutes.sorted(), sortedSeconds = seconds.sorted()
        while year <= lastYear {
            guard months.contains(Int(month)) else {
                // The first day of the next month.
                (year, month) = month == 12 ? (year + 1, 1) : (year, month + 1)
                day = 1
                secondOfDay = 0
                continue
            }
            if matchesDay(year: year, month: month, day: day),
               let time = CronExpression.firstTime(atOrAfter: secondOfDay, hours: sortedHours, minutes: sortedMinutes,
                                                   seconds: sortedSeconds) {
                days = Timestamp.daysFromCivil(year, month, day)
                return days * 86400 + time
            }
            // The next day.
            secondOfDay = 0
            if day >= Timestamp.daysInMonth(year, month) {
                (year, month) = month == 12 ? (year + 1, 1) : (year, month + 1)
                day = 1
            } else {
                day += 1
            }
        }
        return nil
    }

    /// The first second of the day at or after `secondOfDay` whose hour, minute and second match.
    static func firstTime(atOrAfter secondOfDay: Int64, hours: [Int], minutes: [Int], seconds: [Int]) -> Int64? {
        let h0 = Int(secondOfDay / 3600), m0 = Int(secondOfDay % 3600 / 60), s0 = Int(secondOfDay % 60)
        for h in hours where h >= h0 {
            for m in minutes where h > h0 || m >= m0 {
                for s in seconds where h > h0 || m > m0 || s >= s0 {
                    return Int64(h * 3600 + m * 60 + s)
                }
            }
        }
        return nil
    }
}
