import IntakeCore
import IntakeStore

/// The time range and limits of one poll, computed without I/O from the checkpoint and the clock.
public struct PollWindow: Sendable, Hashable {
    public var start: Timestamp
    public var end: Timestamp
    public var isFirstRun: Bool

    public init(start: Timestamp, end: Timestamp, isFirstRun: Bool) {
        self.start = start
        self.end = end
        self.isFirstRun = isFirstRun
    }

    /// A scheduled poll's window: from the checkpoint (or now minus the first-run lookback),
    /// rewound by the overlap, to now minus the lag.
    public static func scheduled(checkpoint: Checkpoint?, ingest: IngestSettings, now: Timestamp) -> PollWindow {
        let end = now.subtracting(ingest.lag)
        let cursorTime = checkpoint?.cursor?["time"]?.stringValue.flatMap { Timestamp(iso8601: $0) }
        if let cursorTime {
            let start = min(cursorTime.subtracting(ingest.overlap), end)
            return PollWindow(start: start, end: end, isFirstRun: false)
        }
        return PollWindow(start: end.subtracting(ingest.firstRun.lookback), end: end, isFirstRun: true)
    }

    /// The checkpoint a scheduled poll commits once its window is saved.
    public var checkpointCursor: JSONValue { ["time": .string(end.iso8601)] }

    /// The checkpoint with a resumable connector's own state (e.g. file offsets) under `connector`.
    public func checkpointCursor(connectorState: JSONValue?) -> JSONValue {
        guard let connectorState else { return checkpointCursor }
        return ["time": .string(end.iso8601), "connector": connectorState]
    }
}

