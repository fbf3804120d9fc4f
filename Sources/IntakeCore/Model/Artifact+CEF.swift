extension Artifact {
    /// The artifact as one CEF event: signature = label, name = name, severity on CEF's 0-10 scale,
    /// and the extension = the `cef` body in order (strings as they are, numbers and booleans as
    /// text, objects and arrays as canonical JSON; nulls and empty strings left out, as CEF cannot
    /// tell an empty value from an absent one), plus `rt` (start time, else
    /// create time, in epoch milliseconds) when the body has no `rt` of its own.
    public func cefLine(vendor: String = "Intake", product: String = "Intake", version: String) -> CEFLine {
        var ext: [(key: String, value: String)] = []
        for m in cef {
            guard let text = CEFLine.extensionText(m.value), !text.isEmpty else { continue }
            ext.append((m.key, text))
        }
        if cef["rt"] == nil {
            ext.append(("rt", String((startTime ?? createTime).milliseconds)))
        }
        return CEFLine(vendor: vendor, product: product, version: version, signature: label, name: name,
                       severity: CEFLine.severityScore(severity), extensions: ext)
    }
}

extension CEFLine {
    /// A JSON value as extension text: nil for null, canonical JSON for objects and arrays.
    public static func extensionText(_ value: JSONValue) -> String? {
        switch value {
        case .null: return nil
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double, .array, .object: return String(decoding: JSONWriter.canonicalBytes(value), as: UTF8.self)
        }
    }

    /// SOAR severity → CEF 0-10: low 3, medium 5, high 8; common vocabularies (informational 1,
    /// critical 10, …) and the numbers 0-10 are understood; any other custom severity is 5.
    public static func severityScore(_ severity: String) -> Int {
        let s = severity.trimmingSpaces.lowercased()
        if let n = Int(s), (0...10).contains(n) { return n }
        switch s {
        case "unknown", "none": return 0
        case "info", "informational", "information": return 1
        case "low", "minor": return 3
        case "medium", "moderate", "warning", "warn": return 5
        case "high", "major", "severe": return 8
        case "very-high", "very high", "critical", "urgent", "fatal", "emergency": return 10
        default: return 5
        }
    }
}
