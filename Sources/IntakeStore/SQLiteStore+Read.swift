import GRDB
import IntakeCore

extension SQLiteStore {
    public func checkpoint(asset: String) async throws(IntakeError) -> Checkpoint? {
        try await read("read the checkpoint of \(asset)") { db in
            guard let row = try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM checkpoints WHERE asset = ?"), arguments: [asset]) else {
                return nil
            }
            return SQLiteRow(row).checkpoint(asset: asset)
        }
    }

    public func containers(_ query: ContainerQuery) async throws(IntakeError) -> [Container] {
        try await read("list containers") { db in
            var conditions: [String] = []
            var args: StatementArguments = []
            if let asset = query.asset {
                conditions.append("asset_name = ?")
                _ = args.append(contentsOf: [asset])
            }
            if let label = query.label {
                conditions.append("label = ?")
                _ = args.append(contentsOf: [label])
            }
            if let since = query.since {
                conditions.append("container_update_time >= ?")
                _ = args.append(contentsOf: [since.iso8601])
            }
            if let after = query.afterId {
                conditions.append("id > ?")
                _ = args.append(contentsOf: [after])
            }
            var sql = "SELECT * FROM containers"
            if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
            sql += " ORDER BY id LIMIT ?"
            _ = args.append(contentsOf: [query.limit])
            return try Row.fetchAll(db, sql: sql, arguments: args).map { SQLiteRow($0).container }
        }
    }

    public func container(id: Int64) async throws(IntakeError) -> Container? {
        try await read("read container \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM containers WHERE id = ?", arguments: [id]).map { SQLiteRow($0).container }
        }
    }

    public func artifacts(_ query: ArtifactQuery) async throws(IntakeError) -> [Artifact] {
        try await read("list artifacts") { db in
            var conditions: [String] = []
            var args: StatementArguments = []
            if let c = query.container {
                conditions.append("a.container_id = ?")
                _ = args.append(contentsOf: [c])
            }
            if let asset = query.asset {
                conditions.append("a.container_id IN (SELECT id FROM containers WHERE asset_name = ?)")
                _ = args.append(contentsOf: [asset])
            }
            if let label = query.label {
                conditions.append("a.label = ?")
                _ = args.append(contentsOf: [label])
            }
            if let since = query.since {
                conditions.append("a.create_time >= ?")
                _ = args.append(contentsOf: [since.iso8601])
            }
            if let after = query.afterId {
                conditions.append("a.id > ?")
                _ = args.append(contentsOf: [after])
            }
            var sql = "SELECT a.* FROM artifacts a"
            if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
            sql += " ORDER BY a.id LIMIT ?"
            _ = args.append(contentsOf: [query.limit])
            return try Row.fetchAll(db, sql: sql, arguments: args).map { SQLiteRow($0).artifact }
        }
    }

    public func runs(asset: String?, limit: Int) async throws(IntakeError) -> [PollRun] {
        try await read("list poll runs") { db in
            let rows: [Row]
            if let asset {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM poll_runs WHERE asset = ? ORDER BY id DESC LIMIT ?", arguments: [asset, limit])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM poll_runs ORDER BY id DESC LIMIT ?", arguments: [limit])
            }
            return rows.map { SQLiteRow($0).pollRun }
        }
    }

    public func quarantine(asset: String?, limit: Int) async throws(IntakeError) -> [QuarantineEntry] {
        try await read("list quarantined records") { db in
            let rows: [Row]
            if let asset {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM quarantine WHERE asset = ? ORDER BY id DESC LIMIT ?", arguments: [asset, limit])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM quarantine ORDER BY id DESC LIMIT ?", arguments: [limit])
            }
            return rows.map { SQLiteRow($0).quarantineEntry }
        }
    }

    public func quarantineEntry(id: Int64) async throws(IntakeError) -> QuarantineEntry? {
        try await read("read quarantined record \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM quarantine WHERE id = ?", arguments: [id]).map { SQLiteRow($0).quarantineEntry }
        }
    }

    public func quarantineIds(asset: String?) async throws(IntakeError) -> [Int64] {
        try await read("list quarantined records") { db in
            if let asset {
                return try Int64.fetchAll(db, sql: "SELECT id FROM quarantine WHERE asset = ? ORDER BY id", arguments: [asset])
            }
            return try Int64.fetchAll(db, sql: "SELECT id FROM quarantine ORDER BY id")
        }
    }

    public func recordQuarantineRetryFailure(id: Int64, error: String, at time: Timestamp) async throws(IntakeError) {
        try await write("record a failed retry of quarantined record \(id)") { db in
            try db.execute(sql: "UPDATE quarantine SET error = ?, attempts = attempts + 1, last_retry_at = ? WHERE id = ?",
                           arguments: [error, time.iso8601, id])
        }
    }

    public func assetNames() async throws(IntakeError) -> [String] {
        try await read("list the stored assets") { db in
            try String.fetchAll(db, sql: """
                SELECT name FROM assets UNION SELECT asset FROM checkpoints UNION SELECT asset FROM poll_runs
                UNION SELECT asset FROM quarantine ORDER BY 1
                """)
        }
    }
}

/// Reads SQLite rows by column name for the shared decoders; times are ISO-8601 text.
struct SQLiteRow: StoreRow {
    let row: Row

    init(_ row: Row) { self.row = row }

    func text(_ column: String) -> String? { row[column] }
    func int(_ column: String) -> Int64? { row[column] }
    func time(_ column: String) -> Timestamp? { text(column).flatMap { Timestamp(iso8601: $0) } }
}
