import IntakeCore
import PostgresNIO

extension PostgresStore {
    public func containerID(asset: String, label: String, sourceDataIdentifier: String) async throws(IntakeError) -> Int64? {
        try await fetch("look up container \(label)/\(sourceDataIdentifier) of \(asset)", """
            SELECT c.id FROM containers c JOIN assets a ON a.id = c.asset_id
            WHERE a.name = \(asset) AND c.label = \(label) AND c.source_data_identifier = \(sourceDataIdentifier)
            """) { $0.int("id") }.first ?? nil
    }

    public func artifactID(containerID: Int64, hash: String) async throws(IntakeError) -> Int64? {
        try await fetch("look up artifact \(hash) in container \(containerID)", """
            SELECT id FROM artifacts WHERE container_id = \(containerID) AND hash = \(hash) AND source_data_identifier IS NOT NULL
            ORDER BY id LIMIT 1
            """) { $0.int("id") }.first ?? nil
    }
}
