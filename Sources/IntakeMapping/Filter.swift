import IntakeCore

/// A filter after `|` in an expression, with its arguments checked at compile time.
enum Filter: Sendable {
    case `default`(JSONValue)
    /// `default: other.path`: the value at another path when this one is empty.
    case defaultPath(Path)
    /// Fails the record (to quarantine) when the value is empty.
    case required(String?)
    case lower, upper, trim
    case int, float, string, bool
    case split(String)
    case join(String)
    case first, last
    case replace(String, String)
    case regex(RegexBox)
    case time(String?)
    case timeMs(String?)
    case sha256, md5
    case json

    static let names = ["default", "required", "lower", "upper", "trim", "int", "float", "string", "bool", "split", "join", "first",
                        "last", "replace", "regex", "time", "time_ms", "sha256", "md5", "json"]

    /// What `bool` reads text as: true/yes/y/1/on/t, false/no/n/0/off/f or empty (any case,
    /// spaces around), nil for anything else. `when` reads text the same way.
    static func truth(of text: String) -> Bool? {
        switch text.trimmingSpaces.lowercased() {
        case "true", "yes", "y", "1", "on", "t": return true
        case "false", "no", "n", "0", "off", "f", "": return false
        default: return nil
        }
    }

    static func make(name: String, arguments args: [FilterArgument], offset: Int) throws(ExpressionError) -> Filter {
        func count(_ range: ClosedRange<Int>) throws(ExpressionError) {
            guard range.contains(args.count) else {
                let want = range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
                throw ExpressionError(message: "filter '\(name)' takes \(want) argument\(range.upperBound == 1 ? "" : "s"), got \(args.count)",
                                      offset: offset)
            }
        }
        func text(_ i: Int) throws(ExpressionError) -> String {
            guard case .literal(.string(let s), _) = args[i] else {
                throw ExpressionError(message: "filter '\(name)' argument \(i + 1) must be a quoted string", offset: args[i].offset)
            }
            return s
        }
        /// Argument `i` as text that must not be empty (`what` says what it is for).
        func nonEmptyText(_ i: Int, _ what: String) throws(ExpressionError) -> String {
            let s = try text(i)
            guard !s.isEmpty else {
                throw ExpressionError(message: "filter '\(name)' needs a non-empty \(what)", offset: args[i].offset)
            }
            return s
        }
        func timeFormat() throws(ExpressionError) -> String? {
            guard !args.isEmpty else { return nil }
            let f = try text(0)
            if let bad = TimeParsing.unknownDirective(in: f) {
                throw ExpressionError(message: "unknown time format directive '\(bad)' in '\(f)'; known: \(TimeParsing.directives)",
                                      offset: args[0].offset)
            }
            return f
        }
        switch name {
        case "default":
            try count(1...1)
            switch args[0] {
            case .literal(let v, _): return .default(v)
            case .path(let p, _): return .defaultPath(p)
            }
        case "required": try count(0...1); return .required(args.isEmpty ? nil : try text(0))
        case "lower": try count(0...0); return .lower
        case "upper": try count(0...0); return .upper
        case "trim": try count(0...0); return .trim
        case "int": try count(0...0); return .int
        case "float": try count(0...0); return .float
        case "string": try count(0...0); return .string
        case "bool": try count(0...0); return .bool
        case "split": try count(0...1); return .split(args.isEmpty ? "," : try nonEmptyText(0, "separator"))
        case "join": try count(0...1); return .join(args.isEmpty ? "," : try text(0))
        case "first": try count(0...0); return .first
        case "last": try count(0...0); return .last
        case "replace": try count(2...2); return .replace(try nonEmptyText(0, "text to replace"), try text(1))
        case "regex":
            try count(1...1)
            let pattern = try text(0)
            do {
                return .regex(RegexBox(pattern: pattern, regex: try Regex(pattern)))
            } catch {
                throw ExpressionError(message: "invalid regular expression '\(pattern)'", offset: args[0].offset)
            }
        case "time": try count(0...1); return .time(try timeFormat())
        case "time_ms": try count(0...1); return .timeMs(try timeFormat())
        case "sha256": try count(0...0); return .sha256
        case "md5": try count(0...0); return .md5
        case "json": try count(0...0); return .json
        default:
            let hint = closestMatch(name, in: names).map { "; did you mean '\($0)'?" } ?? "; known filters: \(names.joined(separator: ", "))"
            throw ExpressionError(message: "unknown filter '\(name)'\(hint)", offset: offset)
        }
    }

    var name: String {
        switch self {
        case .default, .defaultPath: return "default"
        case .required: return "required"
        case .lower: return "lower"
        case .upper: return "upper"
        case .trim: return "trim"
        case .int: return "int"
        case .float: return "float"
        case .string: return "string"
        case .bool: return "bool"
        case .split: return "split"
        case .join: return "join"
        case .first: return "first"
        case .last: return "last"
        case .replace: return "replace"
        case .regex: return "regex"
        case .time: return "time"
        case .timeMs: return "time_ms"
        case .sha256: return "sha256"
        case .md5: return "md5"
        case .json: return "json"
        }
    }

    /// Filters that act on each element when given an array.
    var isElementwise: Bool {
        switch self {
        case .lower, .upper, .trim, .int, .float, .string, .bool, .replace, .regex, .time, .timeMs, .sha256, .md5: return true
        default: return false
        }
    }

    func apply(_ v: JSONValue, _ ctx: EvaluationContext) throws(FilterError) -> JSONValue {
        if isElementwise, case .array(let items) = v {
            var out: [JSONValue] = []
            out.reserveCapacity(items.count)
            for i in items { out.append(try apply(i, ctx)) }
            return .array(out)
        }
        switch self {
        case .default(let d): return v.isEmptyValue ? d : v
        case .defaultPath(let p): return v.isEmptyValue ? p.evaluate(ctx) : v
        case .required(let what):
            guard v.isEmptyValue else { return v }
            throw FilterError(what.map { "required value missing: \($0)" } ?? "required value is missing or empty")
        case .lower: return v.isNull ? v : .string(v.textValue.lowercased())
        case .upper: return v.isNull ? v : .string(v.textValue.uppercased())
        case .trim: return v.isNull ? v : .string(v.textValue.trimmingSpaces)
        case .string: return v.isNull ? v : .string(v.textValue)
        case .int:
            switch v {
            case .null: return .null
            case .int, .bigInt: return v
            case .double(let d) where d.isFinite && abs(d) < 9.2e18: return .int(Int64(d))
            case .bool(let b): return .int(b ? 1 : 0)
            case .string(let s):
                let t = s.trimmingSpaces
                if t.isEmpty { return .null }
                if let i = Int64(t) { return .int(i) }
                if let d = Double(t), d.isFinite, abs(d) < 9.2e18 { return .int(Int64(d)) }
                throw FilterError("cannot convert '\(s)' to an integer")
            default: throw FilterError("cannot convert \(v.typeName) to an integer")
            }
        case .float:
            switch v {
            case .null: return .null
            case .int(let i): return .double(Double(i))
            case .double: return v
            case .bigInt(let digits): return .double(Double(digits) ?? .infinity)
            case .string(let s):
                let t = s.trimmingSpaces
                if t.isEmpty { return .null }
                if let d = Double(t), d.isFinite { return .double(d) }
                throw FilterError("cannot convert '\(s)' to a number")
            default: throw FilterError("cannot convert \(v.typeName) to a number")
            }
        case .bool:
            switch v {
            case .null: return .null
            case .bool: return v
            case .int(let i): return .bool(i != 0)
            case .double(let d): return .bool(d != 0)
            case .string(let s):
                guard let b = Filter.truth(of: s) else { throw FilterError("cannot convert '\(s)' to true or false") }
                return .bool(b)
            default: return .bool(!v.isEmptyValue)
            }
        case .split(let sep):
            guard !v.isNull else { return .null }
            if case .array = v { return v }
            return .array(v.textValue.split(separator: sep, omittingEmptySubsequences: false).map { .string(String($0)) })
        case .join(let sep):
            guard case .array(let items) = v else { return v }
            return .string(items.filter { !$0.isNull }.map(\.textValue).joined(separator: sep))
        case .first:
            if case .array(let items) = v { return items.first ?? .null }
            return v
        case .last:
            if case .array(let items) = v { return items.last ?? .null }
            return v
        case .replace(let from, let to):
            guard !v.isNull else { return v }
            return .string(v.textValue.replacingAll(from, with: to))
        case .regex(let box):
            guard !v.isNull else { return v }
            let s = v.textValue
            guard let m = try? box.regex.firstMatch(in: s) else { return .null }
            if m.output.count > 1, let g = m.output[1].substring { return .string(String(g)) }
            return .string(String(s[m.range]))
        case .time(let format):
            guard let t = try TimeParsing.parse(v, format: format, zone: ctx.zone) else { return .null }
            return .string(t.iso8601)
        case .timeMs(let format):
            guard let t = try TimeParsing.parse(v, format: format, zone: ctx.zone) else { return .null }
            return .int(t.milliseconds)
        case .sha256: return v.isNull ? v : .string(Digest.sha256Hex(v.textValue))
        case .md5: return v.isNull ? v : .string(Digest.md5Hex(Array(v.textValue.utf8)))
        case .json: return .string(JSONWriter.string(v))
        }
    }
}

/// A compiled regular expression. `Regex` is not `Sendable`, but a compiled pattern is immutable
/// and matching does not mutate it, so sharing it across tasks is safe.
struct RegexBox: @unchecked Sendable {
    let pattern: String
    let regex: Regex<AnyRegexOutput>
}

/// A filter that failed on a value at run time; the record goes to quarantine.
struct FilterError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
