/// One CEF event line (`CEF:0|Vendor|Product|Version|SignatureID|Name|Severity|Extension`), escaped as
/// ArcSight's "Implementing ArcSight Common Event Format" prescribes.
///
/// - Header fields: `\` becomes `\\` and `|` becomes `\|`. A line break cannot be escaped in the
///   header, so CR and LF become a space (a header is one line by definition).
/// - Extension values: `\` becomes `\\`, `=` becomes `\=`, LF becomes `\n` and CR becomes `\r`;
///   `|` needs no escaping there.
/// - Extension keys are alphanumeric (plus `_`); any other character becomes `_`, and a key that
///   collides with an earlier one gets a numeric suffix, so no pair is lost.
public struct CEFLine: Sendable {
    public var vendor: String
    public var product: String
    public var version: String
    public var signature: String
    public var name: String
    /// 0 (lowest) to 10 (highest).
    public var severity: Int
    /// Extension pairs in order; values are plain text, escaped when the line is written.
    public var extensions: [(key: String, value: String)]

    public init(vendor: String, product: String, version: String, signature: String, name: String, severity: Int,
                extensions: [(key: String, value: String)]) {
        self.vendor = vendor
        self.product = product
        self.version = version
        self.signature = signature
        self.name = name
        self.severity = min(10, max(0, severity))
        self.extensions = extensions
    }

    /// The escaped line, without a trailing newline.
    public var text: String {
        var out = "CEF:0|"
        for field in [vendor, product, version, signature, name] {
            out += CEFLine.escapeHeader(field)
            out += "|"
        }
        out += String(severity)
        out += "|"
        var used: Set<String> = []
        var first = true
        for (key, value) in extensions {
            var k = CEFLine.sanitiseKey(key)
            if used.contains(k) {
                var n = 2
                while used.contains(k + "_\(n)") { n += 1 }
                k += "_\(n)"
            }
            used.insert(k)
            if !first { out += " " }
            first = false
            out += k
            out += "="
            out += CEFLine.escapeExtensionValue(value)
        }
        return out
    }

    /// A header field: `\` → `\\`, `|` → `\|`, CR and LF → space.
    public static func escapeHeader(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "|": out += "\\|"
            case "\n", "\r": out += " "
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// An extension value: `\` → `\\`, `=` → `\=`, LF → `\n`, CR → `\r`.
    public static func escapeExtensionValue(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "=": out += "\\="
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// An extension key: ASCII letters, digits and `_`; anything else becomes `_` (empty becomes `_`).
    public static func sanitiseKey(_ s: String) -> String {
        var out = ""
        for ch in s.unicodeScalars {
            if ch.isASCII && (ch.properties.isAlphabetic || ("0"..."9").contains(ch) || ch == "_") {
                out.unicodeScalars.append(ch)
            } else {
                out += "_"
            }
        }
        return out.isEmpty ? "_" : out
    }
}
