/// Validates an asset's `configuration` against its app's configuration variables exactly as SOAR's
/// BaseConnector does before `initialize`: strip string values, drop empty ones, then check required
/// keys, data types and `value_list`, and apply defaults. Unknown keys are errors (with a suggestion),
/// since a misspelt key would otherwise be silently ignored.
public struct ConfigurationValidator: Sendable {
    public let app: AppDefinition

    public init(app: AppDefinition) { self.app = app }

    /// One problem with one key.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// The configuration key, e.g. `base_url`.
        public var key: String
        public var message: String
        public var hint: String?
        public var description: String { "configuration.\(key): \(message)" + (hint.map { " (\($0))" } ?? "") }
    }

    /// The validated configuration (defaults applied, values converted) or every problem found.
    public func validate(_ configuration: JSONObject) -> Result<JSONObject, ConfigurationProblems> {
        var problems: [Problem] = []
        let known = app.configuration.map(\.name)
        let cleaned = ConfigurationValidator.clean(configuration)
        for key in cleaned.keys where app.variable(key) == nil {
            let hint = closestMatch(key, in: known).map { "did you mean '\($0)'?" } ?? "app '\(app.appid)' takes: \(known.joined(separator: ", "))"
            problems.append(Problem(key: key, message: "unknown key for app '\(app.appid)'", hint: hint))
        }
        var out = JSONObject()
        for variable in app.configuration where variable.dataType == .ph && cleaned[variable.name] != nil {
            problems.append(Problem(key: variable.name, message: "is a placeholder (data_type ph) and takes no value"))
        }
        for variable in app.configuration where variable.dataType != .ph {
            guard let value = cleaned[variable.name] ?? variable.defaultValue.flatMap({ $0.isEmptyValue ? nil : $0 }) else {
                if variable.required {
                    problems.append(Problem(key: variable.name, message: "is required (\(variable.description))"))
                }
                continue
            }
            switch AppValueCheck.convert(value, type: variable.dataType, valueList: variable.valueList) {
            case .success(let v): out.append(variable.name, v)
            case .failure(let p):
                // Never echo a secret back in an error.
                let message = variable.dataType == .password ? "expected text, found \(value.typeName)" : p.message
                problems.append(Problem(key: variable.name, message: message, hint: variable.dataType == .password ? nil : p.hint))
            }
        }
        return problems.isEmpty ? .success(out) : .failure(ConfigurationProblems(problems))
    }

    /// Each problem as an error located at its key in the asset file.
    public static func errors(_ problems: some Sequence<Problem>, asset: AssetConfiguration) -> [IntakeError] {
        problems.map { IntakeError(.configuration, "configuration.\($0.key): \($0.message)", at: asset.location(ofConfiguration: $0.key),
                                   hint: $0.hint) }
    }

    /// BaseConnector's cleaning: strip string values and drop the empty ones (null, "", [] and {}).
    public static func clean(_ object: JSONObject) -> JSONObject {
        var out = JSONObject()
        for m in object {
            var v = m.value
            if case .string(let s) = v { v = .string(s.trimmingSpaces) }
            if v.isEmptyValue { continue }
            out.append(m.key, v)
        }
        return out
    }

    /// The names of the app's password variables, whose values are secrets.
    public var secretKeys: [String] { app.configuration.filter { $0.dataType == .password }.map(\.name) }
}
