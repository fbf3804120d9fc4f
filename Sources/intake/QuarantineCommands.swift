import ArgumentParser
import IntakeCore
import IntakeScheduler
import IntakeStore

/// `intake quarantine list|show|retry`.
struct QuarantineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "quarantine",
                                                    abstract: "Records that failed mapping: list, show, retry.",
                                                    subcommands: [List.self, Show.self, Retry.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List quarantined records, newest first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this asset's records.") var asset: String?
        @Option(help: "At most this many.") var limit: Int = 1000
        @Flag(help: "JSON, with each raw record.") var json = false

        func validate() throws { try checkLimit(limit) }

        func run() async throws {
            try await reportingFailures {
                let env = try CommandEnvironment(global)
                let entries = try await env.withStore { store in
                    if let asset { try await env.requireKnownAsset(asset, in: store) }
                    return try await store.quarantine(asset: asset, limit: limit)
                }
                if json {
                    printJSON(.array(entries.map(quarantineJSON)))
                    return
                }
                printTable(["ID", "ASSET", "RUN", "QUARANTINED", "RETRIES", "ERROR"], entries.map {
                    [$0.id.map { String($0) } ?? "", $0.asset, $0.runId.map { String($0) } ?? "", $0.createdAt.iso8601Seconds,
                     String($0.attempts), $0.error.replacingOccurrences(of: "\n", with: " ")]
                })
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one quarantined record: the raw record and its error.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Quarantine id (see intake quarantine list).") var id: Int64
        @Flag(help: "JSON.") var json = false

        func run() async throws {
            try await reportingFailures {
                let env = try CommandEnvironment(global)
                let entry = try await env.withStore { store in try await store.quarantineEntry(id: id) }
                guard let entry else {
                    throw CommandFailure("no quarantined record with id \(id) (it may have been retried successfully; see intake quarantine list)")
                }
                if json {
                    printJSON(quarantineJSON(entry))
                    return
                }
                printFields([
                    ("id", String(id)), ("asset", entry.asset), ("run", entry.runId.map { String($0) } ?? ""),
                    ("quarantined", entry.createdAt.iso8601), ("retries", String(entry.attempts)),
                    ("last retry", entry.lastRetryAt?.iso8601 ?? ""), ("error", entry.error),
                ])
                print("record:")
                print(JSONWriter.string(entry.record, style: .pretty))
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Map quarantined records again with the asset's current mapping and save those that now map.",
            discussion: """
                A record that maps is saved through the normal deduplicating save and removed from the quarantine in \
                the same transaction; one that still fails stays, with its new error. Checkpoints are not touched. \
                Exit status 1 when any record still fails.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Quarantine id to retry.") var id: Int64?
        @Option(help: "Retry every quarantined record of this asset instead.") var asset: String?
        @Flag(help: "JSON: one outcome per record.") var json = false

        func validate() throws {
            if (id == nil) == (asset == nil) { throw ValidationError("give either a quarantine ID or --asset ASSET") }
        }

        func run() async throws {
            var anyFailed = false
            try await reportingFailures {
                let env = try CommandEnvironment(global)
                let outcomes = try await env.withStore { store in
                    let retry = QuarantineRetry(loader: env.loader, store: store, logger: env.logger)
                    if let id { return try await [retry.retry(id: id)] }
                    try await env.requireKnownAsset(asset!, in: store)
                    return try await retry.retryAll(asset: asset!)
                }
                anyFailed = outcomes.contains { $0.status == .failed }
                if json {
                    printJSON(.array(outcomes.map(\.json)))
                    return
                }
                if outcomes.isEmpty { print("\(asset ?? ""): no quarantined records") }
                for o in outcomes {
                    switch o.status {
                    case .resolved:
                        print("\(o.id) (\(o.asset)): saved and removed from the quarantine: "
                            + "\(o.summary.containersNew) new and \(o.summary.containersDuplicate) duplicate containers, "
                            + "\(o.summary.artifactsNew) new and \(o.summary.artifactsDuplicate) duplicate artifacts")
                    case .failed:
                        print("\(o.id) (\(o.asset)): still fails, kept: \(o.error ?? "")")
                    }
                }
                if outcomes.count > 1 {
                    let ok = outcomes.filter { $0.status == .resolved }.count
                    print("\(ok) of \(outcomes.count) saved, \(outcomes.count - ok) still quarantined")
                }
            }
            if anyFailed { throw ExitCode(1) }
        }
    }
}
