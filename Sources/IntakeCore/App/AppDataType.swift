/// SOAR's data types for configuration variables and parameters, plus Intake's `object`.
public enum AppDataType: String, Sendable, Hashable, CaseIterable {
    case string
    case password
    case numeric
    case boolean
    /// A placeholder that renders as a gap in SOAR's UI and carries no value.
    case ph
    /// Intake's one extension: a structured value (a YAML mapping or JSON object), e.g. request headers.
    case object
}
