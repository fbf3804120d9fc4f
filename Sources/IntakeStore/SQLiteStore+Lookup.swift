import GRDB
import IntakeCore

extension SQLiteStore {
    public func containerID(asset: String, label: String, sourceDataIdentifier: String) async throws(IntakeError) -> Int64? {
        try await read("look up container \(label)/\(sourceDataIdentifier) of \(asset)") { db in
            try Int64.fetchOne(db, sql: """
                SELECT c.id FROM containers c JOIN assets a ON a.id = c.asset_id
                WHERE a.name = ? AND c.label = ? AND c.source_data_identifier = ?
                """, arguments: [asset, label, sourceDataIdentifier])
        }
    }

    public func artifactID(containerID: Int64, hash: String) async throws(IntakeError) -> Int64? {
        try await read("look up artifact \(hash) in container \(containerID)") { db in
            try Int64.fetchOne(db, sql: """
                SELECT id FROM artifacts WHERE container_id = ? AND hash = ? AND source_data_identifier IS NOT NULL
                ORDER BY id LIMIT 1
                """, arguments: [containerID, hash])
        }
    }
}
