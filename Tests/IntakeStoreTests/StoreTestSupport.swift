import Foundation
import IntakeCore
import IntakeStore

/// Runs `body` with a fresh SQLite store in a temporary directory, removed afterwards.
func withTemporaryStore<T>(_ body: (SQLiteStore, String) async throws -> T) async throws -> T {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("intake-store-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try await SQLiteStore(path: dir + "/intake.sqlite")
    do {
        let r = try await body(store, dir)
        await store.close()
        return r
    } catch {
        await store.close()
        throw error
    }
}

func draft(_ sdi: String, label: String = "incident", name: String? = nil) -> ContainerDraft {
    ContainerDraft(label: label, name: name ?? "Container \(sdi)", sourceDataIdentifier: sdi, data: ["id": .string(sdi)])
}

func artifact(_ value: String, sdi: String? = "a-1", start: String? = nil) -> ArtifactDraft {
    ArtifactDraft(name: "Artifact", sourceDataIdentifier: sdi, startTime: start.flatMap { Timestamp(iso8601: $0) },
                  cef: ["sourceAddress": .string(value)], data: ["src": .string(value)])
}

extension SQLiteStore {
    /// Saves entries as one page of a fresh run of `asset`.
    @discardableResult
    func savePage(_ entries: [PageWrite.Entry], asset: String = "test-asset", checkpoint: JSONValue? = nil,
                  limits: PollLimits = PollLimits()) async throws -> PageOutcome {
        let now = Timestamp.now()
        let run = try await beginRun(PollRunStart(asset: asset, mode: .scheduled, windowStart: now, windowEnd: now, startedAt: now))
        return try await save(PageWrite(asset: asset, appId: "http_json", runId: run, entries: entries, records: entries.count,
                                        checkpoint: checkpoint, limits: limits))
    }
}
