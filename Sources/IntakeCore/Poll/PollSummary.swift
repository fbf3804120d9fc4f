/// What one poll did, counted the way `intake poll --json` reports it.
public struct PollSummary: Sendable, Hashable {
    public var pages = 0
    public var records = 0
    public var containersNew = 0
    public var containersDuplicate = 0
    public var artifactsNew = 0
    public var artifactsDuplicate = 0
    public var quarantined = 0
    /// Records left for the next poll because a container or artifact limit was reached.
    public var deferred = 0

    public init() {}

    public mutating func add(_ other: PollSummary) {
        pages += other.pages
        records += other.records
        containersNew += other.containersNew
        containersDuplicate += other.containersDuplicate
        artifactsNew += other.artifactsNew
        artifactsDuplicate += other.artifactsDuplicate
        quarantined += other.quarantined
        deferred += other.deferred
    }

    public var json: JSONValue {
        [
            "records": .int(Int64(records)),
            "containers_new": .int(Int64(containersNew)),
            "containers_duplicate": .int(Int64(containersDuplicate)),
            "artifacts_new": .int(Int64(artifactsNew)),
            "artifacts_duplicate": .int(Int64(artifactsDuplicate)),
            "quarantined": .int(Int64(quarantined)),
            "pages": .int(Int64(pages)),
            "deferred": .int(Int64(deferred)),
        ]
    }
}
