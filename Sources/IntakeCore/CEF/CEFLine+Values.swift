extension CEFLine {
    /// A JSON value as extension text: nil for null, canonical JSON for objects and arrays.
    public static func extensionText(_ value: JSONValue) -> String? {
        switch value {
        case .null: return nil
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .bigInt(let digits): return digits
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
