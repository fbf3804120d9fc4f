import IntakeCore

/// One page of mapped records to save, with what the checkpoint becomes once it is saved.
public struct PageWrite: Sendable {
    /// One record's share of the page: its container and artifacts.
    public struct Entry: Sendable {
        public let container: ContainerDraft
        public let artifacts: [ArtifactDraft]
        /// The JSON text of the artifacts' `cef` and `data` columns, when written ahead (see
        /// ``init(container:artifacts:encodeAhead:)``); nil leaves the encoding to the save.
        let columns: [ArtifactColumns]?

        /// `encodeAhead` writes the JSON text the store will save for each artifact now, on the
        /// caller's thread: the mapping stage runs on several cores while one thread writes to the
        /// store, so text encoded here is text the store's writer does not have to. Worth it when
        /// the artifacts are likely new; for duplicates the save never needs it.
        public init(container: ContainerDraft, artifacts: [ArtifactDraft], encodeAhead: Bool = false) {
            self.container = container
            self.artifacts = artifacts
            guard encodeAhead else {
                columns = nil
                return
            }
            // Artifacts of one record usually share the record as their data: encode it once.
            var lastData: (value: JSONValue, text: String)?
            columns = artifacts.map { a in
                let data: String
                if let last = lastData, last.value.sharesStorage(with: a.data) {
                    data = last.text
                } else {
                    data = JSONWriter.string(a.data)
                    lastData = (a.data, data)
                }
                return ArtifactColumns(cef: JSONWriter.string(.object(a.cef)), data: data)
            }
        }
    }

    /// An artifact's JSON columns as the store saves them (compact, in document order).
    struct ArtifactColumns: Sendable {
        var cef: String
        var data: String
    }

    public var asset: String
    public var appId: String
    /// The poll run whose counters the page adds to; 0 for none (a quarantine retry).
    public var runId: Int64
    /// Mapped records in source order.
    public var entries: [Entry]
    public var quarantine: [QuarantineEntry]
    /// Raw records the page held (mapped, quarantined or skipped), for the run's counters.
    public var records: Int
    /// The checkpoint after the whole page; nil leaves it alone (poll now, or a page mid-window).
    public var checkpoint: JSONValue?
    /// The checkpoint when a limit stops the page at entry `i`: the position of record `i`,
    /// so that the next poll reads it again. Nil leaves the checkpoint alone.
    public var checkpointAtEntry: (@Sendable (Int) -> JSONValue?)?
    /// The poll's limits and what earlier pages of the poll used of them.
    public var limits: PollLimits
    /// Quarantine entries this page resolves (`intake quarantine retry`): removed in the same
    /// transaction that saves the entries, so a retried record is never both stored and quarantined.
    /// Only entries of this page's asset are removed, and only when no limit stopped the page.
    public var resolvesQuarantine: [Int64] = []

    public init(asset: String, appId: String, runId: Int64, entries: [Entry], quarantine: [QuarantineEntry] = [],
                records: Int, checkpoint: JSONValue? = nil, checkpointAtEntry: (@Sendable (Int) -> JSONValue?)? = nil,
                limits: PollLimits = PollLimits()) {
        self.asset = asset
        self.appId = appId
        self.runId = runId
        self.entries = entries
        self.quarantine = quarantine
        self.records = records
        self.checkpoint = checkpoint
        self.checkpointAtEntry = checkpointAtEntry
        self.limits = limits
    }
}

/// container_count and artifact_count for one poll, and how much of them earlier pages used.
public struct PollLimits: Sendable, Hashable {
    /// Containers created or updated per poll; nil is no limit.
    public var containers: Int64?
    /// Artifacts saved per container per poll; nil is no limit.
    public var artifactsPerContainer: Int64?
    /// Container ids created or updated so far in this poll.
    public var touchedContainers: Set<Int64>
    /// Artifacts saved so far in this poll, per container id.
    public var artifactsSaved: [Int64: Int64]
    /// Containers seen so far in this poll, so each is counted once as new or duplicate.
    public var seenContainers: Set<Int64> = []

    public init(containers: Int64? = nil, artifactsPerContainer: Int64? = nil, touchedContainers: Set<Int64> = [],
                artifactsSaved: [Int64: Int64] = [:]) {
        self.containers = containers
        self.artifactsPerContainer = artifactsPerContainer
        self.touchedContainers = touchedContainers
        self.artifactsSaved = artifactsSaved
    }
}

/// What saving a page did.
public struct PageOutcome: Sendable {
    public enum Outcome: String, Sendable, Hashable {
        case new
        case duplicate
    }

    public struct ContainerResult: Sendable, Hashable {
        public var id: Int64
        public var outcome: Outcome
        /// True when the container was closed; it still received the artifacts.
        public var closed: Bool
    }

    public struct ArtifactResult: Sendable, Hashable {
        public var id: Int64?
        public var container: Int64
        public var outcome: Outcome
    }

    /// Per entry saved: its container's result and its artifacts' results.
    public var containers: [ContainerResult] = []
    public var artifacts: [[ArtifactResult]] = []
    public var summary = PollSummary()
    /// Set when a limit stopped the page: the index of the first entry not fully saved.
    public var stoppedAtEntry: Int?
    /// The limits as they stand after this page, for the next page of the poll.
    public var limits = PollLimits()

    public init() {}
}

extension JSONValue {
    /// True when both values are the same object or array in memory (so certainly equal); false
    /// says nothing. Cheap: compares storage addresses, never contents.
    func sharesStorage(with other: JSONValue) -> Bool {
        switch (self, other) {
        case (.object(let a), .object(let b)):
            return a.members.withUnsafeBufferPointer { x in
                b.members.withUnsafeBufferPointer { y in x.baseAddress == y.baseAddress && x.count == y.count }
            }
        case (.array(let a), .array(let b)):
            return a.withUnsafeBufferPointer { x in
                b.withUnsafeBufferPointer { y in x.baseAddress == y.baseAddress && x.count == y.count }
            }
        default:
            return false
        }
    }
}
