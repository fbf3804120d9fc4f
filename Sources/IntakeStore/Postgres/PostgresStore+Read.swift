import IntakeCore
import PostgresNIO

extension PostgresStore {
    /// Runs a query and decodes every row with the shared decoders.
    func fetch<T: Sendable>(_ doing: String, _ query: PostgresQuery, _ decode: @escaping @Sendable (PostgresStoreRow) -> T)
        async throws(IntakeError) -> [T]
    {
        try await withConnection(doing) { conn in
            var out: [T] = []
            for try await row in try await conn.query(query, logger: self.logger) {
                out.append(decode(PostgresStoreRow(row)))
            }
            return out
        }
    }

    public func checkpoint(asset: String) async throws(IntakeError) -> Checkpoint? {
        try await fetch("read the checkpoint of \(asset)", """
            SELECT cursor::text AS cursor, first_run::int AS first_run, intake_us(last_success) AS last_success, last_error,
                intake_us(updated_at) AS updated_at
            FROM checkpoints WHERE asset = \(asset)
            """) { $0.checkpoint(asset: asset) }.first
    }

    public func containers(_ query: ContainerQuery) async throws(IntakeError) -> [Container] {
        var sql = "SELECT \(PostgresSchema.containerColumns) FROM containers"
        var binds = PostgresBindings()
        var conditions: [String] = []
        if let asset = query.asset {
            binds.append(asset)
            conditions.append("asset_name = $\(binds.count)")
        }
        if let label = query.label {
            binds.append(label)
            conditions.append("label = $\(binds.count)")
        }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        binds.append(Int64(query.limit))
        sql += " ORDER BY id LIMIT $\(binds.count)"
        return try await fetch("list containers", PostgresQuery(unsafeSQL: sql, binds: binds)) { $0.container }
    }

    public func container(id: Int64) async throws(IntakeError) -> Container? {
        try await fetch("read container \(id)",
                        "SELECT \(unescaped: PostgresSchema.containerColumns) FROM containers WHERE id = \(id)") { $0.container }.first
    }

    public func artifacts(_ query: ArtifactQuery) async throws(IntakeError) -> [Artifact] {
        let limit = Int64(query.limit)
        if let c = query.container {
            return try await fetch("list artifacts", """
                SELECT \(unescaped: PostgresSchema.artifactColumns) FROM artifacts WHERE container_id = \(c) ORDER BY id LIMIT \(limit)
                """) { $0.artifact }
        }
        return try await fetch("list artifacts",
                               "SELECT \(unescaped: PostgresSchema.artifactColumns) FROM artifacts ORDER BY id LIMIT \(limit)") { $0.artifact }
    }

    public func runs(asset: String?, limit: Int) async throws(IntakeError) -> [PollRun] {
        let limit = Int64(limit)
        if let asset {
            return try await fetch("list poll runs", """
                SELECT \(unescaped: PostgresSchema.runColumns) FROM poll_runs WHERE asset = \(asset) ORDER BY id DESC LIMIT \(limit)
                """) { $0.pollRun }
        }
        return try await fetch("list poll runs",
                               "SELECT \(unescaped: PostgresSchema.runColumns) FROM poll_runs ORDER BY id DESC LIMIT \(limit)") { $0.pollRun }
    }

    public func quarantine(asset: String?, limit: Int) async throws(IntakeError) -> [QuarantineEntry] {
        let limit = Int64(limit)
        if let asset {
            return try await fetch("list quarantined records", """
                SELECT \(unescaped: PostgresSchema.quarantineColumns) FROM quarantine WHERE asset = \(asset) ORDER BY id DESC LIMIT \(limit)
                """) { $0.quarantineEntry }
        }
        return try await fetch("list quarantined records",
                               "SELECT \(unescaped: PostgresSchema.quarantineColumns) FROM quarantine ORDER BY id DESC LIMIT \(limit)") {
            $0.quarantineEntry
        }
    }

    public func beginRun(_ run: PollRunStart) async throws(IntakeError) -> Int64 {
        try await withConnection("record the start of a poll of \(run.asset)") { conn in
            let rows = try await conn.query("""
                INSERT INTO poll_runs (asset, mode, window_start, window_end, started_at, status)
                VALUES (\(run.asset), \(run.mode.rawValue), intake_ts(\(run.windowStart.microseconds)), intake_ts(\(run.windowEnd.microseconds)),
                    intake_ts(\(run.startedAt.microseconds)), 'running')
                RETURNING id
                """, logger: self.logger)
            for try await id in rows.decode(Int64.self) { return id }
            throw IntakeError(.store, "the poll run was not recorded")
        }
    }

    public func finishRun(_ finish: PollRunFinish) async throws(IntakeError) {
        try await transaction("record the end of a poll of \(finish.asset)") { conn in
            let now = finish.finishedAt.microseconds
            try await conn.query("""
                UPDATE poll_runs SET finished_at = intake_ts(\(now)), status = \(finish.succeeded ? "success" : "failed"),
                    error = \(finish.error) WHERE id = \(finish.runId)
                """, logger: self.logger)
            guard finish.mode == .scheduled else { return }
            if finish.succeeded {
                try await conn.query("""
                    INSERT INTO checkpoints (asset, cursor, first_run, last_success, last_error, updated_at)
                    VALUES (\(finish.asset), \(finish.checkpoint.map { JSONWriter.string($0) })::json, false, intake_ts(\(now)), NULL,
                        intake_ts(\(now)))
                    ON CONFLICT (asset) DO UPDATE SET cursor = COALESCE(excluded.cursor, checkpoints.cursor), first_run = false,
                        last_success = excluded.last_success, last_error = NULL, updated_at = excluded.updated_at
                    """, logger: self.logger)
            } else {
                try await conn.query("""
                    INSERT INTO checkpoints (asset, cursor, first_run, last_error, updated_at)
                    VALUES (\(finish.asset), NULL, true, \(finish.error), intake_ts(\(now)))
                    ON CONFLICT (asset) DO UPDATE SET last_error = excluded.last_error, updated_at = excluded.updated_at
                    """, logger: self.logger)
            }
        }
    }

    public func resetCheckpoint(asset: String) async throws(IntakeError) {
        _ = try await withConnection("reset the checkpoint of \(asset)") { conn in
            try await conn.query("DELETE FROM checkpoints WHERE asset = \(asset)", logger: self.logger)
        }
    }
}
