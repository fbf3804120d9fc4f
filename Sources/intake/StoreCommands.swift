import ArgumentParser
import IntakeCore
import IntakeStore

/// `intake containers list|show`.
struct ContainersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "containers", abstract: "List or show stored containers.",
                                                    subcommands: [List.self, Show.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List containers.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this asset's containers.") var asset: String?
        @Option(help: "Only containers with this label.") var label: String?
        @Option(help: "At most this many.") var limit: Int = 1000
        @Flag(help: "JSON in SOAR's container schema.") var json = false

        func run() async throws {
            let env = try CommandEnvironment(global)
            let store = try await env.openStore()
            let containers = try await store.containers(ContainerQuery(asset: asset, label: label, limit: limit))
            await store.close()
            if json {
                printJSON(.array(containers.map(\.json)))
                return
            }
            printTable(["ID", "ASSET", "LABEL", "SEVERITY", "STATUS", "ARTIFACTS", "SOURCE ID", "NAME"], containers.map {
                [String($0.id), $0.assetName ?? "", $0.label, $0.severity, $0.status, String($0.artifactCount),
                 $0.sourceDataIdentifier, $0.name]
            })
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one container with its artifacts.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Container id.") var id: Int64
        @Flag(help: "JSON in SOAR's container schema, with an artifacts array.") var json = false

        func run() async throws {
            let env = try CommandEnvironment(global)
            let store = try await env.openStore()
            guard let c = try await store.container(id: id) else {
                await store.close()
                printError("no container with id \(id)")
                throw ExitCode(1)
            }
            let artifacts = try await store.artifacts(ArtifactQuery(container: id, limit: 100_000))
            await store.close()
            if json {
                var o = c.json.objectValue ?? [:]
                o["artifacts"] = .array(artifacts.map(\.json))
                printJSON(.object(o))
                return
            }
            let fields: [(String, String)] = [
                ("id", String(c.id)), ("name", c.name), ("label", c.label), ("source id", c.sourceDataIdentifier),
                ("asset", c.assetName ?? ""), ("status", c.status), ("severity", c.severity), ("sensitivity", c.sensitivity),
                ("start", c.startTime?.iso8601 ?? ""), ("end", c.endTime?.iso8601 ?? ""), ("created", c.createTime.iso8601),
                ("updated", c.containerUpdateTime.iso8601), ("tags", c.tags.joined(separator: ", ")),
                ("description", c.description ?? ""), ("artifacts", String(c.artifactCount)),
            ]
            for (k, v) in fields where !v.isEmpty { print(k.padding(toLength: 12, withPad: " ", startingAt: 0) + v) }
            print()
            printTable(["ID", "LABEL", "SEVERITY", "START", "NAME", "CEF"], artifacts.map {
                [String($0.id), $0.label, $0.severity, $0.startTime?.iso8601 ?? "", $0.name, JSONWriter.string(.object($0.cef))]
            })
        }
    }
}

/// `intake artifacts list`.
struct ArtifactsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "artifacts", abstract: "List stored artifacts.",
                                                    subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List artifacts.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this container's artifacts.") var container: Int64?
        @Option(help: "At most this many.") var limit: Int = 1000
        @Flag(help: "JSON in SOAR's artifact schema.") var json = false

        func run() async throws {
            let env = try CommandEnvironment(global)
            let store = try await env.openStore()
            let artifacts = try await store.artifacts(ArtifactQuery(container: container, limit: limit))
            await store.close()
            if json {
                printJSON(.array(artifacts.map(\.json)))
                return
            }
            printTable(["ID", "CONTAINER", "LABEL", "SEVERITY", "NAME", "CEF"], artifacts.map {
                [String($0.id), String($0.container), $0.label, $0.severity, $0.name, JSONWriter.string(.object($0.cef))]
            })
        }
    }
}

/// `intake runs`.
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "List recent polls.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this asset's polls.") var asset: String?
    @Option(help: "At most this many.") var limit: Int = 50
    @Flag(help: "JSON.") var json = false

    func run() async throws {
        let env = try CommandEnvironment(global)
        let store = try await env.openStore()
        let runs = try await store.runs(asset: asset, limit: limit)
        await store.close()
        if json {
            printJSON(.array(runs.map { r in
                var o: JSONObject = ["id": .int(r.id), "asset": .string(r.asset), "mode": .string(r.mode.rawValue),
                                     "window_start": .optional(r.windowStart), "window_end": .optional(r.windowEnd),
                                     "started_at": .string(r.startedAt.iso8601), "finished_at": .optional(r.finishedAt),
                                     "status": .string(r.status), "error": .optional(r.error)]
                o["summary"] = r.summary.json
                return .object(o)
            }))
            return
        }
        printTable(["ID", "ASSET", "MODE", "STATUS", "STARTED", "RECORDS", "CONT NEW/DUP", "ART NEW/DUP", "QUAR", "ERROR"], runs.map {
            [String($0.id), $0.asset, $0.mode.rawValue, $0.status, $0.startedAt.iso8601Seconds, String($0.summary.records),
             "\($0.summary.containersNew)/\($0.summary.containersDuplicate)", "\($0.summary.artifactsNew)/\($0.summary.artifactsDuplicate)",
             String($0.summary.quarantined), $0.error ?? ""]
        })
    }
}
