/// A length of time written the way configuration files write it: `90s`, `5m`, `1h30m`, `10d`, `250ms`.
public struct IntakeDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }
    public static func seconds(_ s: Int64) -> IntakeDuration { IntakeDuration(microseconds: s * 1_000_000) }
    public static func minutes(_ m: Int64) -> IntakeDuration { .seconds(m * 60) }
    public static func hours(_ h: Int64) -> IntakeDuration { .seconds(h * 3600) }
    public static func days(_ d: Int64) -> IntakeDuration { .seconds(d * 86400) }
    public static let zero = IntakeDuration(microseconds: 0)

    public static func < (a: IntakeDuration, b: IntakeDuration) -> Bool { a.microseconds < b.microseconds }

    public var seconds: Double { Double(microseconds) / 1_000_000 }

    /// Parses `1h30m`, `90s`, `10d`, `2w`, `250ms`, `1.5h`; a bare number is seconds.
    public init?(parsing text: String) {
        let s = text.trimmingSpaces
        guard !s.isEmpty else { return nil }
        if let secs = Double(s), secs.isFinite {
            self.init(microseconds: Int64(secs * 1_000_000))
            return
        }
        var total: Double = 0
        var number = ""
        var unit = ""
        var sawPart = false
        func flush() -> Bool {
            guard let v = Double(number), v.isFinite else { return false }
            let factor: Double
            switch unit {
            case "us", "µs": factor = 1
            case "ms": factor = 1000
            case "s", "sec", "secs": factor = 1_000_000
            case "m", "min", "mins": factor = 60_000_000
            case "h", "hr", "hrs": factor = 3_600_000_000
            case "d": factor = 86_400_000_000
            case "w": factor = 604_800_000_000
            default: return false
            }
            total += v * factor
            number = ""
            unit = ""
            sawPart = true
            return true
        }
        for ch in s {
            if ch.isNumber || ch == "." {
                if !unit.isEmpty { guard flush() else { return nil } }
                number.append(ch)
            } else if ch.isLetter || ch == "µ" {
                guard !number.isEmpty else { return nil }
                unit.append(ch)
            } else if ch == " " {
                continue
            } else {
                return nil
            }
        }
        guard !number.isEmpty, !unit.isEmpty, flush(), sawPart, total.isFinite, total < 9e18 else { return nil }
        self.init(microseconds: Int64(total))
    }

    public var description: String {
        var us = microseconds
        if us == 0 { return "0s" }
        var out = us < 0 ? "-" : ""
        us = abs(us)
        if us % 1_000_000 != 0 && us < 1_000_000 { return out + "\(us / 1000)ms" }
        var secs = us / 1_000_000
        for (unit, size) in [("d", Int64(86400)), ("h", 3600), ("m", 60)] where secs >= size {
            out += "\(secs / size)\(unit)"
            secs %= size
        }
        if secs > 0 || out.isEmpty || out == "-" { out += "\(secs)s" }
        return out
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces, tabs and newlines (no Foundation needed).
    public var trimmingSpaces: String {
        // Most text has nothing to trim: printable ASCII at both ends needs no Character walk.
        let u = String(self).utf8
        if let f = u.first, let l = u.last, f > 0x20, f < 0x7F, l > 0x20, l < 0x7F { return String(self) }
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
