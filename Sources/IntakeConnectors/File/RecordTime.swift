import IntakeCore

/// Reads a record's timestamp for the file connector's window selection.
struct RecordTime: Sendable {
    /// `auto`, `iso8601`, `epoch_s`, `epoch_ms` or `cef` (`MMM dd yyyy HH:mm:ss[.SSS]`).
    var format: String
    /// Seconds east of UTC for times written without a zone.
    var offsetSeconds: Int

    static let formats = ["auto", "iso8601", "epoch_s", "epoch_ms", "cef"]

    /// `UTC`, `Z`, or a fixed offset such as `+02:00` / `-0500`.
    static func offset(_ zone: String) -> Int? {
        let z = zone.trimmingSpaces
        if z.uppercased() == "UTC" || z == "Z" || z.uppercased() == "GMT" { return 0 }
        guard let sign = z.first, sign == "+" || sign == "-" else { return nil }
        let digits = z.dropFirst().filter { $0 != ":" }
        guard digits.count == 4 || digits.count == 2, let v = Int(digits) else { return nil }
        let seconds = digits.count == 4 ? (v / 100) * 3600 + (v % 100) * 60 : v * 3600
        return sign == "-" ? -seconds : seconds
    }

    func parse(_ value: JSONValue) -> Timestamp? {
        switch value {
        case .int(let n): return number(Double(n))
        case .double(let d): return number(d)
        case .bigInt(let digits): return Double(digits).flatMap(number)
        case .string(let s):
            let t = s.trimmingSpaces
            if format != "iso8601" && format != "cef", let d = Double(t) { return number(d) }
            if format == "auto" || format == "iso8601", let ts = Timestamp(iso8601: t, defaultOffsetSeconds: offsetSeconds) { return ts }
            if format == "auto" || format == "cef" { return RecordTime.cefTime(t, offset: offsetSeconds) }
            return nil
        default:
            return nil
        }
    }

    /// An epoch number as a time; nil when it is not finite or falls outside the years 0001–9999.
    private func number(_ d: Double) -> Timestamp? {
        switch format {
        case "epoch_s": return Timestamp(storableMicroseconds: d * 1_000_000)
        case "epoch_ms": return Timestamp(storableMicroseconds: d * 1000)
        case "auto": return Timestamp(storableEpoch: d)
        default: return nil
        }
    }

    /// `Nov 21 2026 10:00:00` or `Nov 21 2026 10:00:00.123` (CEF's rt and start), optionally with a zone.
    static func cefTime(_ s: String, offset: Int) -> Timestamp? {
        let parts = s.split(separator: " ")
        guard parts.count >= 4, let month = TimeFormatter.months.firstIndex(of: String(parts[0])),
              let day = Int64(parts[1]), let year = Int64(parts[2]) else { return nil }
        let clock = parts[3].split(separator: ".")
        let hms = clock[0].split(separator: ":").compactMap { Int64($0) }
        guard hms.count == 3 else { return nil }
        var zone = offset
        if parts.count >= 5, let z = RecordTime.offset(String(parts[4])) { zone = z }
        let micro = clock.count > 1 ? (Int64(clock[1].prefix(6).padding(toLength: 6)) ?? 0) : 0
        guard let t = Timestamp.utc(year: year, month: Int64(month + 1), day: day, hour: hms[0], minute: hms[1], second: hms[2]) else {
            return nil
        }
        return t.adding(microseconds: micro - Int64(zone) * 1_000_000)
    }
}

extension Substring {
    /// The text right-padded with zeros to `length` characters (for fractional seconds).
    func padding(toLength length: Int) -> String {
        count >= length ? String(prefix(length)) : String(self) + String(repeating: "0", count: length - count)
    }
}
