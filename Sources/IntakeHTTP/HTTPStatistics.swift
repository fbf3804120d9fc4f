import Synchronization

/// Process-wide transfer counters, read by the metrics endpoint.
///
/// They only ever grow; a reader reports them as Prometheus counters.
public enum HTTPStatistics {
    private static let received = Atomic<Int>(0)
    private static let retried = Atomic<Int>(0)
    private static let requested = Atomic<Int>(0)

    /// Response body bytes received by every session of this process (after content decoding).
    public static var bytesReceived: Int { received.load(ordering: .relaxed) }
    /// Requests sent again after a retryable failure.
    public static var retries: Int { retried.load(ordering: .relaxed) }
    /// Transfers attempted, retries included.
    public static var requests: Int { requested.load(ordering: .relaxed) }

    static func recordTransfer(bytes: Int) {
        requested.add(1, ordering: .relaxed)
        received.add(bytes, ordering: .relaxed)
    }

    static func recordRetry() { retried.add(1, ordering: .relaxed) }
}
