import IntakeCore
import IntakeStore

/// One row of `intake status`: what an asset is configured to do and what its polls did.
/// Built from the configuration and the store by pure code; the command only prints it.
public struct AssetStatus: Sendable, Hashable {
    public var asset: String
    /// False for an asset only the store knows (its file was removed).
    public var configured: Bool
    /// The configured schedule as written (`every 5m`, `cron */5 * * * * Europe/Berlin`); nil without one.
    public var schedule: String?
    public var enabled: Bool
    /// The newest run, scheduled or poll now.
    public var lastRun: PollRun?
    /// The time the scheduled checkpoint stands at.
    public var checkpoint: Timestamp?
    /// `now` minus the checkpoint, in seconds.
    public var checkpointLag: Double?
    /// Failed runs since the last successful one.
    public var consecutiveFailures: Int
    public var nextPoll: NextPoll

    /// When an asset is polled next.
    public enum NextPoll: Sendable, Hashable {
        /// At this time (now when due).
        case at(Timestamp)
        /// Not scheduled: no schedule, or disabled.
        case never

        public var description: String {
            switch self {
            case .at(let t): return t.iso8601Seconds
            case .never: return "not scheduled"
            }
        }

        public var json: JSONValue {
            switch self {
            case .at(let t): return ["at": .string(t.iso8601)]
            case .never: return .null
            }
        }
    }

    /// The next poll of an asset, as `intake run` decides it: the schedule's next fire after the last
    /// scheduled poll started (jitter included); due now when it was never polled or that time has passed.
    public static func nextPoll(asset: String, schedule: ScheduleSettings?, enabled: Bool, lastScheduledStart: Timestamp?,
                                now: Timestamp) -> NextPoll {
        guard enabled, let settings = schedule, let schedule = try? Schedule(settings: settings, asset: asset) else { return .never }
        guard let last = lastScheduledStart, let next = schedule.next(after: last) else { return .at(now) }
        return .at(max(next, now))
    }

    /// Failed runs before the newest successful one (runs newest first; unfinished runs are skipped).
    public static func consecutiveFailures(_ runsNewestFirst: [PollRun]) -> Int {
        var n = 0
        for r in runsNewestFirst where r.finishedAt != nil {
            if r.status == "success" { break }
            n += 1
        }
        return n
    }

    /// The schedule as `intake assets list` shows it.
    public static func describe(_ schedule: ScheduleSettings?) -> String? {
        guard let s = schedule else { return nil }
        if let i = s.interval { return "every \(i)" }
        return s.cron.map { "cron \($0)" + (s.timezone.map { " \($0)" } ?? "") }
    }

    /// Builds one row. `runs` are the asset's recent runs, newest first.
    public static func make(asset: String, configuration: AssetConfiguration?, runs: [PollRun], checkpoint: Checkpoint?,
                            now: Timestamp) -> AssetStatus {
        let checkpointTime = checkpoint?.cursor?["time"]?.stringValue.flatMap { Timestamp(iso8601: $0) }
        let lastScheduled = runs.first { $0.mode == .scheduled }?.startedAt
        let enabled = configuration?.ingest.enabled ?? false
        return AssetStatus(
            asset: asset, configured: configuration != nil, schedule: describe(configuration?.ingest.schedule), enabled: enabled,
            lastRun: runs.first, checkpoint: checkpointTime,
            checkpointLag: checkpointTime.map { Double(now.microseconds - $0.microseconds) / 1_000_000 },
            consecutiveFailures: consecutiveFailures(runs),
            nextPoll: configuration.map {
                nextPoll(asset: $0.name, schedule: $0.ingest.schedule, enabled: enabled, lastScheduledStart: lastScheduled, now: now)
            } ?? .never)
    }
}
