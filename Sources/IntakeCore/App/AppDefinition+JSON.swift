extension AppDefinition {
    /// Top-level keys seed 002 requires (Intake does not load Python modules, so `main_module` and
    /// `package_name` are accepted but optional).
    public static let requiredKeys = ["appid", "name", "description", "type", "product_vendor", "product_name",
                                      "product_version_regex", "publisher", "license", "app_version", "configuration", "actions"]
    static let optionalKeys = ["main_module", "package_name", "min_phantom_version", "logo", "logo_dark", "url", "consolidate_widgets",
                               "pip_dependencies", "pip3_dependencies", "python_version", "utctime_updated", "fips_compliant",
                               "contributors", "app_wizard_version", "latest_tested_versions", "copyright", "beta"]
    static let variableKeys = ["data_type", "description", "required", "value_list", "default", "order", "verbose", "name"]
    static let actionKeys = ["action", "identifier", "description", "verbose", "type", "read_only", "undo", "versions", "parameters",
                             "output", "render", "lock"]
    static let parameterKeys = ["description", "data_type", "contains", "required", "primary", "value_list", "default", "order",
                                "allow_list", "verbose", "name"]

    /// Reads and checks an app JSON's text, reporting every problem found with its JSON path.
    /// Returns the app only when there is no problem.
    public static func parse(text: String) -> (app: AppDefinition?, problems: [AppProblem]) {
        do {
            return parse(json: try JSONParser.parse(text))
        } catch {
            return (nil, [AppProblem(path: "$", message: "not valid JSON: \(error)")])
        }
    }

    /// Checks a parsed app JSON, reporting every problem with its JSON path.
    public static func parse(json: JSONValue) -> (app: AppDefinition?, problems: [AppProblem]) {
        var c = AppChecker()
        let app = c.app(json)
        return (c.problems.isEmpty ? app : nil, c.problems)
    }

    /// Parses an app JSON that must be valid (the built-in apps, which tests keep valid).
    public init(validJSON text: String) throws(IntakeError) {
        let (app, problems) = AppDefinition.parse(text: text)
        guard let app else {
            throw IntakeError(.configuration, "invalid app JSON: " + problems.map(\.description).joined(separator: "; "))
        }
        self = app
    }

    /// The app as SOAR-format JSON (what `intake apps show --json` prints).
    public var json: JSONValue {
        var o: JSONObject = [
            "appid": .string(appid), "name": .string(name), "description": .string(description), "type": .string(type),
            "product_vendor": .string(productVendor), "product_name": .string(productName),
            "product_version_regex": .string(productVersionRegex), "publisher": .string(publisher),
            "license": .string(license), "app_version": .string(appVersion),
        ]
        if let minPhantomVersion { o.append("min_phantom_version", .string(minPhantomVersion)) }
        if let logo { o.append("logo", .string(logo)) }
        var config = JSONObject()
        for v in configuration {
            var e: JSONObject = ["data_type": .string(v.dataType.rawValue), "description": .string(v.description),
                                 "required": .bool(v.required)]
            if let l = v.valueList { e.append("value_list", .array(l.map(JSONValue.string))) }
            if let d = v.defaultValue { e.append("default", d) }
            if let order = v.order { e.append("order", .int(Int64(order))) }
            config.append(v.name, .object(e))
        }
        o.append("configuration", .object(config))
        o.append("actions", .array(actions.map(\.json)))
        return .object(o)
    }
}
