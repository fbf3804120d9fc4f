import GRDB
import IntakeCore

extension SQLiteStore {
    // One SQLite file is one machine: lease times are this process's clock, as microseconds in text
    // ISO form like the other times (fixed width, so text order is time order).

    public func claimLease(name: String, holder: String, duration: IntakeDuration) async throws(IntakeError) -> Bool {
        try await write("claim the lease \(name)") { db in
            let now = Timestamp.now()
            try db.cachedStatement(sql: """
                INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE leases.expires_at <= ? OR leases.holder = excluded.holder
                """).execute(arguments: [name, holder, now.adding(duration).iso8601, now.iso8601])
            return db.changesCount > 0
        }
    }

    public func renewLease(name: String, holder: String, duration: IntakeDuration) async throws(IntakeError) -> Bool {
        try await write("renew the lease \(name)") { db in
            try db.cachedStatement(sql: "UPDATE leases SET expires_at = ? WHERE name = ? AND holder = ?")
                .execute(arguments: [Timestamp.now().adding(duration).iso8601, name, holder])
            return db.changesCount > 0
        }
    }

    public func releaseLease(name: String, holder: String, keepFor: IntakeDuration) async throws(IntakeError) {
        try await write("release the lease \(name)") { db in
            try db.cachedStatement(sql: "UPDATE leases SET expires_at = ? WHERE name = ? AND holder = ?")
                .execute(arguments: [Timestamp.now().adding(IntakeDuration(microseconds: max(0, keepFor.microseconds))).iso8601,
                                     name, holder])
        }
    }
}
