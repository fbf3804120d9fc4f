import IntakeCore

/// A set of records mapped together, as `intake map` shows them: records that land in the same
/// container (same label and source data identifier) are merged under it, in first-seen order,
/// and records that fail are set aside with their error while the rest go on.
public struct MappedBatch: Sendable {
    /// One container and every artifact the batch's records gave it.
    public struct Group: Sendable {
        public var container: ContainerDraft
        public var artifacts: [ArtifactDraft]
        /// Positions (0-based) of the records that mapped into this container.
        public var records: [Int]
    }

    /// A record that could not be mapped.
    public struct Failure: Sendable {
        public var index: Int
        public var record: JSONValue
        public var error: MappingFailure
    }

    public var groups: [Group] = []
    public var quarantine: [Failure] = []

    /// Maps every record; never throws: failures are collected in ``quarantine``.
    public init(mapping: Mapping, records: [JSONValue], context: MappingContext) {
        var byKey: [String: Int] = [:]
        var groups: [Group] = []
        var quarantine: [Failure] = []
        mapping.apply(records, context: context) { i, outcome in
            switch consume outcome {
            case .success(let r):
                let key = r.container.label + "\u{1F}" + r.container.sourceDataIdentifier
                if let g = byKey[key] {
                    groups[g].artifacts.append(contentsOf: r.artifacts)
                    groups[g].records.append(i)
                } else {
                    byKey[key] = groups.count
                    groups.append(Group(container: r.container, artifacts: r.artifacts, records: [i]))
                }
            case .failure(let error):
                quarantine.append(Failure(index: i, record: records[i], error: error))
            }
        }
        self.groups = groups
        self.quarantine = quarantine
    }
}
