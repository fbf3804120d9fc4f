import ArgumentParser
import Foundation
import IntakeCore
import IntakeStore

/// Helpers shared by the commands that read the store.
extension CommandEnvironment {
    /// Opens the store, runs `body` with it and closes it, also when `body` throws.
    func withStore<T>(_ body: (any Store) async throws -> T) async throws -> T {
        let store = try await openStore()
        do {
            let result = try await body(store)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }

    /// Checks that `name` is an asset the configuration or the store knows, so that a typo is an
    /// error rather than an empty listing.
    func requireKnownAsset(_ name: String, in store: any Store) async throws {
        let configured = loader.assetNames()
        if configured.contains(name) { return }
        let stored = try await store.assetNames()
        if stored.contains(name) { return }
        let known = Array(Set(configured).union(stored)).sorted()
        throw CommandFailure("no asset named '\(name)' in \(loader.display(loader.directory))/assets or in the store"
            + (known.isEmpty ? "" : " (known assets: \(known.joined(separator: ", ")))"))
    }
}

/// Runs a command body, turning failures into a message and a non-zero exit status.
func reportingFailures(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let e as CommandFailure {
        printError(e.description)
        throw ExitCode(1)
    } catch let e as IntakeError {
        printError(e.description)
        throw ExitCode(1)
    }
}

/// Parses `--since`; nil when absent.
func parseSince(_ text: String?) throws -> Timestamp? {
    try text.map { try TimeArgument.parse($0, now: Timestamp.now(), option: "--since") }
}

/// Checks `--limit`.
func checkLimit(_ limit: Int) throws {
    if limit < 1 { throw ValidationError("--limit must be at least 1 (got \(limit))") }
}

/// A run as `intake runs --json` and `intake state show --json` print it.
func runJSON(_ r: PollRun) -> JSONValue {
    var o: JSONObject = ["id": .int(r.id), "asset": .string(r.asset), "mode": .string(r.mode.rawValue),
                         "window_start": .optional(r.windowStart), "window_end": .optional(r.windowEnd),
                         "started_at": .string(r.startedAt.iso8601), "finished_at": .optional(r.finishedAt),
                         "duration_seconds": r.duration.map(JSONValue.double) ?? .null,
                         "status": .string(r.status), "error": .optional(r.error)]
    o["summary"] = r.summary.json
    return .object(o)
}

/// Runs as a human table.
func printRuns(_ runs: [PollRun]) {
    printTable(["ID", "ASSET", "MODE", "STATUS", "STARTED", "DURATION", "RECORDS", "CONT NEW/DUP", "ART NEW/DUP", "QUAR", "ERROR"],
               runs.map {
        [String($0.id), $0.asset, $0.mode.rawValue, $0.status, $0.startedAt.iso8601Seconds,
         $0.duration.map { String(format: "%.1fs", $0) } ?? "", String($0.summary.records),
         "\($0.summary.containersNew)/\($0.summary.containersDuplicate)", "\($0.summary.artifactsNew)/\($0.summary.artifactsDuplicate)",
         String($0.summary.quarantined), $0.error ?? ""]
    })
}

/// A quarantine entry as JSON.
func quarantineJSON(_ q: QuarantineEntry) -> JSONValue {
    .object(["id": q.id.map(JSONValue.int) ?? .null, "asset": .string(q.asset), "run_id": q.runId.map(JSONValue.int) ?? .null,
             "created_at": .string(q.createdAt.iso8601), "attempts": .int(Int64(q.attempts)),
             "last_retry_at": .optional(q.lastRetryAt), "error": .string(q.error), "record": q.record])
}

/// `key   value` lines, skipping empty values.
func printFields(_ fields: [(String, String)]) {
    let width = (fields.map(\.0.count).max() ?? 0) + 2
    for (k, v) in fields where !v.isEmpty { print(k.padding(toLength: width, withPad: " ", startingAt: 0) + v) }
}
