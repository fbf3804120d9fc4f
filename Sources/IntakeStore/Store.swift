import IntakeCore

/// More pages of the poll a store is saving, for the transaction it has open: each call hands over
/// one page that is already mapped and waiting, never waiting for one, or nil when none is waiting
/// or the caller wants the transaction to end (it bounds a transaction's size and length).
public typealias WaitingPages = @Sendable () -> PageWrite?

/// Where containers, artifacts, checkpoints, poll runs and quarantine live.
///
/// Implementations keep SOAR's deduplication contract with unique constraints, and save a page
/// of containers and artifacts together with the asset's checkpoint in one transaction, so a
/// crash at any instant neither loses nor duplicates a record.
public protocol Store: Sendable {
    /// Creates or upgrades the schema; safe to call on every start.
    func migrate() async throws(IntakeError)

    /// The asset's scheduled-poll checkpoint, or nil before its first successful save.
    func checkpoint(asset: String) async throws(IntakeError) -> Checkpoint?

    /// Records the start of a poll and returns its run id.
    func beginRun(_ run: PollRunStart) async throws(IntakeError) -> Int64

    /// Saves one page in one transaction: containers (found or created by identity), artifacts
    /// (deduplicated by hash within their container), counters, quarantine rows, run counters and,
    /// when given, the checkpoint. Stops at the first record that a limit does not let through.
    func save(_ page: PageWrite) async throws(IntakeError) -> PageOutcome

    /// Saves consecutive pages of one poll in one transaction (fewer commits for the same
    /// guarantee: each page's checkpoint commits with the data it covers). Each page after the first
    /// starts from the limits the page before it left; saving stops after a page that a limit
    /// stopped. Returns one outcome per page saved, in order: fewer than given when a limit stopped.
    ///
    /// After `pages`, a store may go on taking pages from `waiting` into the same transaction, one
    /// at a time until it returns nil; the outcomes then cover those pages too, in the order taken.
    /// A store that would have to keep every page of a transaction to run it again (PostgreSQL,
    /// on a race with another writer) takes none.
    ///
    /// The store takes the pages over (`consuming`): the caller keeps no reference, so a store can
    /// let each page go as soon as it is saved, wherever freeing it costs least.
    func save(pages: consuming [PageWrite], then waiting: WaitingPages?) async throws(IntakeError) -> [PageOutcome]

    /// Records the end of a poll; on success of a scheduled poll it also clears the first-run flag
    /// and sets the last-success time, and a failure records the error on the checkpoint row.
    func finishRun(_ finish: PollRunFinish) async throws(IntakeError)

    func containers(_ query: ContainerQuery) async throws(IntakeError) -> [Container]
    func container(id: Int64) async throws(IntakeError) -> Container?
    func artifacts(_ query: ArtifactQuery) async throws(IntakeError) -> [Artifact]
    func runs(asset: String?, limit: Int) async throws(IntakeError) -> [PollRun]
    func quarantine(asset: String?, limit: Int) async throws(IntakeError) -> [QuarantineEntry]

    /// The id of the stored container with this identity (asset, label, source data identifier), or nil.
    func containerID(asset: String, label: String, sourceDataIdentifier: String) async throws(IntakeError) -> Int64?

    /// The id of the stored artifact with this hash in the container (the dedup key), or nil.
    func artifactID(containerID: Int64, hash: String) async throws(IntakeError) -> Int64?

    /// Forgets an asset's checkpoint, so its next scheduled poll is a first run.
    func resetCheckpoint(asset: String) async throws(IntakeError)

    /// One quarantined record, or nil when there is none with this id (never quarantined, or
    /// already retried successfully).
    func quarantineEntry(id: Int64) async throws(IntakeError) -> QuarantineEntry?

    /// The ids of an asset's quarantined records (all assets' when nil), oldest first.
    func quarantineIds(asset: String?) async throws(IntakeError) -> [Int64]

    /// Records a failed retry of a quarantined record: its new error, the time, one more attempt.
    /// Does nothing when the entry no longer exists.
    func recordQuarantineRetryFailure(id: Int64, error: String, at time: Timestamp) async throws(IntakeError)

    /// The names of the assets the store holds anything for (containers, checkpoints, runs or
    /// quarantine), sorted.
    func assetNames() async throws(IntakeError) -> [String]

    /// Claims the lease `name` for `holder` for `duration`, atomically: it succeeds when nobody holds
    /// it, its lease expired, or `holder` holds it already (which renews it). Scale-out processes claim
    /// an asset's lease before polling it, so each poll is done by one process.
    func claimLease(name: String, holder: String, duration: IntakeDuration) async throws(IntakeError) -> Bool

    /// Extends a lease `holder` still holds to `duration` from now; false when it expired and
    /// another holder took it (the caller should stop what the lease guarded).
    func renewLease(name: String, holder: String, duration: IntakeDuration) async throws(IntakeError) -> Bool

    /// Gives a lease back: it expires `keepFor` from now (at once by default), if `holder` still holds it.
    /// Keeping it a while tells other processes that this holder already did the work it guarded.
    func releaseLease(name: String, holder: String, keepFor: IntakeDuration) async throws(IntakeError)

    func close() async
}

extension Store {
    /// Saves exactly `pages` in one transaction; see ``save(pages:then:)``.
    public func save(pages: consuming [PageWrite]) async throws(IntakeError) -> [PageOutcome] {
        try await save(pages: pages, then: nil)
    }
}

/// Per-asset polling state.
public struct Checkpoint: Sendable, Hashable {
    public var asset: String
    /// Connector-defined position: a time, a page cursor, or both; nil until a poll has saved one
    /// (a failed first poll leaves a row with its error but no cursor).
    public var cursor: JSONValue?
    public var firstRun: Bool
    public var lastSuccess: Timestamp?
    public var lastError: String?
    public var updatedAt: Timestamp

    public init(asset: String, cursor: JSONValue?, firstRun: Bool, lastSuccess: Timestamp? = nil, lastError: String? = nil,
                updatedAt: Timestamp) {
        self.asset = asset
        self.cursor = cursor
        self.firstRun = firstRun
        self.lastSuccess = lastSuccess
        self.lastError = lastError
        self.updatedAt = updatedAt
    }
}

public enum PollMode: String, Sendable, Hashable {
    case scheduled
    case pollNow = "poll_now"
}

public struct PollRunStart: Sendable, Hashable {
    public var asset: String
    public var mode: PollMode
    public var windowStart: Timestamp
    public var windowEnd: Timestamp
    public var startedAt: Timestamp

    public init(asset: String, mode: PollMode, windowStart: Timestamp, windowEnd: Timestamp, startedAt: Timestamp) {
        self.asset = asset
        self.mode = mode
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.startedAt = startedAt
    }
}

public struct PollRunFinish: Sendable, Hashable {
    public var runId: Int64
    public var asset: String
    public var mode: PollMode
    public var succeeded: Bool
    public var error: String?
    public var finishedAt: Timestamp
    /// For a successful scheduled poll, the final checkpoint cursor (committed with the run's end).
    public var checkpoint: JSONValue?

    public init(runId: Int64, asset: String, mode: PollMode, succeeded: Bool, error: String? = nil, finishedAt: Timestamp,
                checkpoint: JSONValue? = nil) {
        self.runId = runId
        self.asset = asset
        self.mode = mode
        self.succeeded = succeeded
        self.error = error
        self.finishedAt = finishedAt
        self.checkpoint = checkpoint
    }
}

/// A finished or running poll, as `intake runs` lists it.
public struct PollRun: Sendable, Hashable {
    public var id: Int64
    public var asset: String
    public var mode: PollMode
    public var windowStart: Timestamp?
    public var windowEnd: Timestamp?
    public var startedAt: Timestamp
    public var finishedAt: Timestamp?
    public var status: String
    public var error: String?
    public var summary: PollSummary

    public init(id: Int64, asset: String, mode: PollMode, windowStart: Timestamp?, windowEnd: Timestamp?, startedAt: Timestamp,
                finishedAt: Timestamp?, status: String, error: String?, summary: PollSummary) {
        self.id = id
        self.asset = asset
        self.mode = mode
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.status = status
        self.error = error
        self.summary = summary
    }
}

extension PollRun {
    /// Seconds from start to finish; nil while the poll runs.
    public var duration: Double? { finishedAt.map { Double($0.microseconds - startedAt.microseconds) / 1_000_000 } }
}

/// A record that failed mapping or validation, kept with its error.
public struct QuarantineEntry: Sendable, Hashable {
    public var id: Int64?
    public var asset: String
    public var runId: Int64?
    public var record: JSONValue
    public var error: String
    public var createdAt: Timestamp
    /// How many times `intake quarantine retry` tried it again and failed.
    public var attempts: Int
    /// When the last failed retry happened.
    public var lastRetryAt: Timestamp?

    public init(id: Int64? = nil, asset: String, runId: Int64?, record: JSONValue, error: String, createdAt: Timestamp,
                attempts: Int = 0, lastRetryAt: Timestamp? = nil) {
        self.id = id
        self.asset = asset
        self.runId = runId
        self.record = record
        self.error = error
        self.createdAt = createdAt
        self.attempts = attempts
        self.lastRetryAt = lastRetryAt
    }
}

/// Which containers to read: every filter that is set must match; ordered by id, ascending.
public struct ContainerQuery: Sendable, Hashable {
    public var asset: String?
    public var label: String?
    /// Only containers updated (container_update_time) at or after this time.
    public var since: Timestamp?
    /// Only containers with an id greater than this (keyset paging).
    public var afterId: Int64?
    public var limit: Int
    public init(asset: String? = nil, label: String? = nil, since: Timestamp? = nil, afterId: Int64? = nil, limit: Int = 1000) {
        self.asset = asset
        self.label = label
        self.since = since
        self.afterId = afterId
        self.limit = limit
    }
}

/// Which artifacts to read: every filter that is set must match; ordered by id, ascending.
public struct ArtifactQuery: Sendable, Hashable {
    public var container: Int64?
    /// Only artifacts in containers of this asset (the container's asset_name).
    public var asset: String?
    /// Only artifacts with this (artifact) label.
    public var label: String?
    /// Only artifacts stored (create_time) at or after this time.
    public var since: Timestamp?
    /// Only artifacts with an id greater than this (keyset paging).
    public var afterId: Int64?
    public var limit: Int
    public init(container: Int64? = nil, asset: String? = nil, label: String? = nil, since: Timestamp? = nil,
                afterId: Int64? = nil, limit: Int = 1000) {
        self.container = container
        self.asset = asset
        self.label = label
        self.since = since
        self.afterId = afterId
        self.limit = limit
    }
}
