import IntakeCore
import IntakeStore
import enum IntakeHTTP.HTTPStatistics

extension PollMetrics {
    /// Copies this process's ``HTTPStatistics`` into the fetch counters.
    public func syncFetchCounters() {
        syncFetchCounters(bytes: HTTPStatistics.bytesReceived, requests: HTTPStatistics.requests, retries: HTTPStatistics.retries)
    }

    /// Sets each asset's checkpoint lag from the store (assets without a checkpoint time are left out).
    /// A store error leaves the gauges as they were: a scrape must not fail because the store is busy.
    public func refreshCheckpointLag(store: any Store, assets: [String], now: Timestamp) async {
        for asset in assets {
            guard let checkpoint = try? await store.checkpoint(asset: asset),
                  let time = checkpoint.cursor?["time"]?.stringValue.flatMap({ Timestamp(iso8601: $0) }) else { continue }
            recordCheckpointLag(asset: asset, checkpoint: time, now: now)
        }
    }
}
