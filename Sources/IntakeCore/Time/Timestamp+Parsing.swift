extension Timestamp {
    /// Parses ISO-8601 / RFC 3339: `2024-05-01`, `2024-05-01T10:00`, `2024-05-01T10:00:00.123456+02:00`,
    /// `Z`, `+0200`, `+02`, and a space instead of `T`; and the basic format with its `T`
    /// (`20240501T100000Z`, `20240501T100000.5+0200`). A time with no zone is read at
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

    /// ``init(epoch:)`` for a value read from data: nil when it is not finite or gives a time
    /// outside ``storable`` (years 0001–9999), where ``init(epoch:)`` would give a time no store
    /// keeps, or, for a value too large for microseconds, trap.
    public init?(storableEpoch value: Double) {
        guard value.isFinite, abs(value) < 9e18 else { return nil }
        let t = Timestamp(epoch: value)
        guard Timestamp.storable.contains(t) else { return nil }
        self = t
    }

    /// A count of microseconds read from data (epoch seconds × 1,000,000, say): nil when it is not
    /// finite or gives a time outside ``storable``, as for ``init(storableEpoch:)``.
    public init?(storableMicroseconds value: Double) {
        guard value.isFinite, abs(value) < 9e18 else { return nil }
        let t = Timestamp(microseconds: Int64(value.rounded()))
        guard Timestamp.storable.contains(t) else { return nil }
        self = t
    }

    /// Parses ISO-8601 like ``init(iso8601:defaultOffsetSeconds:)`` and says whether the text gave
    /// its own zone; a time without one is returned as if it were UTC.
    public static func parseISO8601(_ text: String) -> (instant: Timestamp, hasZone: Bool)? {
        var hasZone = false
        // The bytes where they are (a native string's, as parsed records hold); a copy otherwise.
        let found = text.utf8.withContiguousStorageIfAvailable { Timestamp.parseISO($0, defaultOffset: 0, hasZone: &hasZone) }
        if let found {
            guard let t = found else { return nil }
            return (t, hasZone)
        }
        var s = text
        guard let t = s.withUTF8({ Timestamp.parseISO($0, defaultOffset: 0, hasZone: &hasZone) }) else { return nil }
        return (t, hasZone)
    }

    static func parseISO(_ u: UnsafeBufferPointer<UInt8>, defaultOffset: Int64) -> Timestamp? {
        var hasZone = false
        return parseISO(u, defaultOffset: defaultOffset, hasZone: &hasZone)
    }

    static func parseISO(_ u: UnsafeBufferPointer<UInt8>, defaultOffset: Int64, hasZone: inout Bool) -> Timestamp? {
        var i = 0
        let n = u.count
        // Inlined: called for every field, they were calls of their own, each copying the cursor in and out.
        @inline(__always) func digits(_ count: Int) -> Int64? {
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
        @inline(__always) func expect(_ c: UInt8) -> Bool {
            guard i < n, u[i] == c else { return false }
            i += 1
            return true
        }
        while i < n && u[i] == 0x20 { i += 1 }
        guard let year = digits(4) else { return nil }
        // The basic format (`20240501T100000Z`, `20240501T1000+0200`): the same fields without
        // separators, with its `T` required, so that digits alone stay an epoch value.
        let basic = i < n && u[i] != UInt8(ascii: "-")
        guard basic || expect(UInt8(ascii: "-")), let month = digits(2), basic || expect(UInt8(ascii: "-")),
              let day = digits(2) else { return nil }
        var hour: Int64 = 0, minute: Int64 = 0, second: Int64 = 0, micro: Int64 = 0
        var offset = defaultOffset
        if basic && !(i < n && (u[i] == UInt8(ascii: "T") || u[i] == UInt8(ascii: "t"))) { return nil }
        if i < n && (u[i] == UInt8(ascii: "T") || u[i] == UInt8(ascii: "t") || u[i] == 0x20) {
            i += 1
            guard let h = digits(2), basic || expect(UInt8(ascii: ":")), let m = digits(2) else { return nil }
            hour = h; minute = m
            if basic ? (i < n && u[i] >= 48 && u[i] <= 57) : expect(UInt8(ascii: ":")) {
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
