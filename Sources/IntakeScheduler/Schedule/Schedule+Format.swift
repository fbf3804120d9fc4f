import IntakeCore

extension Schedule {
    /// An instant as ISO-8601 local time with the schedule zone's offset: `2024-03-31T03:00:00+02:00`.
    public func format(_ instant: Timestamp) -> String {
        let secondsSinceEpoch = instant.microseconds >= 0 ? instant.microseconds / 1_000_000 : (instant.microseconds - 999_999) / 1_000_000
        let offset = zone.offset(at: secondsSinceEpoch)
        let local = Timestamp(microseconds: instant.microseconds + offset * 1_000_000).civil
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var year = "\(local.year)"
        while year.count < 4 { year = "0" + year }
        var text = "\(year)-\(two(local.month))-\(two(local.day))T\(two(local.hour)):\(two(local.minute)):\(two(local.second))"
        if local.micro != 0 {
            var micro = "\(local.micro)"
            while micro.count < 6 { micro = "0" + micro }
            text += "." + micro
        }
        let sign = offset < 0 ? "-" : "+"
        let magnitude = abs(offset)
        return text + "\(sign)\(two(magnitude / 3600)):\(two(magnitude % 3600 / 60))"
    }
}
