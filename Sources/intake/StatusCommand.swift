import ArgumentParser
import IntakeCore
import IntakeScheduler
import IntakeStore

/// `intake status`: every asset (configured or stored) with its schedule, last poll, checkpoint lag,
/// consecutive failures and next poll.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show each asset's schedule, last poll, checkpoint lag, failures and next poll.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON: {\"assets\": [...]}.") var json = false

    /// Runs read per asset to count consecutive failures.
    static let recentRuns = 50

    func run() async throws {
        try await reportingFailures {
            let env = try CommandEnvironment(global)
            let now = Timestamp.now()
            let statuses = try await env.withStore { store in
                let configured = env.loader.assetNames()
                let names = Set(configured).union(try await store.assetNames()).sorted()
                var out: [AssetStatus] = []
                for name in names {
                    let configuration = configured.contains(name) ? try? env.loader.asset(named: name) : nil
                    let runs = try await store.runs(asset: name, limit: StatusCommand.recentRuns)
                    let checkpoint = try await store.checkpoint(asset: name)
                    var s = AssetStatus.make(asset: name, configuration: configuration, runs: runs, checkpoint: checkpoint, now: now)
                    if configured.contains(name) { s.configured = true }
                    out.append(s)
                }
                return out
            }
            if json {
                printJSON(["assets": .array(statuses.map(StatusCommand.json))])
            } else if statuses.isEmpty {
                print("no assets in \(env.loader.display(env.loader.directory))/assets or in the store")
            } else {
                printTable(["ASSET", "SCHEDULE", "LAST POLL", "RESULT", "RECORDS", "CONT NEW/DUP", "ART NEW/DUP", "LAG", "FAILURES",
                            "NEXT POLL"], statuses.map(StatusCommand.row))
            }
        }
    }

    static func row(_ s: AssetStatus) -> [String] {
        let r = s.lastRun
        return [s.asset + (s.configured ? "" : " (not configured)"),
                s.schedule.map { s.enabled ? $0 : $0 + " (disabled)" } ?? "-",
                r.map { $0.startedAt.iso8601Seconds } ?? "never",
                r.map { $0.status } ?? "-",
                r.map { String($0.summary.records) } ?? "-",
                r.map { "\($0.summary.containersNew)/\($0.summary.containersDuplicate)" } ?? "-",
                r.map { "\($0.summary.artifactsNew)/\($0.summary.artifactsDuplicate)" } ?? "-",
                s.checkpointLag.map(lag) ?? "-",
                String(s.consecutiveFailures),
                s.nextPoll.description]
    }

    /// A lag such as `42s`, `5m12s`, `3h04m`, `2d03h`.
    static func lag(_ seconds: Double) -> String {
        let t = max(0, Int(seconds))
        let (d, h, m, sec) = (t / 86400, t / 3600 % 24, t / 60 % 60, t % 60)
        if d > 0 { return "\(d)d" + pad(h) + "h" }
        if h > 0 { return "\(h)h" + pad(m) + "m" }
        if m > 0 { return "\(m)m" + pad(sec) + "s" }
        return "\(sec)s"
    }

    static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }

    static func json(_ s: AssetStatus) -> JSONValue {
        ["asset": .string(s.asset), "configured": .bool(s.configured), "enabled": .bool(s.enabled),
         "schedule": s.schedule.map(JSONValue.string) ?? .null,
         "last_poll": s.lastRun.map(runJSON) ?? .null,
         "checkpoint": s.checkpoint.map { .string($0.iso8601) } ?? .null,
         "checkpoint_lag_seconds": s.checkpointLag.map(JSONValue.double) ?? .null,
         "consecutive_failures": .int(Int64(s.consecutiveFailures)),
         "next_poll": s.nextPoll.json]
    }
}
