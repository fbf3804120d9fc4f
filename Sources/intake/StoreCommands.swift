import ArgumentParser
import IntakeCore
import IntakeStore

/// `intake containers list|show`.
struct ContainersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "containers", abstract: "List or show stored containers.",
                                                    subcommands: [List.self, Show.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List containers, oldest first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this asset's containers.") var asset: String?
        @Option(help: "Only containers with this label.") var label: String?
        @Option(help: "Only containers updated at or after this time: ISO-8601, epoch milliseconds, or relative like -2h.")
        var since: String?
        @Option(help: "At most this many.") var limit: Int = 1000
        @Flag(help: "JSON in SOAR's container schema.") var json = false

        func validate() throws { try checkLimit(limit) }

        func run() async throws {
            try await reportingFailures {
                let sinceTime = try parseSince(since)
                let env = try CommandEnvironment(global)
                let containers = try await env.withStore { store in
                    if let asset { try await env.requireKnownAsset(asset, in: store) }
                    return try await store.containers(ContainerQuery(asset: asset, label: label, since: sinceTime, limit: limit))
                }
                if json {
                    printJSON(.array(containers.map(\.json)))
                    return
                }
                printTable(["ID", "ASSET", "LABEL", "SEVERITY", "STATUS", "ARTIFACTS", "UPDATED", "SOURCE ID", "NAME"], containers.map {
                    [String($0.id), $0.assetName ?? "", $0.label, $0.severity, $0.status, String($0.artifactCount),
                     $0.containerUpdateTime.iso8601Seconds, $0.sourceDataIdentifier, $0.name]
                })
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one container with its artifacts.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Container id.") var id: Int64
        @Flag(help: "JSON in SOAR's container schema, with an artifacts array.") var json = false

        func run() async throws {
            try await reportingFailures {
                let env = try CommandEnvironment(global)
                let (c, artifacts) = try await env.withStore { store in
                    guard let c = try await store.container(id: id) else {
                        throw CommandFailure("no container with id \(id) (see intake containers list)")
                    }
                    var artifacts: [Artifact] = []
                    var after: Int64? = nil
                    while true {
                        let page = try await store.artifacts(ArtifactQuery(container: id, afterId: after, limit: 1000))
                        artifacts += page
                        guard page.count == 1000, let last = page.last else { break }
                        after = last.id
                    }
                    return (c, artifacts)
                }
                if json {
                    var o = c.json.objectValue ?? [:]
                    o["artifacts"] = .array(artifacts.map(\.json))
                    printJSON(.object(o))
                    return
                }
                printFields([
                    ("id", String(c.id)), ("name", c.name), ("label", c.label), ("source id", c.sourceDataIdentifier),
                    ("asset", c.assetName ?? ""), ("status", c.status), ("severity", c.severity), ("sensitivity", c.sensitivity),
                    ("start", c.startTime?.iso8601 ?? ""), ("end", c.endTime?.iso8601 ?? ""), ("created", c.createTime.iso8601),
                    ("updated", c.containerUpdateTime.iso8601), ("owner", c.owner ?? ""), ("kill chain", c.killChain ?? ""),
                    ("tags", c.tags.joined(separator: ", ")), ("description", c.description ?? ""), ("hash", c.hash),
                    ("artifacts", String(c.artifactCount)),
                ])
                print()
                printTable(["ID", "LABEL", "SEVERITY", "START", "NAME", "CEF"], artifacts.map {
                    [String($0.id), $0.label, $0.severity, $0.startTime?.iso8601 ?? "", $0.name, JSONWriter.string(.object($0.cef))]
                })
            }
        }
    }
}

/// `intake artifacts list`.
struct ArtifactsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "artifacts", abstract: "List stored artifacts.",
                                                    subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List artifacts, oldest first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this container's artifacts.") var container: Int64?
        @Option(help: "Only artifacts in this asset's containers.") var asset: String?
        @Option(help: "Only artifacts with this (artifact) label.") var label: String?
        @Option(help: "Only artifacts stored at or after this time: ISO-8601, epoch milliseconds, or relative like -2h.")
        var since: String?
        @Option(help: "At most this many.") var limit: Int = 1000
        @Flag(help: "JSON in SOAR's artifact schema.") var json = false

        func validate() throws { try checkLimit(limit) }

        func run() async throws {
            try await reportingFailures {
                let sinceTime = try parseSince(since)
                let env = try CommandEnvironment(global)
                let artifacts = try await env.withStore { store in
                    if let asset { try await env.requireKnownAsset(asset, in: store) }
                    if let container, try await store.container(id: container) == nil {
                        throw CommandFailure("no container with id \(container) (see intake containers list)")
                    }
                    return try await store.artifacts(ArtifactQuery(container: container, asset: asset, label: label,
                                                                   since: sinceTime, limit: limit))
                }
                if json {
                    printJSON(.array(artifacts.map(\.json)))
                    return
                }
                printTable(["ID", "CONTAINER", "LABEL", "SEVERITY", "CREATED", "NAME", "CEF"], artifacts.map {
                    [String($0.id), String($0.container), $0.label, $0.severity, $0.createTime.iso8601Seconds, $0.name,
                     JSONWriter.string(.object($0.cef))]
                })
            }
        }
    }
}

/// `intake runs`.
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "List recent polls, newest first.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this asset's polls.") var asset: String?
    @Option(help: "At most this many.") var limit: Int = 50
    @Flag(help: "JSON.") var json = false

    func validate() throws { try checkLimit(limit) }

    func run() async throws {
        try await reportingFailures {
            let env = try CommandEnvironment(global)
            let runs = try await env.withStore { store in
                if let asset { try await env.requireKnownAsset(asset, in: store) }
                return try await store.runs(asset: asset, limit: limit)
            }
            if json {
                printJSON(.array(runs.map(runJSON)))
                return
            }
            printRuns(runs)
        }
    }
}
