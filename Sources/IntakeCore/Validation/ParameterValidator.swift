/// Validates one parameter set of an action as SOAR's BaseConnector does before `handle`: strip
/// strings and drop empty values, apply defaults, check required keys, data types, `value_list`,
/// and the `contains` validators (each comma-separated element when `allow_list` is set).
public struct ParameterValidator: Sendable {
    public let action: AppAction
    public let validators: ContainsValidators

    public init(action: AppAction, validators: ContainsValidators = .standard) {
        self.action = action
        self.validators = validators
    }

    /// The validated parameters, or a message naming every problem.
    public func validate(_ parameters: JSONObject) -> Result<JSONObject, IntakeError> {
        let cleaned = ConfigurationValidator.clean(parameters)
        var problems: [String] = []
        for key in cleaned.keys where action.parameter(key) == nil {
            let hint = closestMatch(key, in: action.parameters.map(\.name)).map { " (did you mean '\($0)'?)" } ?? ""
            problems.append("unknown parameter '\(key)'\(hint)")
        }
        var out = JSONObject()
        for p in action.parameters where p.dataType != .ph {
            guard let raw = cleaned[p.name] ?? p.defaultValue else {
                if p.required { problems.append("missing required parameter '\(p.name)'") }
                continue
            }
            let values: [JSONValue]
            if p.allowList, case .string(let s) = raw {
                values = s.split(separator: ",").map { .string(String($0).trimmingSpaces) }.filter { !$0.isEmptyValue }
            } else {
                values = [raw]
            }
            var ok = true
            var converted: [JSONValue] = []
            for v in values {
                switch AppValueCheck.convert(v, type: p.dataType, valueList: p.valueList) {
                case .failure(let e):
                    ok = false
                    problems.append("parameter '\(p.name)': " + (p.dataType == .password ? "expected text" : e.description))
                case .success(let c):
                    converted.append(c)
                    if !p.contains.isEmpty, !validators.accepts(c.textValue, contains: p.contains) {
                        ok = false
                        let shown = p.dataType == .password ? Redactor.mask : "'\(c.textValue)'"
                        problems.append("parameter '\(p.name)': \(shown) is not a valid \(p.contains.joined(separator: " or "))")
                    }
                }
            }
            guard ok else { continue }
            if p.allowList, raw.stringValue != nil {
                out.append(p.name, .string(converted.map(\.textValue).joined(separator: ",")))
            } else if let only = converted.first {
                out.append(p.name, only)
            }
        }
        if problems.isEmpty { return .success(out) }
        return .failure(IntakeError(.invalidArgument, "invalid parameters for '\(action.action)': " + problems.joined(separator: "; ")))
    }
}
