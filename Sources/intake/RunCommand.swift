import ArgumentParser
import Foundation
import IntakeCore
import IntakeOperations
import IntakeScheduler
import ServiceLifecycle

/// `intake run`: the scheduler service, until SIGTERM or SIGINT.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the scheduler: poll every scheduled asset when it is due, until SIGTERM/SIGINT.",
        discussion: """
            Polls each enabled asset that has ingest.schedule, at most `concurrency` (intake.yaml) at once, never one asset \
            twice at once. SIGHUP reloads the assets (added, changed, removed). SIGTERM or SIGINT stops each running poll \
            after the page it is saving and exits 0. Several processes on one PostgreSQL store share the assets through leases.
            """)

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let env = try CommandEnvironment(global)
        let store = try await env.openStore()
        let host = ProcessInfo.processInfo.hostName
        let holder = "\(host):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8).lowercased())"
        var settings = Scheduler.Settings(holder: holder)
        settings.pollTimeout = env.service.pollTimeout
        settings.leaseTime = env.service.leaseTime
        var services: [any Service] = []
        if let text = env.service.metrics {
            // /metrics and /healthz for the service's whole life, seeded from the store so a restarted
            // daemon reports an asset that kept failing as unhealthy at once.
            let address = try MetricsAddress(parsing: text, origin: "intake.yaml metrics")
            let metrics = PollMetrics()
            let assets = env.loader.assetNames()
            for asset in assets {
                metrics.seed(asset: asset, recentRuns: (try? await store.runs(asset: asset, limit: 50)) ?? [])
            }
            settings.observers.append(metrics)
            services.append(MetricsServer(address: address, metrics: metrics, failureThreshold: env.service.healthFailureThreshold,
                                          logger: env.logger,
                                          refresh: { await metrics.refreshCheckpointLag(store: store, assets: env.loader.assetNames(), now: .now()) }))
        }
        let scheduler = Scheduler(loader: env.loader, service: env.service, store: store, logger: env.logger, settings: settings)
        services.insert(scheduler, at: 0)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: env.logger))
        do {
            try await group.run()
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }
}
