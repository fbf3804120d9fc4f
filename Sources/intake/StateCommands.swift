import ArgumentParser
import Foundation
import IntakeCore
import IntakeStore

/// `intake state show|reset ASSET`: an asset's polling state.
struct StateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "state", abstract: "Show or reset an asset's polling state.",
                                                    subcommands: [Show.self, Reset.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an asset's checkpoint, first-run flag, last success and error, and its last polls.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The asset.") var asset: String
        @Option(help: "How many recent polls to show.") var runs: Int = 10
        @Flag(help: "JSON.") var json = false

        func validate() throws {
            if runs < 0 { throw ValidationError("--runs must be 0 or more (got \(runs))") }
        }

        func run() async throws {
            try await reportingFailures {
                let env = try CommandEnvironment(global)
                let (checkpoint, recent) = try await env.withStore { store in
                    try await env.requireKnownAsset(asset, in: store)
                    let checkpoint = try await store.checkpoint(asset: asset)
                    var recent: [PollRun] = []
                    if runs > 0 { recent = try await store.runs(asset: asset, limit: runs) }
                    return (checkpoint, recent)
                }
                let firstRun = checkpoint?.firstRun ?? true
                if json {
                    var o: JSONObject = ["asset": .string(asset), "first_run": .bool(firstRun)]
                    o["checkpoint"] = checkpoint.map { c -> JSONValue in
                        JSONValue.object(["cursor": c.cursor ?? .null, "first_run": .bool(c.firstRun), "last_success": .optional(c.lastSuccess),
                                 "last_error": .optional(c.lastError), "updated_at": .string(c.updatedAt.iso8601)])
                    } ?? .null
                    o["runs"] = .array(recent.map(runJSON))
                    printJSON(.object(o))
                    return
                }
                printFields([
                    ("asset", asset),
                    ("checkpoint", checkpoint?.cursor.map { JSONWriter.string($0) } ?? "none"),
                    ("first run", firstRun ? "yes: the next scheduled poll looks back the first-run lookback" : "no"),
                    ("last success", checkpoint?.lastSuccess?.iso8601 ?? "never"),
                    ("last error", checkpoint?.lastError ?? ""),
                    ("updated", checkpoint?.updatedAt.iso8601 ?? ""),
                ])
                if runs > 0 {
                    print()
                    if recent.isEmpty { print("no polls recorded") } else { printRuns(recent) }
                }
            }
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forget an asset's checkpoint, so its next scheduled poll is a first run.",
            discussion: "Stored containers and artifacts stay; the first run's overlap is deduplicated. "
                + "Asks for confirmation on a terminal (exit status 1 when declined); elsewhere it needs --yes.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The asset.") var asset: String
        @Flag(help: "Do not ask for confirmation.") var yes = false

        func run() async throws {
            try await reportingFailures {
                let env = try CommandEnvironment(global)
                try await env.withStore { store in
                    try await env.requireKnownAsset(asset, in: store)
                    guard let checkpoint = try await store.checkpoint(asset: asset) else {
                        print("\(asset) has no checkpoint: its next scheduled poll is a first run already; nothing changed")
                        return
                    }
                    let cursor = checkpoint.cursor.map { JSONWriter.string($0) } ?? "no cursor"
                    if !yes {
                        guard isatty(STDIN_FILENO) == 1 else {
                            throw CommandFailure("refusing to reset the checkpoint of \(asset) without --yes (standard input is not a terminal)")
                        }
                        print("Reset the checkpoint of \(asset) (\(cursor))? Its next scheduled poll will be a first run. [y/N] ",
                              terminator: "")
                        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
                        guard answer == "y" || answer == "yes" else {
                            throw CommandFailure("not reset: the checkpoint of \(asset) is unchanged")
                        }
                    }
                    try await store.resetCheckpoint(asset: asset)
                    print("reset the checkpoint of \(asset) (was \(cursor), last success \(checkpoint.lastSuccess?.iso8601 ?? "never")): "
                        + "its next scheduled poll is a first run; stored containers and artifacts are kept")
                }
            }
        }
    }
}
