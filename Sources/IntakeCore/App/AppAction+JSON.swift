extension AppAction {
    /// The action as SOAR-format app JSON.
    public var json: JSONValue {
        var params = JSONObject()
        for p in parameters {
            var e: JSONObject = ["description": .string(p.description), "data_type": .string(p.dataType.rawValue)]
            if !p.contains.isEmpty { e.append("contains", .array(p.contains.map(JSONValue.string))) }
            if p.required { e.append("required", true) }
            if p.primary { e.append("primary", true) }
            if let l = p.valueList { e.append("value_list", .array(l.map(JSONValue.string))) }
            if let d = p.defaultValue { e.append("default", d) }
            if let order = p.order { e.append("order", .int(Int64(order))) }
            if p.allowList { e.append("allow_list", true) }
            params.append(p.name, .object(e))
        }
        var o: JSONObject = ["action": .string(action), "identifier": .string(identifier), "description": .string(description),
                             "type": .string(type.rawValue), "read_only": .bool(readOnly), "versions": .string(versions.description),
                             "parameters": .object(params), "output": []]
        if lock != ActionLock() {
            var l: JSONObject = ["enabled": .bool(lock.enabled)]
            if let p = lock.dataPath { l.append("data_path", .string(p)) }
            if let t = lock.timeout { l.append("timeout", .double(t)) }
            o.append("lock", .object(l))
        }
        return .object(o)
    }
}
