import IntakeCore

/// What `intake map` prints: the JSON of SPEC §10 (containers with their artifacts, quarantine),
/// a summary, and with stored ids each part's outcome (new, or duplicate with the stored id);
/// or the same as readable text.
public struct MapReport: Sendable {
    let batch: MappedBatch
    let unreadable: [JSONValue]
    let lookups: StoredIDs?

    /// `unreadable` are quarantine entries for input lines that were not JSON.
    public init(batch: MappedBatch, unreadable: [JSONValue] = [], stored: StoredIDs? = nil) {
        self.batch = batch
        self.unreadable = unreadable
        self.lookups = stored
    }

    /// Outcome of one container or artifact against the store.
    enum Outcome: Sendable {
        case new
        case stored(Int64)
        case earlierInBatch

        public var json: JSONValue {
            switch self {
            case .new: return ["outcome": "new"]
            case .stored(let id): return ["outcome": "duplicate", "id": .int(id)]
            case .earlierInBatch: return ["outcome": "duplicate", "of": "an earlier record of this input"]
            }
        }

        public var text: String {
            switch self {
            case .new: return "new"
            case .stored(let id): return "duplicate of #\(id)"
            case .earlierInBatch: return "duplicate of an earlier record"
            }
        }
    }

    /// Outcomes per group (container, artifacts), when compared with a store.
    var outcomes: [(Outcome, [Outcome])]? {
        guard let lookups else { return nil }
        return batch.groups.enumerated().map { gi, g in
            let c: Outcome = lookups.containers[gi].map(Outcome.stored) ?? .new
            var seen = Set<String>()
            let arts: [Outcome] = g.artifacts.enumerated().map { ai, a in
                if let id = lookups.artifacts[gi][ai] { return .stored(id) }
                // Artifacts without a source data identifier are never deduplicated (seed 004).
                guard a.sourceDataIdentifier != nil else { return .new }
                return seen.insert(a.hash).inserted ? .new : .earlierInBatch
            }
            return (c, arts)
        }
    }

    public var summary: JSONObject {
        var s: JSONObject = ["records": .int(Int64(batch.groups.reduce(0) { $0 + $1.records.count } + batch.quarantine.count
                                                     + unreadable.count)),
                             "containers": .int(Int64(batch.groups.count)),
                             "artifacts": .int(Int64(batch.groups.reduce(0) { $0 + $1.artifacts.count })),
                             "quarantined": .int(Int64(batch.quarantine.count + unreadable.count))]
        if let outcomes {
            func isNew(_ o: Outcome) -> Bool { if case .new = o { return true } else { return false } }
            s["containers_new"] = .int(Int64(outcomes.filter { isNew($0.0) }.count))
            s["containers_duplicate"] = .int(Int64(outcomes.filter { !isNew($0.0) }.count))
            let arts = outcomes.flatMap(\.1)
            s["artifacts_new"] = .int(Int64(arts.filter(isNew).count))
            s["artifacts_duplicate"] = .int(Int64(arts.filter { !isNew($0) }.count))
        }
        return s
    }

    public var json: JSONValue {
        let outcomes = self.outcomes
        var containers: [JSONValue] = []
        for (gi, g) in batch.groups.enumerated() {
            var o = g.container.json
            var arts: [JSONValue] = []
            for (ai, a) in g.artifacts.enumerated() {
                var ao = a.json
                if let outcomes { ao["store"] = outcomes[gi].1[ai].json }
                arts.append(.object(ao))
            }
            o["artifacts"] = .array(arts)
            if let outcomes { o["store"] = outcomes[gi].0.json }
            containers.append(.object(o))
        }
        let quarantine: [JSONValue] = unreadable + batch.quarantine.map {
            ["record": $0.record, "error": .string($0.error.description), "index": .int(Int64($0.index))]
        }
        return ["containers": .array(containers), "quarantine": .array(quarantine), "summary": .object(summary)]
    }

    public var text: String {
        let outcomes = self.outcomes
        var out = ""
        for (gi, g) in batch.groups.enumerated() {
            let c = g.container
            let mark = outcomes.map { " [\($0[gi].0.text)]" } ?? ""
            out += "container \(c.label)/\(c.sourceDataIdentifier)\(mark): \(c.name)\n"
            out += "  severity \(c.severity), status \(c.status), sensitivity \(c.sensitivity)"
            if let t = c.startTime { out += ", start \(t.iso8601)" }
            if !c.tags.isEmpty { out += ", tags \(c.tags.joined(separator: ", "))" }
            out += "\n"
            for (ai, a) in g.artifacts.enumerated() {
                let amark = outcomes.map { " [\($0[gi].1[ai].text)]" } ?? ""
                out += "  artifact \(a.label): \(a.name)\(amark)\n"
                for m in a.cef.members { out += "    \(m.key): \(m.value.textValue)\n" }
            }
        }
        for u in unreadable { out += "quarantine: \(u["error"]?.textValue ?? "")\n" }
        for q in batch.quarantine { out += "quarantine: record \(q.index + 1): \(q.error.description)\n" }
        let s = summary
        out += s.members.map { "\($0.key) \($0.value.textValue)" }.joined(separator: ", ") + "\n"
        return out
    }
}
