extension Timestamp {
    /// Parses ISO-8601 / RFC 3339: `2024-05-01`, `2024-05-01T10:00`, `2024-05-01T10:00:00.123456+02:00`,
    /// `Z`, `+0200`, `+02`, and a space instead of `T`. A time with no zone is read at
    /// `defaultOffsetSeconds` east of UTC (UTC unless told otherwise), never in the machine's zone.
    public init?(iso8601 text: String, defaultOffsetSeconds: Int = 0) {
        var s = text
        guard let t = s.withUTF8({ Timestamp.parseISO($0, defaultOffset: Int64(defaultOffsetSeconds)) }) else { return nil }
        self = t
    }

    /// Parses epoch seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude
    /// (below 1e11 seconds, below 1e14 milliseconds, below 1e17 microseconds, else nanoseconds).
    public init(epoch value: Double) {
        let a = abs(value)
        if a < 1e11 {
            self.init(microseconds: Int64((value * 1_000_000).rounded()))
        } else if a < 1e14 {
            self.init(microseconds: Int64((value * 1000).rounded()))
        } else if a < 1e17 {
            self.init(microseconds: Int64(value.rounded()))
        } else {
            self.init(microseconds: Int64((value / 1000).rounded()))
        }
    }

    /// Parses ISO-8601 like ``init(iso8601:defaultOffsetSeconds:)`` and says whether the text gave
    /// its own zone; a time without one is returned as if it were UTC.
    public static func parseISO8601(_ text: String) -> (instant: Timestamp, hasZone: Bool)? {
        var s = text
        var hasZone = false
        guard let t = s.withUTF8({ Timestamp.parseISO($0, defaultOffset: 0, hasZone: &hasZone) }) else { return nil }
        return (t, hasZone)
    }

    /// The shape sources write most, `YYYY-MM-DDTHH:MM:SSZ` with an optional fraction of one to
    /// nine digits (`.639Z`), read position by position; nil for any other text, which the general
    /// parser (``parseISO8601(_:)``) then reads. Where both read a text they give the same instant:
    /// digits past the sixth of the fraction are dropped, and a leap second counts as second 59.
    public static func parseISO8601UTC(_ u: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        let n = u.count
        guard n == 20 || (n >= 22 && n <= 30), let p = u.baseAddress, p[4] == UInt8(ascii: "-"), p[7] == UInt8(ascii: "-"),
              p[10] == UInt8(ascii: "T"), p[13] == UInt8(ascii: ":"), p[16] == UInt8(ascii: ":"),
              p[n - 1] == UInt8(ascii: "Z") else { return nil }
        @inline(__always) func digit(_ i: Int) -> Int64? {
            let d = p[i] &- 0x30
            return d < 10 ? Int64(d) : nil
        }
        @inline(__always) func two(_ i: Int) -> Int64? {
            guard let a = digit(i), let b = digit(i + 1) else { return nil }
            return a &* 10 &+ b
        }
        guard let y1 = two(0), let y2 = two(2), let month = two(5), let day = two(8), let hour = two(11),
              let minute = two(14), let second = two(17) else { return nil }
        var micro: Int64 = 0
        if n > 20 {
            // `.` then one to nine digits before the `Z`.
            guard p[19] == UInt8(ascii: ".") else { return nil }
            var scale: Int64 = 100_000
            for i in 20..<(n - 1) {
                guard let d = digit(i) else { return nil }
                micro &+= d &* scale
                scale /= 10
            }
        }
        return Timestamp.utc(year: y1 &* 100 &+ y2, month: month, day: day, hour: hour, minute: minute, second: second,
                             microsecond: micro)
    }

    static func parseISO(_ u: UnsafeBufferPointer<UInt8>, defaultOffset: Int64) -> Timestamp? {
        var hasZone = false
        return parseISO(u, defaultOffset: defaultOffset, hasZone: &hasZone)
    }

    static func parseISO(_ u: UnsafeBufferPointer<UInt8>, defaultOffset: Int64, hasZone: inout Bool) -> Timestamp? {
        var i = 0
        let n = u.count
        func digits(_ count: Int) -> Int64? {
            guard i + count <= n else { return nil }
            var v: Int64 = 0
            for k in 0..<count {
                let c = u[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48)
            }
            i += count
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < n, u[i] == c else { return false }
            i += 1
            return true
        }
        while i < n && u[i] == 0x20 { i += 1 }
        guard let year = digits(4), expect(UInt8(ascii: "-")), let month = digits(2), expect(UInt8(ascii: "-")),
              let day = digits(2) else { return nil }
        var hour: Int64 = 0, minute: Int64 = 0, second: Int64 = 0, micro: Int64 = 0
        var offset = defaultOffset
        if i < n && (u[i] == UInt8(ascii: "T") || u[i] == UInt8(ascii: "t") || u[i] == 0x20) {
            i += 1
            guard let h = digits(2), expect(UInt8(ascii: ":")), let m = digits(2) else { return nil }
            hour = h; minute = m
            if expect(UInt8(ascii: ":")) {
                guard let s = digits(2) else { return nil }
                second = s
                if i < n && (u[i] == UInt8(ascii: ".") || u[i] == UInt8(ascii: ",")) {
                    i += 1
                    var scale: Int64 = 100_000
                    var any = false
                    while i < n, u[i] >= 48, u[i] <= 57 {
                        micro += Int64(u[i] - 48) * scale
                        scale /= 10
                        i += 1
                        any = true
                    }
                    guard any else { return nil }
                }
            }
            if i < n {
                if u[i] == UInt8(ascii: "Z") || u[i] == UInt8(ascii: "z") {
                    offset = 0
                    hasZone = true
                    i += 1
                } else if u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") {
                    let sign: Int64 = u[i] == UInt8(ascii: "-") ? -1 : 1
                    i += 1
                    guard let oh = digits(2) else { return nil }
                    var om: Int64 = 0
                    if expect(UInt8(ascii: ":")) {
                        guard let m = digits(2) else { return nil }
                        om = m
                    } else if let m = digits(2) {
                        om = m
                    }
                    guard oh <= 23, om <= 59 else { return nil }
                    offset = sign * (oh * 3600 + om * 60)
                    hasZone = true
                }
            }
        }
        while i < n && u[i] == 0x20 { i += 1 }
        guard i == n else { return nil }
        guard let t = Timestamp.utc(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                                    microsecond: micro) else { return nil }
        return t.adding(microseconds: -offset * 1_000_000)
    }
}
