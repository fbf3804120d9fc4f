import CoreMetrics
import IntakeCore
import IntakeScheduler
import IntakeStore
import Prometheus
import Synchronization

/// Records every poll as Prometheus metrics (through swift-metrics) and keeps what `/healthz` needs:
/// each asset's consecutive failures and last success.
///
/// Metric names (all per `asset` unless noted):
/// - `intake_polls_total{asset,status}`: finished polls, `status` success or failed
/// - `intake_records_total`, `intake_quarantined_total`
/// - `intake_containers_total{asset,outcome}`, `intake_artifacts_total{asset,outcome}`: `outcome` new or duplicate
/// - `intake_poll_duration_seconds`: a histogram of poll wall time
/// - process-wide `intake_schedule_delay_seconds`: a histogram of how late scheduled polls start after their fire time
/// - `intake_last_success_timestamp_seconds`, `intake_consecutive_failures`
/// - `intake_checkpoint_lag_seconds`: now minus the checkpoint, refreshed at each scrape
/// - process-wide `intake_fetch_bytes_total`, `intake_fetch_requests_total`, `intake_fetch_retries_total`
public final class PollMetrics: PollObserver {
    /// The registry the metrics live in; `MetricsServer` renders it.
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    private let state = Mutex(State())

    struct State {
        var consecutiveFailures: [String: Int] = [:]
        var lastSuccess: [String: Timestamp] = [:]
        var lastError: [String: String] = [:]
        /// The HTTP statistics last copied into the counters.
        var fetchBytes = 0
        var fetchRequests = 0
        var fetchRetries = 0
    }

    /// Poll duration buckets, in seconds: polls take from milliseconds to many minutes.
    public static let durationBuckets: [Duration] = [
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
        .seconds(10), .seconds(30), .seconds(60), .seconds(120), .seconds(300), .seconds(600), .seconds(1800),
    ]

    /// Schedule delay buckets, in seconds: a healthy scheduler starts polls within milliseconds of
    /// their fire time; seconds mean every slot of `concurrency` was taken.
    public static let delayBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .seconds(1), .seconds(5), .seconds(30), .seconds(120),
    ]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["intake_poll_duration_seconds"] = PollMetrics.durationBuckets
        factory.durationHistogramBuckets["intake_schedule_delay_seconds"] = PollMetrics.delayBuckets
        self.factory = factory
    }

    public func fired(asset: String, at fire: Timestamp, delay: IntakeDuration) {
        CoreMetrics.Timer(label: "intake_schedule_delay_seconds", factory: factory).recordNanoseconds(delay.microseconds * 1000)
    }

    public func pollFinished(_ event: PollFinished) {
        let asset = [("asset", event.asset)]
        let succeeded = event.result.status == .success
        CoreMetrics.Counter(label: "intake_polls_total", dimensions: asset + [("status", succeeded ? "success" : "failed")],
                            factory: factory).increment()
        let s = event.summary
        CoreMetrics.Counter(label: "intake_records_total", dimensions: asset, factory: factory).increment(by: s.records)
        CoreMetrics.Counter(label: "intake_quarantined_total", dimensions: asset, factory: factory).increment(by: s.quarantined)
        for (outcome, containers, artifacts) in [("new", s.containersNew, s.artifactsNew),
                                                 ("duplicate", s.containersDuplicate, s.artifactsDuplicate)] {
            CoreMetrics.Counter(label: "intake_containers_total", dimensions: asset + [("outcome", outcome)], factory: factory)
                .increment(by: containers)
            CoreMetrics.Counter(label: "intake_artifacts_total", dimensions: asset + [("outcome", outcome)], factory: factory)
                .increment(by: artifacts)
        }
        CoreMetrics.Timer(label: "intake_poll_duration_seconds", dimensions: asset, factory: factory)
            .recordNanoseconds(Int64(max(0, event.duration) * 1_000_000_000))
        let failures = state.withLock { st -> Int in
            if succeeded {
                st.consecutiveFailures[event.asset] = 0
                st.lastSuccess[event.asset] = event.finishedAt
                st.lastError[event.asset] = nil
            } else {
                st.consecutiveFailures[event.asset, default: 0] += 1
                st.lastError[event.asset] = event.result.actionResults.first?.message ?? event.result.message
            }
            return st.consecutiveFailures[event.asset] ?? 0
        }
        CoreMetrics.Gauge(label: "intake_consecutive_failures", dimensions: asset, factory: factory).record(failures)
        if succeeded {
            CoreMetrics.Gauge(label: "intake_last_success_timestamp_seconds", dimensions: asset, factory: factory)
                .record(Double(event.finishedAt.microseconds) / 1_000_000)
        }
    }

    /// Starts an asset's failure count from what the store remembers (its recent runs, newest first),
    /// so a restarted daemon is unhealthy again at once when it was before.
    public func seed(asset: String, recentRuns: [PollRun]) {
        let failures = AssetStatus.consecutiveFailures(recentRuns)
        let success = recentRuns.first { $0.status == "success" }?.finishedAt
        state.withLock { st in
            st.consecutiveFailures[asset] = failures
            if let success { st.lastSuccess[asset] = success }
        }
        CoreMetrics.Gauge(label: "intake_consecutive_failures", dimensions: [("asset", asset)], factory: factory).record(failures)
        if let success {
            CoreMetrics.Gauge(label: "intake_last_success_timestamp_seconds", dimensions: [("asset", asset)], factory: factory)
                .record(Double(success.microseconds) / 1_000_000)
        }
    }

    /// Sets an asset's checkpoint lag: `now` minus its checkpoint time.
    public func recordCheckpointLag(asset: String, checkpoint: Timestamp, now: Timestamp) {
        CoreMetrics.Gauge(label: "intake_checkpoint_lag_seconds", dimensions: [("asset", asset)], factory: factory)
            .record(Double(now.microseconds - checkpoint.microseconds) / 1_000_000)
    }

    /// Copies the process-wide HTTP counters into the registry (called before each scrape).
    public func syncFetchCounters(bytes: Int, requests: Int, retries: Int) {
        let delta = state.withLock { st -> (Int, Int, Int) in
            defer { (st.fetchBytes, st.fetchRequests, st.fetchRetries) = (bytes, requests, retries) }
            return (max(0, bytes - st.fetchBytes), max(0, requests - st.fetchRequests), max(0, retries - st.fetchRetries))
        }
        CoreMetrics.Counter(label: "intake_fetch_bytes_total", factory: factory).increment(by: delta.0)
        CoreMetrics.Counter(label: "intake_fetch_requests_total", factory: factory).increment(by: delta.1)
        CoreMetrics.Counter(label: "intake_fetch_retries_total", factory: factory).increment(by: delta.2)
    }

    /// Assets whose consecutive failures reached `threshold`, by name, with their count and last error.
    public func unhealthyAssets(threshold: Int) -> [UnhealthyAsset] {
        state.withLock { st in
            st.consecutiveFailures.filter { $0.value >= threshold }.keys.sorted().map {
                UnhealthyAsset(asset: $0, consecutiveFailures: st.consecutiveFailures[$0] ?? 0, lastError: st.lastError[$0],
                               lastSuccess: st.lastSuccess[$0])
            }
        }
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> String { registry.emitToString() }
}

/// An asset `/healthz` reports.
public struct UnhealthyAsset: Sendable, Hashable {
    public var asset: String
    public var consecutiveFailures: Int
    public var lastError: String?
    public var lastSuccess: Timestamp?

    public var json: JSONValue {
        ["asset": .string(asset), "consecutive_failures": .int(Int64(consecutiveFailures)),
         "last_error": lastError.map(JSONValue.string) ?? .null, "last_success": lastSuccess.map { .string($0.iso8601) } ?? .null]
    }
}
