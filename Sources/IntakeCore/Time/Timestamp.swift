#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An instant in UTC with microsecond precision: how Intake stores and prints every time.
///
/// Printed as ISO-8601 UTC with six fractional digits (`2024-05-01T00:00:03.123000Z`),
/// which sorts lexically in time order, so stores can compare times as text.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }
    public init(milliseconds: Int64) { self.microseconds = milliseconds &* 1000 }
    public init(seconds: Double) { self.microseconds = Int64((seconds * 1_000_000).rounded()) }

    /// The current time from the system's real-time clock.
    public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(microseconds: Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000)
    }

    public var milliseconds: Int64 { microseconds >= 0 ? microseconds / 1000 : (microseconds - 999) / 1000 }
    public var seconds: Double { Double(microseconds) / 1_000_000 }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.microseconds < b.microseconds }

    public func adding(microseconds delta: Int64) -> Timestamp { Timestamp(microseconds: microseconds &+ delta) }
    public func adding(_ d: IntakeDuration) -> Timestamp { adding(microseconds: d.microseconds) }
    public func subtracting(_ d: IntakeDuration) -> Timestamp { adding(microseconds: -d.microseconds) }

    public var description: String { iso8601 }

    /// The times a store keeps exactly: years 0001 to 9999, the range of ISO-8601's four-digit years
    /// (``iso8601`` clamps a year outside it).
    public static let storable = Timestamp(microseconds: -62_135_596_800_000_000)...Timestamp(microseconds: 253_402_300_799_999_999)

    /// ISO-8601 in UTC with microseconds, e.g. `2024-05-01T00:00:03.123000Z`.
    public var iso8601: String {
        String(unsafeUninitializedCapacity: Timestamp.iso8601Count) { out in
            write(to: out.baseAddress!)
            return Timestamp.iso8601Count
        }
    }

    /// The length of ``iso8601``'s text.
    public static let iso8601Count = 27

    /// Seconds-precision ISO-8601 UTC (`2024-05-01T00:00:03Z`), the form most remote APIs accept.
    public var iso8601Seconds: String {
        let c = civil
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2))Z"
    }

    private func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// The broken-down UTC date and time.
    public var civil: (year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64, micro: Int64) {
        var days = microseconds / 86_400_000_000
        var rem = microseconds % 86_400_000_000
        if rem < 0 { rem += 86_400_000_000; days -= 1 }
        let (y, m, d) = Timestamp.civilFromDays(days)
        let secs = rem / 1_000_000
        return (y, m, d, secs / 3600, secs / 60 % 60, secs % 60, rem % 1_000_000)
    }

    /// Writes ``iso8601``'s text (``iso8601Count`` bytes) at `buf`, which must have room for it.
    public func write(to buf: UnsafeMutablePointer<UInt8>) {
        let c = civil
        func put(_ v: Int64, _ at: Int, _ width: Int) {
            var v = v
            var i = at + width - 1
            while i >= at { buf[i] = UInt8(ascii: "0") + UInt8(v % 10); v /= 10; i -= 1 }
        }
        put(max(0, min(9999, c.year)), 0, 4); buf[4] = UInt8(ascii: "-")
        put(c.month, 5, 2); buf[7] = UInt8(ascii: "-")
        put(c.day, 8, 2); buf[10] = UInt8(ascii: "T")
        put(c.hour, 11, 2); buf[13] = UInt8(ascii: ":")
        put(c.minute, 14, 2); buf[16] = UInt8(ascii: ":")
        put(c.second, 17, 2); buf[19] = UInt8(ascii: ".")
        put(c.micro, 20, 6); buf[26] = UInt8(ascii: "Z")
    }

    /// Days since the epoch to a proleptic Gregorian date (H. Hinnant's algorithm).
    public static func civilFromDays(_ z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    /// A proleptic Gregorian date to days since the epoch.
    public static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = m > 2 ? m - 3 : m + 9
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Builds a timestamp from UTC civil fields, or nil when a field is out of range.
    public static func utc(year: Int64, month: Int64, day: Int64, hour: Int64 = 0, minute: Int64 = 0,
                           second: Int64 = 0, microsecond: Int64 = 0) -> Timestamp? {
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year, month),
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second),
              (0..<1_000_000).contains(microsecond) else { return nil }
        let days = daysFromCivil(year, month, day)
        let secs = days * 86400 + hour * 3600 + minute * 60 + min(second, 59)
        return Timestamp(microseconds: secs * 1_000_000 + microsecond)
    }

    public static func daysInMonth(_ y: Int64, _ m: Int64) -> Int64 {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

extension Timestamp: Codable {
    public init(from decoder: Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let t = Timestamp(iso8601: s) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an ISO-8601 time: \(s)"))
        }
        self = t
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(iso8601)
    }
}
