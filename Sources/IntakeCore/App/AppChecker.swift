/// Walks an app JSON collecting problems; each accessor records a problem and returns a fallback.
struct AppChecker {
    var problems: [AppProblem] = []

    mutating func problem(_ path: String, _ message: String) { problems.append(AppProblem(path: path, message: message)) }

    mutating func object(_ v: JSONValue?, _ path: String) -> JSONObject? {
        guard let v else { return nil }
        guard case .object(let o) = v else { problem(path, "must be an object, found \(v.typeName)"); return nil }
        return o
    }

    mutating func string(_ o: JSONObject, _ key: String, _ path: String, required: Bool) -> String? {
        guard let v = o[key] else {
            if required { problem(path, "missing required key '\(key)'") }
            return nil
        }
        guard case .string(let s) = v else { problem("\(path).\(key)", "must be a string, found \(v.typeName)"); return nil }
        if required && s.trimmingSpaces.isEmpty { problem("\(path).\(key)", "must not be empty") }
        return s
    }

    mutating func bool(_ o: JSONObject, _ key: String, _ path: String, required: Bool = false) -> Bool? {
        guard let v = o[key] else {
            if required { problem(path, "missing required key '\(key)'") }
            return nil
        }
        guard case .bool(let b) = v else { problem("\(path).\(key)", "must be true or false, found \(v.typeName)"); return nil }
        return b
    }

    mutating func unknownKeys(_ o: JSONObject, _ allowed: [String], _ path: String) {
        for k in o.keys where !allowed.contains(k) {
            let hint = closestMatch(k, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
            problem("\(path).\(k)", "unknown key\(hint)")
        }
    }

    mutating func app(_ json: JSONValue) -> AppDefinition? {
        guard let o = object(json, "$") else { return nil }
        unknownKeys(o, AppDefinition.requiredKeys + AppDefinition.optionalKeys, "$")
        var strings: [String: String] = [:]
        for key in AppDefinition.requiredKeys where key != "configuration" && key != "actions" {
            strings[key] = string(o, key, "$", required: true)
        }
        if let id = strings["appid"], !id.isEmpty, !AppChecker.isAppId(id) {
            problem("$.appid", "must be a UUID or a lower-case identifier of letters, digits and '_', found '\(id)'")
        }
        if let r = strings["product_version_regex"], (try? Regex(r)) == nil {
            problem("$.product_version_regex", "is not a valid regular expression")
        }
        let minVersion = string(o, "min_phantom_version", "$", required: false)
        let logo = string(o, "logo", "$", required: false)

        var configuration: [ConfigurationVariable] = []
        if let c = o["configuration"] {
            if let co = object(c, "$.configuration") {
                for m in co { if let v = variable(m.key, m.value, "$.configuration.\(m.key)") { configuration.append(v) } }
            }
        } else {
            problem("$", "missing required key 'configuration' (use {} when the app needs none)")
        }
        var actions: [AppAction] = []
        var indices: [Int] = []
        if let a = o["actions"] {
            if case .array(let list) = a {
                if list.isEmpty { problem("$.actions", "must list at least one action") }
                for (i, e) in list.enumerated() {
                    if let act = action(e, "$.actions[\(i)]") {
                        actions.append(act)
                        indices.append(i)
                    }
                }
            } else {
                problem("$.actions", "must be an array, found \(a.typeName)")
            }
        } else {
            problem("$", "missing required key 'actions'")
        }
        var seen: [String: Int] = [:]
        for (a, i) in zip(actions, indices) {
            if let first = seen[a.identifier] {
                problem("$.actions[\(i)].identifier", "'\(a.identifier)' is already the identifier of $.actions[\(first)]")
            } else {
                seen[a.identifier] = i
            }
        }
        return AppDefinition(appid: strings["appid"] ?? "", name: strings["name"] ?? "", description: strings["description"] ?? "",
                             type: strings["type"] ?? "", productVendor: strings["product_vendor"] ?? "",
                             productName: strings["product_name"] ?? "",
                             productVersionRegex: strings["product_version_regex"] ?? "", publisher: strings["publisher"] ?? "",
                             license: strings["license"] ?? "", appVersion: strings["app_version"] ?? "",
                             minPhantomVersion: minVersion, logo: logo,
                             configuration: AppChecker.ordered(configuration, \.order), actions: actions)
    }

    static func isAppId(_ s: String) -> Bool {
        s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") } && !s.isEmpty
    }

    static func ordered<T>(_ items: [T], _ order: KeyPath<T, Int?>) -> [T] {
        items.enumerated().sorted { a, b in
            (a.element[keyPath: order] ?? Int.max, a.offset) < (b.element[keyPath: order] ?? Int.max, b.offset)
        }.map(\.element)
    }

    mutating func dataType(_ o: JSONObject, _ path: String) -> AppDataType? {
        guard let s = string(o, "data_type", path, required: true) else { return nil }
        guard let t = AppDataType(rawValue: s) else {
            let hint = closestMatch(s, in: AppDataType.allCases.map(\.rawValue)).map { " (did you mean '\($0)'?)" } ?? ""
            problem("\(path).data_type", "'\(s)' is not one of string, password, numeric, boolean, ph, object\(hint)")
            return nil
        }
        return t
    }

    mutating func valueList(_ o: JSONObject, _ path: String) -> [String]? {
        guard let v = o["value_list"] else { return nil }
        guard case .array(let a) = v, !a.isEmpty else {
            problem("\(path).value_list", "must be a non-empty array of values"); return nil
        }
        var out: [String] = []
        for (i, e) in a.enumerated() {
            switch e {
            case .string(let s): out.append(s)
            case .int, .double, .bigInt, .bool: out.append(e.textValue)
            default: problem("\(path).value_list[\(i)]", "must be a string or number, found \(e.typeName)")
            }
        }
        return out
    }

    mutating func order(_ o: JSONObject, _ path: String) -> Int? {
        guard let v = o["order"] else { return nil }
        guard let i = v.intValue, i >= 0 else { problem("\(path).order", "must be a whole number from 0, found \(v.textValue)"); return nil }
        return Int(i)
    }

    /// Checks a default against its type and value list.
    mutating func checkDefault(_ d: JSONValue?, type: AppDataType?, valueList: [String]?, _ path: String) {
        guard let d, let type else { return }
        if let problem = AppValueCheck.check(d, type: type, valueList: valueList) {
            self.problem("\(path).default", problem)
        }
    }

    mutating func variable(_ name: String, _ value: JSONValue, _ path: String) -> ConfigurationVariable? {
        guard let o = object(value, path) else { return nil }
        unknownKeys(o, AppDefinition.variableKeys, path)
        let type = dataType(o, path)
        let description = type == .ph ? (string(o, "description", path, required: false) ?? "")
            : (string(o, "description", path, required: true) ?? "")
        let required = bool(o, "required", path) ?? false
        let list = valueList(o, path)
        let ord = order(o, path)
        checkDefault(o["default"], type: type, valueList: list, path)
        if required && type == .ph { problem("\(path).required", "a ph placeholder cannot be required") }
        guard let type else { return nil }
        return ConfigurationVariable(name: name, dataType: type, description: description, required: required, valueList: list,
                                     defaultValue: o["default"], order: ord)
    }

    mutating func action(_ value: JSONValue, _ path: String) -> AppAction? {
        guard let o = object(value, path) else { return nil }
        unknownKeys(o, AppDefinition.actionKeys, path)
        let name = string(o, "action", path, required: true)
        let identifier = string(o, "identifier", path, required: true)
        if let identifier, !identifier.isEmpty {
            if identifier.count <= 5 {
                problem("\(path).identifier", "must be longer than 5 characters, found '\(identifier)'")
            } else if !identifier.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) {
                problem("\(path).identifier", "may contain only letters, digits and '_', found '\(identifier)'")
            }
        }
        let description = string(o, "description", path, required: true) ?? ""
        var kind: AppAction.Kind?
        if let t = string(o, "type", path, required: true) {
            kind = AppAction.Kind(rawValue: t)
            if kind == nil {
                problem("\(path).type", "'\(t)' is not one of contain, correct, generic, investigate, test, ingest")
            }
        }
        let readOnly = bool(o, "read_only", path, required: true) ?? true
        var versions = VersionExpression.any
        if let v = o["versions"] {
            if let s = v.stringValue, let e = VersionExpression(parsing: s) {
                versions = e
            } else {
                problem("\(path).versions", "'\(v.textValue)' is not EQ(pattern), NEQ(pattern), IN(p1, p2, …) or NIN(p1, p2, …)")
            }
        }
        var parameters: [ActionParameter] = []
        if let p = o["parameters"] {
            if let po = object(p, "\(path).parameters") {
                for m in po { if let ap = parameter(m.key, m.value, "\(path).parameters.\(m.key)") { parameters.append(ap) } }
            }
        } else {
            problem(path, "missing required key 'parameters' (use {} when the action takes none)")
        }
        if let out = o["output"] { output(out, "\(path).output") }
        if let r = o["render"] { render(r, "\(path).render") }
        let lock = self.lock(o["lock"], parameters: parameters, "\(path).lock")
        guard let name, let identifier, let kind else { return nil }
        return AppAction(action: name, identifier: identifier, description: description, type: kind, readOnly: readOnly,
                         versions: versions, parameters: AppChecker.ordered(parameters, \.order), lock: lock)
    }

    mutating func parameter(_ name: String, _ value: JSONValue, _ path: String) -> ActionParameter? {
        guard let o = object(value, path) else { return nil }
        unknownKeys(o, AppDefinition.parameterKeys, path)
        let type = dataType(o, path)
        let description = string(o, "description", path, required: type != .ph) ?? ""
        var contains: [String] = []
        if let c = o["contains"] {
            if case .array(let a) = c, a.allSatisfy({ $0.stringValue != nil }) {
                contains = a.compactMap(\.stringValue)
            } else {
                problem("\(path).contains", "must be an array of strings")
            }
        }
        let list = valueList(o, path)
        checkDefault(o["default"], type: type, valueList: list, path)
        let p = ActionParameter(name: name, dataType: type ?? .string, description: description, contains: contains,
                                required: bool(o, "required", path) ?? false, primary: bool(o, "primary", path) ?? false,
                                valueList: list, defaultValue: o["default"], order: order(o, path),
                                allowList: bool(o, "allow_list", path) ?? false)
        return type == nil ? nil : p
    }

    mutating func lock(_ value: JSONValue?, parameters: [ActionParameter], _ path: String) -> ActionLock {
        guard let o = object(value, path) else { return ActionLock() }
        unknownKeys(o, ["enabled", "data_path", "timeout"], path)
        let enabled = bool(o, "enabled", path, required: true) ?? true
        let dataPath = string(o, "data_path", path, required: false)
        if let d = dataPath, d.hasPrefix("parameters.") {
            let key = String(d.dropFirst("parameters.".count))
            if !parameters.contains(where: { $0.name == key }) {
                problem("\(path).data_path", "names parameter '\(key)', which the action does not have")
            }
        }
        var timeout: Double?
        if let t = o["timeout"] {
            if let d = t.doubleValue, d > 0 { timeout = d } else { problem("\(path).timeout", "must be a positive number of seconds") }
        }
        return ActionLock(enabled: enabled, dataPath: dataPath, timeout: timeout)
    }

    /// `output`: an array of `{data_path, data_type, contains, column_name, column_order, example_values, map_info}`.
    mutating func output(_ value: JSONValue, _ path: String) {
        guard case .array(let entries) = value else {
            problem(path, "must be an array, found \(value.typeName)")
            return
        }
        for (i, e) in entries.enumerated() {
            let p = "\(path)[\(i)]"
            guard let o = object(e, p) else { continue }
            unknownKeys(o, ["data_path", "data_type", "contains", "column_name", "column_order", "example_values", "map_info"], p)
            _ = string(o, "data_type", p, required: true)
            _ = string(o, "data_path", p, required: false)
            _ = string(o, "column_name", p, required: false)
            if let c = o["contains"], !(c.arrayValue?.allSatisfy { $0.stringValue != nil } ?? false) {
                problem("\(p).contains", "must be an array of strings")
            }
            if let c = o["column_order"], (c.intValue ?? -1) < 0 { problem("\(p).column_order", "must be a whole number from 0") }
            if let x = o["example_values"], x.arrayValue == nil { problem("\(p).example_values", "must be an array") }
        }
    }

    /// `render`: `type` is required; `width` (1–12 columns), `height` (0–10 rows), `title`, `view`, `menu_name` when present.
    mutating func render(_ value: JSONValue, _ path: String) {
        guard let o = object(value, path) else { return }
        unknownKeys(o, ["type", "width", "height", "view", "title", "menu_name"], path)
        _ = string(o, "type", path, required: true)
        if let w = o["width"], !(1...12).contains(w.intValue ?? 0) { problem("\(path).width", "must be a whole number from 1 to 12") }
        if let h = o["height"], !(0...10).contains(h.intValue ?? -1) { problem("\(path).height", "must be a whole number from 0 to 10") }
        for key in ["title", "view", "menu_name"] { _ = string(o, key, path, required: false) }
        if o["type"]?.stringValue == "custom" && o["view"] == nil { problem(path, "a custom render needs a 'view'") }
    }
}
