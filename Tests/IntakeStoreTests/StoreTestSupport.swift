import Foundation
import IntakeCore
import IntakeStore
import IntakeTestSupport
import Testing

func draft(_ sdi: String, label: String = "incident", name: String? = nil) -> ContainerDraft {
    ContainerDraft(label: label, name: name ?? "Container \(sdi)", sourceDataIdentifier: sdi, data: ["id": .string(sdi)])
}

func artifact(_ value: String, sdi: String? = "a-1", start: String? = nil) -> ArtifactDraft {
    ArtifactDraft(name: "Artifact", sourceDataIdentifier: sdi, startTime: start.flatMap { Timestamp(iso8601: $0) },
                  cef: ["sourceAddress": .string(value)], data: ["src": .string(value)])
}

extension Store {
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
