import IntakeCore
import IntakeStore

/// What a scheduled poll covers, decided without I/O from the checkpoint, the asset's ingest settings
/// and the clock (SPEC §3): the window from the checkpoint (rewound by the overlap) or the first-run
/// lookback, to now minus the lag, split into contiguous sub-windows of at most `max_window`,
/// with the container cap of the first run or of every run.
public struct PollPlan: Sendable, Hashable {
    /// The whole window.
    public var window: PollWindow
    /// Sub-windows, oldest first, contiguous, covering `window` exactly.
    public var windows: [PollWindow]
    /// Containers created or updated in the whole poll; nil is no limit.
    public var containerCap: Int64?
    /// Artifacts saved per container in the whole poll; nil is no limit.
    public var artifactCap: Int64?

    public init(checkpoint: Checkpoint?, ingest: IngestSettings, now: Timestamp) {
        window = PollWindow.scheduled(checkpoint: checkpoint, ingest: ingest, now: now)
        windows = window.split(maxWindow: ingest.maxWindow)
        containerCap = window.isFirstRun ? (ingest.firstRun.maxContainers ?? ingest.maxContainers) : ingest.maxContainers
        artifactCap = ingest.maxArtifacts
    }

    /// The container cap left for the next sub-window after one that touched `containers` containers;
    /// nil is no limit, 0 means the poll stops here.
    public static func remaining(_ cap: Int64?, after containers: Int64) -> Int64? {
        cap.map { max(0, $0 - containers) }
    }
}
