/// Converts one configuration or parameter value to its declared data type, the way SOAR's
/// BaseConnector does: strings are already stripped; numbers may arrive as text (YAML, CLI) and
/// become numbers; booleans accept true/false (and yes/no, 1/0 as text); `value_list` is enforced.
public enum AppValueCheck {
    /// The value converted to `type`, or a message saying why it does not fit.
    public static func convert(_ value: JSONValue, type: AppDataType, valueList: [String]?) -> Result<JSONValue, ValueProblem> {
        let converted: JSONValue
        switch type {
        case .string, .password:
            switch value {
            case .string, .int, .double, .bool: converted = .string(value.textValue)
            default: return .failure(ValueProblem("expected text, found \(value.typeName)"))
            }
        case .numeric:
            switch value {
            case .int, .double, .bigInt: converted = value
            case .string(let s):
                if let i = Int64(s) {
                    converted = .int(i)
                } else if let d = Double(s), d.isFinite, s.first.map({ $0.isNumber || $0 == "-" || $0 == "+" || $0 == "." }) == true {
                    converted = .double(d)
                } else {
                    return .failure(ValueProblem("expected a number, found '\(s)'"))
                }
            default: return .failure(ValueProblem("expected a number, found \(value.typeName)"))
            }
        case .boolean:
            switch value {
            case .bool: converted = value
            case .string(let s):
                switch s.lowercased() {
                case "true", "yes", "1": converted = .bool(true)
                case "false", "no", "0": converted = .bool(false)
                default: return .failure(ValueProblem("expected true or false, found '\(s)'"))
                }
            case .int(let i) where i == 0 || i == 1: converted = .bool(i == 1)
            default: return .failure(ValueProblem("expected true or false, found \(value.typeName) \(value.textValue)"))
            }
        case .object:
            guard case .object = value else { return .failure(ValueProblem("expected a mapping (object), found \(value.typeName)")) }
            converted = value
        case .ph:
            return .failure(ValueProblem("is a placeholder (data_type ph) and takes no value"))
        }
        if let list = valueList, !list.contains(where: { matches($0, converted) }) {
            let hint = closestMatch(converted.textValue, in: list).map { "did you mean '\($0)'?" }
            return .failure(ValueProblem("'\(converted.textValue)' is not one of \(list.joined(separator: ", "))", hint: hint))
        }
        return .success(converted)
    }

    /// nil when `value` fits `type` and `valueList`, else the problem (for app JSON defaults).
    public static func check(_ value: JSONValue, type: AppDataType, valueList: [String]?) -> String? {
        if case .failure(let p) = convert(value, type: type, valueList: valueList) { return p.description }
        return nil
    }

    static func matches(_ listed: String, _ value: JSONValue) -> Bool {
        if listed == value.textValue { return true }
        if let d = value.doubleValue, let l = Double(listed) { return d == l }
        return false
    }
}
