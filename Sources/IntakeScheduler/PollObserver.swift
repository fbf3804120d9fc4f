import IntakeConnectors
import IntakeCore
import IntakeStore

/// Watches polls as ``PollRunner`` runs them: metrics, a progress line, the scheduler's bookkeeping.
///
/// The calls are synchronous and made on the poll's own task, so an observer must return quickly
/// (record a number, write a line) and never block on I/O it does not own. Every method has an
/// empty default, so an observer implements only the events it needs.
public protocol PollObserver: Sendable {
    /// A poll of `asset` begins (before its configuration is loaded).
    func pollStarted(_ event: PollStarted)
    /// A page was saved; `summary` is the running total of the poll so far.
    func pageSaved(_ event: PollPageSaved)
    /// The poll ended, successfully or not.
    func pollFinished(_ event: PollFinished)
    /// The scheduler started a scheduled poll of `asset` for its fire time `at`, `delay` after it.
    func fired(asset: String, at fire: Timestamp, delay: IntakeDuration)
}

extension PollObserver {
    public func fired(asset: String, at fire: Timestamp, delay: IntakeDuration) {}
    public func pollStarted(_ event: PollStarted) {}
    public func pageSaved(_ event: PollPageSaved) {}
    public func pollFinished(_ event: PollFinished) {}
}

/// A poll began.
public struct PollStarted: Sendable, Hashable {
    public var asset: String
    public var mode: PollMode
    public var startedAt: Timestamp

    public init(asset: String, mode: PollMode, startedAt: Timestamp) {
        self.asset = asset
        self.mode = mode
        self.startedAt = startedAt
    }
}

/// A page of a poll was saved.
public struct PollPageSaved: Sendable, Hashable {
    public var asset: String
    public var runId: Int64
    /// The poll's running total, pages included.
    public var summary: PollSummary
    /// When the poll started, for rates.
    public var startedAt: Timestamp

    public init(asset: String, runId: Int64, summary: PollSummary, startedAt: Timestamp) {
        self.asset = asset
        self.runId = runId
        self.summary = summary
        self.startedAt = startedAt
    }
}

/// A poll ended.
public struct PollFinished: Sendable {
    public var asset: String
    public var mode: PollMode
    public var result: ConnectorRunResult
    /// Wall time of the whole poll, in seconds.
    public var duration: Double
    public var finishedAt: Timestamp

    public init(asset: String, mode: PollMode, result: ConnectorRunResult, duration: Double, finishedAt: Timestamp) {
        self.asset = asset
        self.mode = mode
        self.result = result
        self.duration = duration
        self.finishedAt = finishedAt
    }

    /// The counts of the poll's (first) action result.
    public var summary: PollSummary { PollSummary(summaryObject: result.actionResults.first?.summary ?? [:]) }
}

extension PollSummary {
    /// Reads an action result's summary object (missing counts are 0).
    public init(summaryObject o: JSONObject) {
        self.init()
        func n(_ key: String) -> Int { Int(o[key]?.intValue ?? 0) }
        pages = n("pages")
        records = n("records")
        containersNew = n("containers_new")
        containersDuplicate = n("containers_duplicate")
        artifactsNew = n("artifacts_new")
        artifactsDuplicate = n("artifacts_duplicate")
        quarantined = n("quarantined")
        deferred = n("deferred")
    }
}
