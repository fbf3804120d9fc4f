import IntakeCore
import Logging
import ServiceLifecycle

extension MetricsServer {
    /// Runs `body` while this server listens (as `intake poll --metrics` does), then stops the server.
    /// The body starts only once the port is bound; a port that cannot be bound throws and `body` never runs.
    public func whileServing<T: Sendable>(_ body: @escaping @Sendable (_ port: Int) async -> T) async throws -> T {
        let (ready, readyContinuation) = AsyncStream<Int>.makeStream()
        let outer = onListening
        let server = MetricsServer(address: address, metrics: metrics, failureThreshold: failureThreshold, logger: logger,
                                   refresh: refresh, onListening: { port in
            await outer(port)
            readyContinuation.yield(port)
        })
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [server], logger: logger))
        let address = self.address
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                defer { readyContinuation.finish() }
                do {
                    try await group.run()
                } catch {
                    throw IntakeError(.connection, "cannot serve metrics on \(address): \(error)", at: "metrics",
                                      hint: "pick a free port, e.g. 127.0.0.1:9464")
                }
                return nil
            }
            var iterator = ready.makeAsyncIterator()
            guard let port = await iterator.next() else {
                while let next = try await tasks.next() { _ = next }
                throw IntakeError(.connection, "the metrics server on \(address) stopped before it listened")
            }
            let value = await body(port)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return value
        }
    }
}
