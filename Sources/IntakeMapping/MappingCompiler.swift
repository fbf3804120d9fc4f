import IntakeCore

/// Compiles a mapping document into a ``Mapping``, collecting every error with its position.
struct MappingCompiler {
    let doc: YAMLDocument
    var diagnostics: [MappingDiagnostic] = []
    /// The record's top-level names the mapping's paths start with, by slot (see ``Path/rootSlot``).
    var rootNames: [String] = []
    var rootSlots: [String: Int32] = [:]
    /// The objects below those names whose members the paths name next, by group: the top-level
    /// name's slot and the names (see ``Path/nestedSlot``).
    var nestedGroups: [(rootSlot: Int32, names: [String])] = []

    init(_ doc: YAMLDocument) { self.doc = doc }

    /// Records an error at `path`; `columnOffset` points inside the scalar's text (0 is its first character).
    mutating func error(_ path: String, _ message: String, columnOffset: Int? = nil, key: Bool = false) {
        var location = key ? doc.keyLocation(path) : doc.location(path)
        if let columnOffset, !key, let pos = doc.positions[path] {
            location = "\(doc.file):\(pos.line):\(pos.column + columnOffset + (pos.quoted ? 1 : 0))"
        }
        diagnostics.append(MappingDiagnostic(location: location, message: message))
    }

    mutating func warning(_ path: String, _ message: String) {
        diagnostics.append(MappingDiagnostic(location: doc.keyLocation(path), message: message, severity: .warning))
    }

    func child(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    mutating func checkKeys(_ object: JSONObject, _ path: String, _ allowed: [String]) {
        for m in object.members where !allowed.contains(m.key) {
            // The closest known key when one is close; else all of them.
            let hint = closestMatch(m.key, in: allowed).map { "; did you mean '\($0)'?" } ?? "; known: \(allowed.joined(separator: ", "))"
            error(child(path, m.key), "unknown key '\(m.key)'\(hint)", key: true)
        }
    }

    /// A template for any value: scalars with `{{ }}`, lists, objects and value maps.
    mutating func template(_ value: JSONValue, _ path: String) -> Template {
        switch value {
        case .string(let s): return stringTemplate(s, path)
        case .array(let items):
            return .array(items.enumerated().map { template($0.element, "\(path)[\($0.offset)]") })
        case .object(let o):
            if o["value"] != nil {
                let keys = ["value", "map", "default"]
                let extra = o.members.filter { !keys.contains($0.key) }
                if extra.isEmpty { return valueMap(o, path) }
                // `{ value, mapp: … }` is a value map with a typo, not an object that happens to have a `value`.
                if o["map"] != nil || o["default"] != nil || extra.contains(where: { closestMatch($0.key, in: ["map", "default"]) != nil }) {
                    checkKeys(o, path, keys)
                    return valueMap(o, path)
                }
            }
            let members = o.members.map { ($0.key, template($0.value, child(path, $0.key))) }
            if members.allSatisfy({ $0.1.isConstant }) { return .constant(value) }
            return .object(members)
        default:
            return .constant(value)
        }
    }

    mutating func valueMap(_ o: JSONObject, _ path: String) -> Template {
        let value = template(o["value"] ?? .null, child(path, "value"))
        var map = JSONObject()
        if let m = o["map"] {
            if case .object(let mo) = m { map = mo } else { error(child(path, "map"), "'map' must be a mapping of source value to value") }
        }
        let fallback = o["default"].map { template($0, child(path, "default")) }
        return .valueMap(value: value, map: map, fallback: fallback)
    }

    /// Splits text into literal parts and `{{ expr }}` parts; one lone expression keeps its type.
    mutating func stringTemplate(_ s: String, _ path: String) -> Template {
        guard s.contains("{{") || s.contains("}}") else { return .constant(.string(s)) }
        let location = doc.location(path)
        var parts: [Template.Part] = []
        let chars = Array(s)
        var i = 0
        var text = ""
        var failed = false
        while i < chars.count {
            if chars[i] == "{" && i + 1 < chars.count && chars[i + 1] == "{" {
                let open = i
                var j = i + 2
                var close = -1
                while j + 1 < chars.count {
                    if chars[j] == "}" && chars[j + 1] == "}" { close = j; break }
                    j += 1
                }
                if close < 0 {
                    error(path, "unclosed '{{' (expected '}}')", columnOffset: open)
                    failed = true
                    break
                }
                if !text.isEmpty { parts.append(.text(text)); text = "" }
                let inner = String(chars[(open + 2)..<close])
                do {
                    var e = try ExpressionParser.parse(inner.trimmingSpaces)
                    indexRoots(&e)
                    parts.append(.expression(e))
                } catch {
                    let lead = inner.prefix { $0 == " " }.count
                    self.error(path, "\(error.message) in {{\(inner)}}", columnOffset: open + 2 + lead + error.offset)
                    failed = true
                }
                i = close + 2
            } else {
                text.append(chars[i])
                i += 1
            }
        }
        if !text.isEmpty { parts.append(.text(text)) }
        if failed { return .constant(.null) }
        if parts.count == 1, case .expression(let e) = parts[0] { return .single(e, location: location) }
        return .interpolated(parts, location: location)
    }

    /// Gives each path of `e` that starts with a top-level name of the record that name's slot, so
    /// that applying the mapping finds all of them in one pass over the record (``MemberIndex``).
    mutating func indexRoots(_ e: inout Expression) {
        func index(_ p: inout Path) {
            guard p.root == .raw, p.steps != nil, case .key(let name)? = p.segments.first, MemberIndex.accepts(name) else { return }
            if let slot = rootSlots[name] {
                p.rootSlot = slot
            } else {
                let slot = Int32(rootNames.count)
                rootNames.append(name)
                rootSlots[name] = slot
                p.rootSlot = slot
            }
            // The second name, indexed in the first one's object with the other paths' second names.
            guard p.segments.count >= 2, case .key(let second) = p.segments[1], MemberIndex.accepts(second) else { return }
            let group: Int
            if let g = nestedGroups.firstIndex(where: { $0.rootSlot == p.rootSlot }) {
                group = g
            } else {
                guard nestedGroups.count < NestedMemberIndex.maxGroups else { return }
                group = nestedGroups.count
                nestedGroups.append((p.rootSlot, []))
            }
            var local = nestedGroups[group].names.firstIndex(of: second)
            if local == nil, nestedGroups[group].names.count < NestedMemberIndex.stride {
                nestedGroups[group].names.append(second)
                local = nestedGroups[group].names.count - 1
            }
            if let local { p.nestedSlot = Int32(group * NestedMemberIndex.stride + local) }
        }
        index(&e.path)
        for i in e.filters.indices {
            if case .defaultPath(var p) = e.filters[i] {
                index(&p)
                e.filters[i] = .defaultPath(p)
            }
        }
    }

    /// Compiles the document; nil when it has errors. Either way ``diagnostics`` ends in file
    /// order (the fields are compiled in an order of their own: an artifact's `start_time` before its `cef`).
    mutating func compile() -> Mapping? {
        guard case .object(let root) = doc.root else {
            error("", "a mapping file must be a YAML or JSON object with 'container' and 'artifacts'")
            return nil
        }
        checkKeys(root, "", ["version", "container", "artifacts"])
        if let v = root["version"], v.intValue != 1 {
            error("version", "unsupported mapping version \(v.textValue); this Intake reads version 1")
        }
        var container = ContainerRule()
        if let c = root["container"] {
            if case .object(let co) = c {
                container = containerRule(co)
            } else {
                error("container", "'container' must be a mapping of container fields")
            }
        }
        var artifacts: [ArtifactRule] = []
        if let a = root["artifacts"] {
            if case .array(let items) = a {
                for (i, item) in items.enumerated() {
                    let p = "artifacts[\(i)]"
                    guard case .object(let ao) = item else {
                        error(p, "each artifact must be a mapping of artifact fields")
                        continue
                    }
                    artifacts.append(artifactRule(ao, p, index: i))
                }
            } else {
                error("artifacts", "'artifacts' must be a list of artifact rules")
            }
        }
        diagnostics = MappingDiagnostic.inFileOrder(diagnostics)
        if diagnostics.contains(where: { $0.severity == .error }) { return nil }
        return Mapping(file: doc.file, container: container, artifacts: artifacts, roots: MemberIndex(names: rootNames),
                       nested: NestedMemberIndex(groups: nestedGroups.map { ($0.rootSlot, MemberIndex(names: $0.names)) }),
                       warnings: diagnostics.filter { $0.severity == .warning })
    }

    static let containerKeys = ["group_by", "name", "label", "source_data_identifier", "description", "severity", "sensitivity",
                                "status", "start_time", "end_time", "due_time", "kill_chain", "owner", "tags", "data",
                                "custom_fields"]

    /// The template of an optional field of a rule object.
    mutating func field(_ o: JSONObject, _ path: String, _ key: String) -> Template? {
        o[key].map { template($0, "\(path).\(key)") }
    }

    mutating func containerRule(_ o: JSONObject) -> ContainerRule {
        let p = "container"
        checkKeys(o, p, MappingCompiler.containerKeys)
        var r = ContainerRule()
        r.groupBy = field(o, p, "group_by")
        r.name = field(o, p, "name")
        r.label = field(o, p, "label")
        r.sourceDataIdentifier = field(o, p, "source_data_identifier")
        r.description = field(o, p, "description")
        r.severity = field(o, p, "severity")
        r.sensitivity = field(o, p, "sensitivity")
        r.status = field(o, p, "status")
        r.startTime = field(o, p, "start_time")
        r.endTime = field(o, p, "end_time")
        r.dueTime = field(o, p, "due_time")
        r.killChain = field(o, p, "kill_chain")
        r.owner = field(o, p, "owner")
        r.tags = field(o, p, "tags")
        r.data = field(o, p, "data")
        r.customFields = field(o, p, "custom_fields")
        if case .constant(.string(let v))? = r.sensitivity, !Sensitivity.all.contains(v.lowercased()) {
            error("\(p).sensitivity", "sensitivity '\(v)' is not one of \(Sensitivity.all.joined(separator: ", "))")
        }
        checkSeverity(r.severity, "\(p).severity")
        for (key, t) in [("group_by", r.groupBy), ("label", r.label), ("source_data_identifier", r.sourceDataIdentifier)] {
            warnIfReadsNow(t, "\(p).\(key)", "the container's identity changes on every poll: a record polled again makes a new container")
        }
        if let cf = o["custom_fields"], cf.objectValue == nil {
            error("\(p).custom_fields", "'custom_fields' must be a mapping of field names to values")
        }
        r.locations = Dictionary(uniqueKeysWithValues: o.members.map { ($0.key, doc.location("container.\($0.key)")) })
        return r
    }

    static let artifactKeys = ["name", "label", "type", "severity", "source_data_identifier", "start_time", "end_time",
                               "kill_chain", "description", "tags", "cef", "cef_types", "when", "for_each", "keep_empty"]

    mutating func artifactRule(_ o: JSONObject, _ path: String, index: Int) -> ArtifactRule {
        checkKeys(o, path, MappingCompiler.artifactKeys)
        var r = ArtifactRule(index: index)
        r.name = field(o, path, "name")
        r.label = field(o, path, "label")
        r.type = field(o, path, "type")
        r.severity = field(o, path, "severity")
        r.sourceDataIdentifier = field(o, path, "source_data_identifier")
        r.startTime = field(o, path, "start_time")
        r.endTime = field(o, path, "end_time")
        r.killChain = field(o, path, "kill_chain")
        r.description = field(o, path, "description")
        r.tags = field(o, path, "tags")
        checkSeverity(r.severity, "\(path).severity")
        r.when = field(o, path, "when")
        r.forEach = field(o, path, "for_each")
        if let k = o["keep_empty"] {
            if case .bool(let b) = k { r.keepEmpty = b } else { error("\(path).keep_empty", "keep_empty must be true or false") }
        }
        var cefTypes = JSONObject()
        if let ct = o["cef_types"] {
            if case .object(let cto) = ct {
                for m in cto.members {
                    let key = CEFCatalogue.normalise(m.key)
                    switch m.value {
                    case .array(let a) where a.allSatisfy({ $0.stringValue != nil }): cefTypes.append(key, m.value)
                    case .string(let s): cefTypes.append(key, .array([.string(s)]))
                    default: error("\(path).cef_types.\(m.key)", "cef_types values must be lists of contains types, e.g. [ip]")
                    }
                }
            } else {
                error("\(path).cef_types", "'cef_types' must map CEF keys to lists of contains types")
            }
        }
        r.cefTypes = cefTypes
        if let cef = o["cef"] {
            if case .object(let co) = cef {
                var seen: [String: String] = [:]
                for m in co.members {
                    let key = CEFCatalogue.normalise(m.key)
                    let p = "\(path).cef.\(m.key)"
                    if let first = seen[key] {
                        error(p, "CEF key '\(m.key)' is the same field as '\(first)' (\(key))", key: true)
                        // Its value is still compiled, for its own errors.
                        _ = template(m.value, p)
                        continue
                    }
                    seen[key] = m.key
                    let t = template(m.value, p)
                    warnIfReadsNow(t, p, MappingCompiler.nowInHash)
                    r.cef.append((key, t))
                    if !CEFCatalogue.isKnown(key) && cefTypes[key] == nil {
                        warning(p, "custom CEF key '\(m.key)' has no cef_types; declare its contains types so actions can use it")
                    }
                }
            } else {
                error("\(path).cef", "'cef' must map CEF keys to values")
            }
        }
        // Every field but `when` and `for_each` goes into the artifact's hash (the `cef` values are checked above).
        for (key, t) in [("name", r.name), ("label", r.label), ("type", r.type), ("severity", r.severity),
                         ("source_data_identifier", r.sourceDataIdentifier), ("start_time", r.startTime), ("end_time", r.endTime),
                         ("kill_chain", r.killChain), ("description", r.description), ("tags", r.tags)] {
            warnIfReadsNow(t, "\(path).\(key)", MappingCompiler.nowInHash)
        }
        for m in cefTypes.members where !r.cef.contains(where: { $0.0 == m.key }) {
            warning("\(path).cef_types.\(m.key)", "cef_types names '\(m.key)', which this artifact's cef does not set")
        }
        r.location = doc.location(path)
        return r
    }

    static let nowInHash = "the artifact's hash changes on every poll: a record polled again is stored again instead of being a duplicate"

    /// `$now` is the poll's time: in a field that identifies a container or goes into an
    /// artifact's hash, the same record maps differently on every poll, so deduplication never
    /// finds it. Allowed (it may be meant), but a warning.
    mutating func warnIfReadsNow(_ t: Template?, _ path: String, _ consequence: String) {
        guard let t, t.readsNow else { return }
        warning(path, "'$now' here means \(consequence)")
    }

    /// A constant severity that is none of SOAR's names is almost always a typo; the asset may
    /// still define it, so it is a warning, not an error.
    mutating func checkSeverity(_ t: Template?, _ path: String) {
        if case .constant(.string(let v))? = t, Severity.normalise(v) == nil {
            warning(path, "severity '\(v)' is not low, medium or high; it is kept only if the asset defines it, else medium")
        }
    }
}
