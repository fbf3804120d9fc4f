import ArgumentParser
import Foundation
import IntakeCore
import IntakeOperations
import IntakeScheduler
import IntakeStore

/// `intake poll ASSET`: SOAR's Poll Now. It never moves the scheduled checkpoint.
struct PollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "poll", abstract: "Poll an asset now (never moves its scheduled checkpoint).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The asset to poll (assets/ASSET.yaml).")
    var asset: String

    @Option(help: "Window start: ISO-8601, epoch milliseconds, or relative like -2h (default: 10 days before --end).")
    var start: String?

    @Option(help: "Window end: ISO-8601, epoch milliseconds, or relative like -5m (default: now).")
    var end: String?

    @Option(help: "Most containers to create or update (default 100).")
    var containerCount: Int64?

    @Option(help: "Most artifacts to save per container (default 1000).")
    var artifactCount: Int64?

    @Option(name: .customLong("source-id"), help: "Only ingest containers with this source id (repeatable).")
    var sourceIds: [String] = []

    @Flag(help: "Poll as the scheduler would: from the checkpoint, moving it on success.")
    var scheduled = false

    @Flag(help: "Print the connector run result as JSON.")
    var json = false

    @Flag(help: "No progress on standard error (by default a live line on a terminal, else a line per page; off with --log-format json).")
    var noProgress = false

    @Option(help: ArgumentHelp("Serve /metrics and /healthz on ADDR (HOST:PORT) while the poll runs.", valueName: "ADDR"))
    var metrics: String?

    func run() async throws {
        let metricsAddress: MetricsAddress?
        do {
            metricsAddress = try metrics.map { text throws(IntakeError) in try MetricsAddress(parsing: text, origin: "--metrics") }
        } catch {
            throw ValidationError(error.description)
        }
        let env = try CommandEnvironment(global)
        let now = Timestamp.now()
        let endTime = try end.map { try TimeArgument.parse($0, now: now, option: "--end") }
        let startTime = try start.map { try TimeArgument.parse($0, now: now, option: "--start") }
        if let c = containerCount, c < 1 { throw ValidationError("--container-count must be at least 1") }
        if let a = artifactCount, a < 1 { throw ValidationError("--artifact-count must be at least 1") }
        let store = try await env.openStore()
        var runner = PollRunner(loader: env.loader, service: env.service, store: store, logger: env.logger)
        if !noProgress && global.logFormat == .human {
            runner.observers.append(PollProgress(terminal: isatty(STDERR_FILENO) != 0, write: JSONLogHandler.standardError))
        }
        let options = PollOptions(mode: scheduled ? .scheduled : .pollNow, start: startTime, end: endTime,
                                  containerCount: containerCount, artifactCount: artifactCount, sourceIds: sourceIds)
        let result: ConnectorRunResult
        if let metricsAddress {
            let pollMetrics = PollMetrics()
            runner.observers.append(pollMetrics)
            let server = MetricsServer(address: metricsAddress, metrics: pollMetrics,
                                       failureThreshold: env.service.healthFailureThreshold, logger: env.logger,
                                       refresh: { [asset] in await pollMetrics.refreshCheckpointLag(store: store, assets: [asset], now: .now()) })
            let pollRunner = runner
            let assetName = asset
            do {
                result = try await server.whileServing { _ in await pollRunner.poll(assetName: assetName, options: options) }
            } catch {
                await store.close()
                printError("\(error)")
                throw ExitStatus.failure
            }
        } else {
            result = await runner.poll(assetName: asset, options: options)
        }
        await store.close()
        if json {
            printJSON(result.json)
        } else {
            for r in result.actionResults {
                print("\(asset): \(r.status.rawValue): \(r.message)")
            }
        }
        if result.status != .success { throw ExitStatus.failure }
    }
}

/// `intake test ASSET`: SOAR's test connectivity.
struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "test", abstract: "Test connectivity to an asset.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The asset to test.") var asset: String
    @Flag(help: "Print the connector run result as JSON.") var json = false

    func run() async throws {
        let env = try CommandEnvironment(global)
        let store = try await env.openStore()
        let runner = PollRunner(loader: env.loader, service: env.service, store: store, logger: env.logger)
        let result = await runner.test(assetName: asset)
        await store.close()
        if json { printJSON(result.json) } else { for r in result.actionResults { print("\(asset): \(r.message)") } }
        if result.status != .success { throw ExitCode(1) }
    }
}

/// Reads `--start`/`--end`: ISO-8601, epoch milliseconds (or seconds), or relative to now (`-2h`, `-7d`, `now`).
enum TimeArgument {
    static func parse(_ text: String, now: Timestamp, option: String) throws -> Timestamp {
        let t = text.trimmingSpaces
        if t == "now" { return now }
        if t.hasPrefix("-"), let d = IntakeDuration(parsing: String(t.dropFirst())) { return now.subtracting(d) }
        if t.hasPrefix("+"), let d = IntakeDuration(parsing: String(t.dropFirst())) { return now.adding(d) }
        if let n = Int64(t) { return Timestamp(epoch: Double(n)) }
        if let ts = Timestamp(iso8601: t) { return ts }
        throw ValidationError("\(option) '\(text)' is not a time: use ISO-8601 (2024-05-01T10:00:00Z), epoch milliseconds, or relative like -2h")
    }
}
