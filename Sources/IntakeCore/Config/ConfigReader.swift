/// Typed, located reads from a ``YAMLDocument``: each accessor either returns a value of the right
/// type or throws an error naming the file, line, column and key.
public struct ConfigReader: Sendable {
    public let document: YAMLDocument
    public let path: String
    public let object: JSONObject

    /// A reader over the object at `path`; throws if the value there is not an object.
    public init(_ document: YAMLDocument, path: String = "") throws(IntakeError) {
        self.document = document
        self.path = path
        let value = document.root.value(atPath: path)
        switch value {
        case .object(let o)?: object = o
        case .null?, nil: object = [:]
        case let other?:
            throw IntakeError(.configuration, "\(path.isEmpty ? "the document" : "'\(path)'") must be a mapping, not \(other.typeName)",
                              at: document.location(path))
        }
    }


    func childPath(_ key: String) -> String { YAMLDocument.child(path, key) }

    public func location(_ key: String) -> String { document.location(childPath(key)) }

    func fail(_ key: String, _ message: String) -> IntakeError {
        IntakeError(.configuration, "\(childPath(key)): \(message)", at: location(key))
    }

    /// Rejects keys not in `allowed`, pointing at the first unknown one.
    public func checkKeys(_ allowed: [String]) throws(IntakeError) {
        for m in object.members where !allowed.contains(m.key) {
            let hint = closestMatch(m.key, in: allowed).map { "did you mean '\($0)'?" }
                ?? "known keys: \(allowed.joined(separator: ", "))"
            throw IntakeError(.configuration, "unknown key '\(childPath(m.key))'", at: document.keyLocation(childPath(m.key)), hint: hint)
        }
    }

    public func has(_ key: String) -> Bool { object[key].map { !$0.isNull } ?? false }

    public func value(_ key: String) -> JSONValue? {
        guard let v = object[key], !v.isNull else { return nil }
        return v
    }

    public func string(_ key: String) throws(IntakeError) -> String? {
        guard let v = value(key) else { return nil }
        switch v {
        case .string(let s): return s
        case .int, .double, .bigInt, .bool: return v.textValue
        default: throw fail(key, "expected text, found \(v.typeName)")
        }
    }

    public func requiredString(_ key: String) throws(IntakeError) -> String {
        guard let s = try string(key), !s.trimmingSpaces.isEmpty else {
            throw IntakeError(.configuration, "missing required key '\(childPath(key))'", at: document.location(path))
        }
        return s
    }

    public func int(_ key: String, min: Int64? = nil) throws(IntakeError) -> Int64? {
        guard let v = value(key) else { return nil }
        guard let i = v.intValue ?? (v.stringValue.flatMap { Int64($0) }) else {
            throw fail(key, "expected a whole number, found \(v.typeName) \(v.textValue)")
        }
        if let min, i < min { throw fail(key, "must be at least \(min), found \(i)") }
        return i
    }

    public func bool(_ key: String) throws(IntakeError) -> Bool? {
        guard let v = value(key) else { return nil }
        if let b = v.boolValue { return b }
        if let s = v.stringValue?.lowercased() {
            if ["true", "yes", "on", "1"].contains(s) { return true }
            if ["false", "no", "off", "0"].contains(s) { return false }
        }
        throw fail(key, "expected true or false, found \(v.textValue)")
    }

    public func duration(_ key: String) throws(IntakeError) -> IntakeDuration? {
        guard let v = value(key) else { return nil }
        if let d = IntakeDuration(parsing: v.textValue), d.microseconds >= 0 { return d }
        throw fail(key, "expected a duration such as 90s, 5m, 1h30m or 10d, found '\(v.textValue)'")
    }

    public func object(_ key: String) throws(IntakeError) -> JSONObject? {
        guard let v = value(key) else { return nil }
        guard case .object(let o) = v else { throw fail(key, "expected a mapping, found \(v.typeName)") }
        return o
    }

    public func child(_ key: String) throws(IntakeError) -> ConfigReader {
        try ConfigReader(document, path: childPath(key))
    }
}

/// The known name closest to `name` when it is a likely typo (at most 2 edits away), for "did you mean" hints.
public func closestMatch(_ name: String, in known: [String]) -> String? {
    guard let best = known.min(by: { editDistance($0, name) < editDistance($1, name) }), editDistance(best, name) <= 2 else {
        return nil
    }
    return best
}

/// Levenshtein distance, for "did you mean" hints.
public func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var prev = Array(0...b.count)
    var cur = prev
    for i in 1...a.count {
        cur[0] = i
        for j in 1...b.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&prev, &cur)
    }
    return prev[b.count]
}
