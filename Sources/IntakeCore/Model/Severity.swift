/// Container and artifact severities. SOAR ships low, medium and high; administrators may add
/// their own, so any non-empty name is accepted and the three defaults are normalised.
public enum Severity {
    public static let low = "low"
    public static let medium = "medium"
    public static let high = "high"
    public static let `default` = medium
    public static let builtIn: [String] = [low, medium, high]

    /// Maps common source vocabularies to SOAR's: critical → high, informational → low, and so on.
    /// Unknown names are returned lowercased when `custom` lists them, else nil.
    public static func normalise(_ raw: String, custom: [String] = []) -> String? {
        let s = raw.trimmingSpaces.lowercased()
        switch s {
        case "low", "info", "informational", "information", "minor", "1", "2", "3": return low
        case "medium", "moderate", "warning", "warn", "4", "5", "6": return medium
        case "high", "critical", "severe", "major", "urgent", "fatal", "emergency", "7", "8", "9", "10": return high
        default: return custom.contains(s) ? s : nil
        }
    }
}

/// Container sensitivities (traffic light protocol).
public enum Sensitivity {
    public static let all = ["white", "green", "amber", "red"]
    public static let `default` = "amber"
}
