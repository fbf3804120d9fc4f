import IntakeCore

extension CronExpression {
    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    /// A parse failure: what is wrong, and the character offset of the offending field in the expression.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var message: String
        /// Offset (in characters) of the offending field from the start of the expression.
        public var offset: Int
        public var description: String { message }
    }

    /// Parses `*/5 * * * *`, `0 30 9 * * mon-fri`, `@daily`, names, ranges, steps and lists.
    /// `@every` is a ``Schedule``, not a cron expression.
    public init(parsing text: String) throws(ParseError) {
        let trimmed = text.trimmingSpaces
        let leading = text.prefix(while: { $0.isWhitespace }).count
        var body = trimmed
        if trimmed.hasPrefix("@") {
            guard let expansion = CronExpression.macros[trimmed.lowercased()] else {
                throw ParseError(message: "unknown cron macro '\(trimmed)' (use @hourly, @daily, @weekly, @monthly, @yearly or @every DURATION)",
                                 offset: leading)
            }
            body = expansion
        }
        // Fields and their offsets in the original text.
        var fields: [(text: String, offset: Int)] = []
        var current = ""
        var start = 0
        for (i, ch) in body.enumerated() {
            if ch == " " || ch == "\t" {
                if !current.isEmpty { fields.append((current, start)) }
                current = ""
            } else {
                if current.isEmpty { start = i }
                current.append(ch)
            }
        }
        if !current.isEmpty { fields.append((current, start)) }
        if body != trimmed { fields = fields.map { ($0.text, 0) } }  // a macro: point at the macro itself
        fields = fields.map { ($0.text, $0.offset + leading) }
        guard fields.count == 5 || fields.count == 6 else {
            throw ParseError(message: "a cron expression has 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), "
                                 + "'\(trimmed)' has \(fields.count)", offset: leading)
        }
        let order: [Field] = fields.count == 6 ? [.second, .minute, .hour, .dayOfMonth, .month, .dayOfWeek]
            : [.minute, .hour, .dayOfMonth, .month, .dayOfWeek]
        var sets: [Field: Set<Int>] = [.second: [0]]
        var raw: [Field: String] = [:]
        for (field, (fieldText, offset)) in zip(order, fields) {
            sets[field] = try CronExpression.parseField(fieldText, field: field, offset: offset)
            raw[field] = fieldText
        }
        self.text = trimmed
        seconds = sets[.second] ?? [0]
        minutes = sets[.minute] ?? []
        hours = sets[.hour] ?? []
        daysOfMonth = sets[.dayOfMonth] ?? []
        months = sets[.month] ?? []
        daysOfWeek = Set((sets[.dayOfWeek] ?? []).map { $0 % 7 })
        dayOfMonthStar = raw[.dayOfMonth]?.first == "*" || raw[.dayOfMonth] == "?"
        dayOfWeekStar = raw[.dayOfWeek]?.first == "*" || raw[.dayOfWeek] == "?"
        let hourText = raw[.hour] ?? "*"
        isWildcardHour = hourText.first == "*" || hourText.contains("/")
    }

    static func parseField(_ text: String, field: Field, offset: Int) throws(ParseError) -> Set<Int> {
        if text == "?" && (field == .dayOfMonth || field == .dayOfWeek) { return Set(field.range) }
        var values = Set<Int>()
        var partOffset = offset
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            defer { partOffset += part.count + 1 }
            func fail(_ why: String) -> ParseError {
                ParseError(message: "cron \(field.rawValue) field: '\(part)' \(why)", offset: partOffset)
            }
            guard !part.isEmpty else { throw ParseError(message: "cron \(field.rawValue) field '\(text)' has an empty list item", offset: offset) }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw fail("has more than one '/'") }
            var step = 1
            if pieces.count == 2 {
                guard let s = Int(pieces[1]), s > 0 else { throw fail("has a step that is not a positive number") }
                guard s <= field.range.upperBound + 1 else { throw fail("has a step larger than the field's range \(field.range.lowerBound)-\(field.range.upperBound)") }
                step = s
            }
            let rangeText = pieces[0]
            var low: Int
            var high: Int
            if rangeText == "*" {
                low = field.range.lowerBound
                high = field == .dayOfWeek ? 6 : field.range.upperBound
            } else {
                let bounds = rangeText.split(separator: "-", omittingEmptySubsequences: false)
                guard bounds.count <= 2, bounds.allSatisfy({ !$0.isEmpty }) else { throw fail("is not a number, name, range or step") }
                guard let l = value(bounds[0], field: field) else {
                    throw fail("is not a valid \(field.rawValue) (\(field.range.lowerBound)-\(field.range.upperBound)\(names(field)))")
                }
                low = l
                if bounds.count == 2 {
                    guard let h = value(bounds[1], field: field) else {
                        throw fail("is not a valid \(field.rawValue) range (\(field.range.lowerBound)-\(field.range.upperBound)\(names(field)))")
                    }
                    high = h
                    guard low <= high else { throw fail("is a range that ends before it starts") }
                } else {
                    high = pieces.count == 2 ? (field == .dayOfWeek ? 6 : field.range.upperBound) : low
                }
            }
            var v = low
            while v <= high {
                values.insert(v)
                v += step
            }
        }
        return values
    }

    private static func names(_ field: Field) -> String {
        switch field {
        case .month: " or jan-dec"
        case .dayOfWeek: " or sun-sat"
        default: ""
        }
    }

    private static func value(_ text: Substring, field: Field) -> Int? {
        if let n = Int(text), text.allSatisfy(\.isNumber) { return field.range.contains(n) ? n : nil }
        let lower = text.lowercased()
        switch field {
        case .month: return monthNames.firstIndex(of: lower).map { $0 + 1 }
        case .dayOfWeek: return dayNames.firstIndex(of: lower)
        default: return nil
        }
    }
}
