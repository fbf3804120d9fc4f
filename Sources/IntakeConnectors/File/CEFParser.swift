import IntakeCore

/// ArcSight CEF lines (`[syslog prefix] CEF:0|Vendor|Product|Version|SignatureID|Name|Severity|k=v ...`) as records.
///
/// Header fields unescape `\|` and `\\`; extension values unescape `\=`, `\\`, `\n` and `\r`. A value runs
/// until the next unescaped ` key=`. The record holds the header under CEF's key names
/// (`cefVersion`, `deviceVendor`, `deviceProduct`, `deviceVersion`, `deviceEventClassId`, `name`,
/// `severity`), every extension key as it is written, and the syslog prefix, if any, as `syslog_prefix`.
enum CEFParser {
    struct Failure: Error {
        var message: String
        var column: Int
    }

    static let headerNames = ["deviceVendor", "deviceProduct", "deviceVersion", "deviceEventClassId", "name", "severity"]

    static func parse(_ line: String) throws(Failure) -> JSONValue {
        let chars = Array(line.unicodeScalars)
        guard let start = find(Array("CEF:".unicodeScalars), in: chars) else {
            throw Failure(message: "no 'CEF:' header in the line", column: 1)
        }
        var o = JSONObject()
        var i = start + 4
        var header: [String] = []
        var current = ""
        // Version and the six header fields, each ending at an unescaped '|'.
        while header.count < 7 {
            guard i < chars.count else {
                throw Failure(message: "the CEF header has \(header.count) of its 7 '|'-separated fields", column: i + 1)
            }
            let c = chars[i]
            if c == "\\" && i + 1 < chars.count && (chars[i + 1] == "|" || chars[i + 1] == "\\") {
                current.unicodeScalars.append(chars[i + 1])
                i += 2
            } else if c == "|" {
                header.append(current)
                current = ""
                i += 1
            } else {
                current.unicodeScalars.append(c)
                i += 1
            }
        }
        guard let version = Int64(header[0].trimmingSpaces) else {
            throw Failure(message: "the CEF version '\(header[0])' is not a number", column: start + 5)
        }
        let prefix = String(String.UnicodeScalarView(chars[..<start])).trimmingSpaces
        o.append("cefVersion", .int(version))
        for (name, value) in zip(headerNames, header.dropFirst()) { o.append(name, .string(value)) }
        for (k, v) in try extensions(Array(chars[i...]), column: i + 1) {
            if o[k] == nil { o.append(k, .string(v)) }
        }
        if !prefix.isEmpty { o.append("syslog_prefix", .string(prefix)) }
        return .object(o)
    }

    /// `key=value` pairs; a key is letters, digits, `_`, `.`, `-`, `[` and `]`.
    static func extensions(_ s: [Unicode.Scalar], column: Int) throws(Failure) -> [(String, String)] {
        func isKey(_ c: Unicode.Scalar) -> Bool {
            c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "_" || c == "." || c == "-" || c == "[" || c == "]"
        }
        /// True when a key followed by an unescaped '=' starts at j.
        func keyStarts(at j: Int) -> Int? {
            var k = j
            while k < s.count && isKey(s[k]) { k += 1 }
            return k > j && k < s.count && s[k] == "=" ? k : nil
        }
        var out: [(String, String)] = []
        var i = 0
        while i < s.count && s[i] == " " { i += 1 }
        while i < s.count {
            guard let eq = keyStarts(at: i) else {
                throw Failure(message: "expected key=value in the CEF extension", column: column + i)
            }
            let key = String(String.UnicodeScalarView(s[i..<eq]))
            i = eq + 1
            var value = ""
            while i < s.count {
                let c = s[i]
                if c == "\\" && i + 1 < s.count {
                    switch s[i + 1] {
                    case "=": value += "="
                    case "\\": value += "\\"
                    case "n": value += "\n"
                    case "r": value += "\r"
                    case "|": value += "|"
                    default: value.unicodeScalars.append(contentsOf: [c, s[i + 1]])
                    }
                    i += 2
                    continue
                }
                if c == " " {
                    var j = i
                    while j < s.count && s[j] == " " { j += 1 }
                    if j == s.count { i = j; break }
                    if keyStarts(at: j) != nil { i = j; break }
                }
                value.unicodeScalars.append(c)
                i += 1
            }
            out.append((key, value))
        }
        return out
    }

    static func find(_ needle: [Unicode.Scalar], in hay: [Unicode.Scalar]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle {
            return i
        }
        return nil
    }
}
