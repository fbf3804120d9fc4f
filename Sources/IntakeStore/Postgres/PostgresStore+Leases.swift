import IntakeCore
import PostgresNIO

extension PostgresStore {
    // Lease times are the database's clock (now()), so processes on machines with skewed clocks agree.

    public func claimLease(name: String, holder: String, duration: IntakeDuration) async throws(IntakeError) -> Bool {
        try await withConnection("claim the lease \(name)") { conn in
            let rows = try await conn.query("""
                INSERT INTO leases (name, holder, expires_at)
                VALUES (\(name), \(holder), clock_timestamp() + \(duration.microseconds)::bigint * interval '1 microsecond')
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE leases.expires_at <= clock_timestamp() OR leases.holder = excluded.holder
                RETURNING holder
                """, logger: self.logger)
            for try await _ in rows { return true }
            return false
        }
    }

    public func renewLease(name: String, holder: String, duration: IntakeDuration) async throws(IntakeError) -> Bool {
        try await withConnection("renew the lease \(name)") { conn in
            let rows = try await conn.query("""
                UPDATE leases SET expires_at = clock_timestamp() + \(duration.microseconds)::bigint * interval '1 microsecond'
                WHERE name = \(name) AND holder = \(holder) RETURNING holder
                """, logger: self.logger)
            for try await _ in rows { return true }
            return false
        }
    }

    public func releaseLease(name: String, holder: String, keepFor: IntakeDuration) async throws(IntakeError) {
        _ = try await withConnection("release the lease \(name)") { conn in
            try await conn.query("""
                UPDATE leases SET expires_at = clock_timestamp() + \(max(0, keepFor.microseconds))::bigint * interval '1 microsecond'
                WHERE name = \(name) AND holder = \(holder)
                """, logger: self.logger)
        }
    }
}
