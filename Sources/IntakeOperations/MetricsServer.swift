import Hummingbird
import IntakeCore
import Logging
import NIOCore
import ServiceLifecycle

/// Serves `GET /metrics` (Prometheus text format) and `GET /healthz` as a swift-service-lifecycle
/// `Service`, to run in `intake run`'s service group (or beside a single `intake poll --metrics`).
///
/// `/healthz` answers 200 `{"status": "ok", …}` while every asset's consecutive failures are below
/// `failureThreshold`, and 503 `{"status": "unhealthy", "assets": [{"asset", "consecutive_failures",
/// "last_error", "last_success"}]}` naming the assets that reached it.
public struct MetricsServer: Service {
    public let address: MetricsAddress
    public let metrics: PollMetrics
    public let failureThreshold: Int
    /// Runs before each scrape: copies the HTTP counters and, when given, refreshes checkpoint lag.
    let refresh: @Sendable () async -> Void
    let onListening: @Sendable (Int) async -> Void
    let logger: Logger

    /// - Parameters:
    ///   - refresh: extra work before each scrape, such as ``PollMetrics/refreshCheckpointLag(store:assets:now:)``.
    ///   - onListening: told the bound port once the server listens (useful with port 0).
    public init(address: MetricsAddress, metrics: PollMetrics, failureThreshold: Int = 3, logger: Logger,
                refresh: @escaping @Sendable () async -> Void = {}, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) {
        self.address = address
        self.metrics = metrics
        self.failureThreshold = failureThreshold
        self.logger = logger
        self.refresh = refresh
        self.onListening = onListening
    }

    public static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

    public func run() async throws {
        let router = Router()
        let metrics = self.metrics
        let refresh = self.refresh
        let threshold = failureThreshold
        router.get("metrics") { _, _ -> Response in
            metrics.syncFetchCounters()
            await refresh()
            return MetricsServer.response(.ok, contentType: MetricsServer.prometheusContentType, metrics.exposition())
        }
        router.get("healthz") { _, _ -> Response in
            let health = MetricsServer.health(metrics: metrics, threshold: threshold)
            return MetricsServer.response(health.healthy ? .ok : .serviceUnavailable, contentType: "application/json",
                                          JSONWriter.string(health.json) + "\n")
        }
        let onListening = self.onListening
        let logger = self.logger
        let address = self.address
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(address.host, port: address.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? address.port
                logger.info("metrics listening", metadata: ["address": "\(MetricsAddress(host: address.host, port: port))"])
                await onListening(port)
            },
            logger: logger)
        try await app.run()
    }

    static func response(_ status: HTTPResponse.Status, contentType: String, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// What `/healthz` says.
    public static func health(metrics: PollMetrics, threshold: Int) -> (healthy: Bool, json: JSONValue) {
        let unhealthy = metrics.unhealthyAssets(threshold: threshold)
        return (unhealthy.isEmpty, ["status": .string(unhealthy.isEmpty ? "ok" : "unhealthy"),
                                    "failure_threshold": .int(Int64(threshold)), "assets": .array(unhealthy.map(\.json))])
    }
}
