import IntakeCore

/// The values a request template can use, for one page of one poll.
struct TemplateVariables: Sendable {
    var startTime: Timestamp
    var endTime: Timestamp
    var timeFormat: String
    var cursor: JSONValue?
    var page: Int64
    var offset: Int64
    var limit: Int64
    var containerCount: Int64
    var artifactCount: Int64

    static let names = ["start_time", "end_time", "cursor", "page", "offset", "limit", "container_count", "artifact_count"]

    /// The JSON value of a variable: numbers stay numbers, the cursor keeps its JSON type, nil for no cursor yet.
    func value(_ name: String) -> JSONValue? {
        switch name {
        case "start_time": return TimeFormatter.json(startTime, format: timeFormat)
        case "end_time": return TimeFormatter.json(endTime, format: timeFormat)
        case "cursor": return cursor
        case "page": return .int(page)
        case "offset": return .int(offset)
        case "limit": return .int(limit)
        case "container_count": return .int(containerCount)
        case "artifact_count": return .int(artifactCount)
        default: return nil
        }
    }
}

/// `{{ name }}` substitution in configuration values (query, headers, body).
enum RequestTemplate {
    /// The variable names a template uses, in order.
    static func variables(in template: String) -> [String] {
        var out: [String] = []
        var rest = Substring(template)
        while let open = rest.firstRange(of: "{{") {
            guard let close = rest[open.upperBound...].firstRange(of: "}}") else { break }
            out.append(rest[open.upperBound..<close.lowerBound].trimmingSpaces)
            rest = rest[close.upperBound...]
        }
        return out
    }

    /// Text with every variable substituted. Nil when the template uses `{{ cursor }}` and there is no
    /// cursor yet, so the parameter is left out of the first request.
    static func render(_ template: String, _ vars: TemplateVariables, key: String) throws(IntakeError) -> String? {
        guard template.contains("{{") else { return template }
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstRange(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstRange(of: "}}") else {
                throw IntakeError(.configuration, "configuration.\(key): '{{' without a closing '}}' in '\(template)'")
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingSpaces
            guard TemplateVariables.names.contains(name) else {
                throw IntakeError(.configuration, "configuration.\(key): unknown variable '\(name)' in '\(template)'",
                                  hint: "known variables: \(TemplateVariables.names.joined(separator: ", "))")
            }
            guard let value = vars.value(name) else { return nil }
            out += value.textValue
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    /// A structured body with its templates rendered. A string that is exactly one variable becomes that
    /// variable's JSON value (so `search_after: "{{ cursor }}"` sends the cursor array, `size: "{{ limit }}"`
    /// a number); a member whose value renders to nothing (no cursor yet) is left out.
    static func render(json: JSONValue, _ vars: TemplateVariables, key: String) throws(IntakeError) -> JSONValue? {
        switch json {
        case .string(let s):
            let names = variables(in: s)
            let trimmed = s.trimmingSpaces
            if names.count == 1, trimmed.hasPrefix("{{"), trimmed.hasSuffix("}}"),
               trimmed.dropFirst(2).dropLast(2).trimmingSpaces == names[0], TemplateVariables.names.contains(names[0]) {
                return vars.value(names[0])
            }
            return try render(s, vars, key: key).map(JSONValue.string)
        case .array(let a):
            var out: [JSONValue] = []
            for (i, v) in a.enumerated() {
                if let r = try render(json: v, vars, key: "\(key)[\(i)]") { out.append(r) }
            }
            return .array(out)
        case .object(let o):
            var out = JSONObject()
            for m in o.members {
                if let r = try render(json: m.value, vars, key: "\(key).\(m.key)") { out.append(m.key, r) }
            }
            return .object(out)
        default:
            return json
        }
    }
}

/// Formats window times for a remote API: ISO-8601, epoch seconds or milliseconds, or a strftime pattern (UTC).
enum TimeFormatter {
    static func json(_ t: Timestamp, format: String) -> JSONValue {
        switch format {
        case "epoch_s", "epoch": return .int(t.microseconds / 1_000_000)
        case "epoch_ms": return .int(t.milliseconds)
        default: return .string(string(t, format: format))
        }
    }

    static func string(_ t: Timestamp, format: String) -> String {
        switch format {
        case "iso8601": return t.iso8601Seconds
        case "iso8601_micro": return t.iso8601
        case "epoch_s", "epoch": return String(t.microseconds / 1_000_000)
        case "epoch_ms": return String(t.milliseconds)
        default: return strftime(t, format)
        }
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]

    /// The strftime conversions APIs use: %Y %m %d %H %M %S %y %j %b %a %f %s %z %Z %F %T %%.
    static func strftime(_ t: Timestamp, _ pattern: String) -> String {
        let c = t.civil
        func pad(_ n: Int64, _ w: Int) -> String {
            let s = String(n)
            return s.count >= w ? s : String(repeating: "0", count: w - s.count) + s
        }
        let days = Timestamp.daysFromCivil(c.year, c.month, c.day)
        var out = ""
        var it = pattern.makeIterator()
        while let ch = it.next() {
            guard ch == "%", let f = it.next() else {
                out.append(ch)
                continue
            }
            switch f {
            case "Y": out += pad(c.year, 4)
            case "y": out += pad(c.year % 100, 2)
            case "m": out += pad(c.month, 2)
            case "d": out += pad(c.day, 2)
            case "H": out += pad(c.hour, 2)
            case "M": out += pad(c.minute, 2)
            case "S": out += pad(c.second, 2)
            case "f": out += pad(c.micro, 6)
            case "j": out += pad(days - Timestamp.daysFromCivil(c.year, 1, 1) + 1, 3)
            case "b": out += months[Int(c.month - 1)]
            case "a": out += weekdays[Int(((days % 7) + 7) % 7)]
            case "s": out += String(t.microseconds / 1_000_000)
            case "z": out += "+0000"
            case "Z": out += "UTC"
            case "F": out += "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))"
            case "T": out += "\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2))"
            case "%": out += "%"
            default: out += "%\(f)"
            }
        }
        return out
    }
}
