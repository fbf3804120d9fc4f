import IntakeCore

/// Reads times the way sources write them: epoch seconds or milliseconds (told apart by size),
/// ISO-8601 with any offset, RFC 2822, or an explicit strptime-style format.
enum TimeParsing {
    static func parse(_ v: JSONValue, format: String?, zone: MappingTimeZone) throws(FilterError) -> Timestamp? {
        switch v {
        case .null: return nil
        case .int(let i): return try epoch(Double(i), v)
        case .double(let d): return try epoch(d, v)
        case .bigInt(let digits): return try epoch(Double(digits) ?? .infinity, v)
        case .string(let raw):
            // ISO-8601 first, the usual case, on the text as it is (the parser skips spaces around
            // it, and gives up within the first five bytes of anything else).
            if format == nil, let (t, hasZone) = Timestamp.parseISO8601(raw) {
                return hasZone ? t : zone.instant(forWallClock: t)
            }
            let s = raw.trimmingSpaces
            if s.isEmpty { return nil }
            if let format {
                guard let t = parse(s, format: format, zone: zone) else {
                    throw FilterError("'\(raw)' does not match the time format '\(format)'")
                }
                return t
            }
            if looksNumeric(s), let d = Double(s), s.first != "+" { return try epoch(d, v) }
            if let (t, hasZone) = Timestamp.parseISO8601(s) { return hasZone ? t : zone.instant(forWallClock: t) }
            if let t = parseRFC2822(s, zone: zone) { return t }
            throw FilterError("'\(raw)' is not a time (expected epoch seconds or milliseconds, ISO-8601 or RFC 2822)")
        default:
            throw FilterError("cannot read a time from \(v.typeName)")
        }
    }

    /// Epoch seconds, milliseconds, microseconds or nanoseconds, within what a timestamp can hold.
    static func epoch(_ d: Double, _ v: JSONValue) throws(FilterError) -> Timestamp {
        guard let t = Timestamp(storableEpoch: d) else {
            throw FilterError("\(v.textValue) is out of range for an epoch time (years 0001 to 9999)")
        }
        return t
    }

    /// True when `s` could be a decimal number (digits, sign, point, exponent): only then is it
    /// worth handing to `Double`, which would also take `nan`, `inf` and hex floats.
    static func looksNumeric(_ s: String) -> Bool {
        s.utf8.allSatisfy { c in
            (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: ".") || c == UInt8(ascii: "-")
                || c == UInt8(ascii: "+") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
        }
    }

    /// The strptime directives `time: 'FORMAT'` understands.
    static let directives = "%Y %y %m %d %e %H %M %S %f %z %Z %b %B %a %A %j %T %F %s %%"

    /// The first directive of a format that this parser does not understand, if any.
    static func unknownDirective(in format: String) -> String? {
        let known: Set<Character> = ["Y", "y", "m", "d", "e", "H", "M", "S", "f", "z", "Z", "b", "B", "a", "A", "j", "T", "F", "s", "%"]
        let chars = Array(format)
        var i = 0
        while i < chars.count {
            if chars[i] == "%" {
                guard i + 1 < chars.count else { return "%" }
                if !known.contains(chars[i + 1]) { return "%\(chars[i + 1])" }
                i += 2
            } else {
                i += 1
            }
        }
        return nil
    }

    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let zones: [String: Int] = ["UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "EST": -5 * 3600, "EDT": -4 * 3600,
                                       "CST": -6 * 3600, "CDT": -5 * 3600, "MST": -7 * 3600, "MDT": -6 * 3600,
                                       "PST": -8 * 3600, "PDT": -7 * 3600]

    /// `Tue, 01 May 2024 10:00:00 +0000` (the weekday and seconds are optional).
    static func parseRFC2822(_ s: String, zone: MappingTimeZone) -> Timestamp? {
        var parts = s.split(separator: " ").map(String.init)
        if let f = parts.first, f.hasSuffix(",") { parts.removeFirst() }
        guard parts.count >= 4, let day = Int64(parts[0]), let mi = months.firstIndex(of: parts[1].prefix(3).lowercased()),
              var year = Int64(parts[2]) else { return nil }
        if year < 100 { year += year < 50 ? 2000 : 1900 }
        let hms = parts[3].split(separator: ":").map { Int64($0) }
        guard hms.count >= 2, hms.allSatisfy({ $0 != nil }) else { return nil }
        var offset: Int? = nil
        if parts.count >= 5 {
            let z = parts[4]
            if let known = zones[z.uppercased()] {
                offset = known
            } else if z.count == 5, let sign = z.first, sign == "+" || sign == "-", let hhmm = Int(z.dropFirst()) {
                offset = (sign == "-" ? -1 : 1) * ((hhmm / 100) * 3600 + (hhmm % 100) * 60)
            } else {
                return nil
            }
        }
        guard parts.count <= 6, let t = Timestamp.utc(year: year, month: Int64(mi + 1), day: day, hour: hms[0]!, minute: hms[1]!,
                                    second: hms.count > 2 ? hms[2]! : 0) else { return nil }
        guard let offset else { return zone.instant(forWallClock: t) }
        return t.adding(microseconds: -Int64(offset) * 1_000_000)
    }

    /// A strptime subset: %Y %m %d %H %M %S %f (fraction) %z (+hhmm or +hh:mm or Z) %b (month name) %y %j %e %T %F %s %%.
    static func parse(_ s: String, format: String, zone: MappingTimeZone) -> Timestamp? {
        let input = Array(s)
        let fmt = Array(format)
        var i = 0, f = 0
        var year: Int64 = 1970, month: Int64 = 1, day: Int64 = 1, hour: Int64 = 0, minute: Int64 = 0, second: Int64 = 0
        var micro: Int64 = 0
        var offset: Int64? = nil
        var dayOfYear: Int64? = nil
        var epoch: Int64? = nil
        func number(_ maxDigits: Int) -> Int64? {
            var v: Int64 = 0
            var n = 0
            var sign: Int64 = 1
            if i < input.count, input[i] == "-" || input[i] == "+", maxDigits > 10 { sign = input[i] == "-" ? -1 : 1; i += 1 }
            while n < min(maxDigits, 15), i < input.count, let d = input[i].wholeNumberValue, input[i].isASCII {
                v = v * 10 + Int64(d)
                i += 1
                n += 1
            }
            return n == 0 ? nil : v * sign
        }
        while f < fmt.count {
            let c = fmt[f]
            if c == "%" && f + 1 < fmt.count {
                let d = fmt[f + 1]
                f += 2
                switch d {
                case "Y": guard let v = number(4) else { return nil }; year = v
                case "y": guard let v = number(2) else { return nil }; year = v < 69 ? 2000 + v : 1900 + v
                case "m": guard let v = number(2) else { return nil }; month = v
                case "d", "e":
                    while i < input.count, input[i] == " " { i += 1 }
                    guard let v = number(2) else { return nil }; day = v
                case "H": guard let v = number(2) else { return nil }; hour = v
                case "M": guard let v = number(2) else { return nil }; minute = v
                case "S": guard let v = number(2) else { return nil }; second = v
                case "T":
                    guard let h = number(2), i < input.count, input[i] == ":" else { return nil }
                    i += 1
                    guard let m = number(2), i < input.count, input[i] == ":" else { return nil }
                    i += 1
                    guard let sec = number(2) else { return nil }
                    hour = h; minute = m; second = sec
                case "F":
                    guard let y = number(4), i < input.count, input[i] == "-" else { return nil }
                    i += 1
                    guard let m = number(2), i < input.count, input[i] == "-" else { return nil }
                    i += 1
                    guard let dd = number(2) else { return nil }
                    year = y; month = m; day = dd
                case "f":
                    var scale: Int64 = 100_000
                    var any = false
                    while i < input.count, let dg = input[i].wholeNumberValue, input[i].isASCII {
                        micro += Int64(dg) * scale
                        scale /= 10
                        i += 1
                        any = true
                    }
                    if !any { return nil }
                case "s": guard let v = number(20) else { return nil }; epoch = v
                case "j": guard let v = number(3) else { return nil }; dayOfYear = v
                case "b", "B":
                    var name = ""
                    while i < input.count, input[i].isLetter { name.append(input[i]); i += 1 }
                    guard let mi = months.firstIndex(of: String(name.prefix(3)).lowercased()) else { return nil }
                    month = Int64(mi + 1)
                case "a", "A":
                    while i < input.count, input[i].isLetter { i += 1 }
                case "z", "Z":
                    guard i < input.count else { return nil }
                    if input[i] == "Z" || input[i] == "z" { offset = 0; i += 1; break }
                    var name = ""
                    while i < input.count, input[i].isLetter { name.append(input[i]); i += 1 }
                    if !name.isEmpty {
                        guard let z = zones[name.uppercased()] else { return nil }
                        offset = Int64(z)
                        break
                    }
                    guard input[i] == "+" || input[i] == "-" else { return nil }
                    let sign: Int64 = input[i] == "-" ? -1 : 1
                    i += 1
                    guard let hh = number(2) else { return nil }
                    if i < input.count, input[i] == ":" { i += 1 }
                    let mm = number(2) ?? 0
                    offset = sign * (hh * 3600 + mm * 60)
                case "%":
                    guard i < input.count, input[i] == "%" else { return nil }
                    i += 1
                default:
                    return nil
                }
            } else {
                guard i < input.count, input[i] == c else { return nil }
                i += 1
                f += 1
            }
        }
        guard i == input.count else { return nil }
        if let epoch {
            let (micros, overflow) = epoch.multipliedReportingOverflow(by: 1_000_000)
            guard !overflow, Timestamp.storable.contains(Timestamp(microseconds: micros)) else { return nil }
            return Timestamp(microseconds: micros)
        }
        if let dayOfYear {
            guard dayOfYear >= 1, dayOfYear <= 366 else { return nil }
            let days = Timestamp.daysFromCivil(year, 1, 1) + dayOfYear - 1
            let (y, m, d) = Timestamp.civilFromDays(days)
            guard y == year else { return nil }
            month = m
            day = d
        }
        guard let t = Timestamp.utc(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                                    microsecond: micro) else { return nil }
        guard let offset else { return zone.instant(forWallClock: t) }
        return t.adding(microseconds: -offset * 1_000_000)
    }
}
