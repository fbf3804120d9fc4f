import Foundation
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
        var q = FilteredQuery("SELECT \(PostgresSchema.containerColumns) FROM containers")
        if let asset = query.asset { q.where("asset_name = $", asset) }
        if let label = query.label { q.where("label = $", label) }
        if let since = query.since { q.where("container_update_time >= intake_ts($)", since.microseconds) }
        if let after = query.afterId { q.where("id > $", after) }
        return try await fetch("list containers", q.ordered(by: "id", limit: query.limit)) { $0.container }
    }

    public func container(id: Int64) async throws(IntakeError) -> Container? {
        try await fetch("read container \(id)",
                        "SELECT \(unescaped: PostgresSchema.containerColumns) FROM containers WHERE id = \(id)") { $0.container }.first
    }

    public func artifacts(_ query: ArtifactQuery) async throws(IntakeError) -> [Artifact] {
        var q = FilteredQuery("SELECT \(PostgresSchema.artifactColumns) FROM artifacts a")
        if let c = query.container { q.where("a.container_id = $", c) }
        if let asset = query.asset { q.where("a.container_id IN (SELECT id FROM containers WHERE asset_name = $)", asset) }
        if let label = query.label { q.where("a.label = $", label) }
        if let since = query.since { q.where("a.create_time >= intake_ts($)", since.microseconds) }
        if let after = query.afterId { q.where("a.id > $", after) }
        return try await fetch("list artifacts", q.ordered(by: "a.id", limit: query.limit)) { $0.artifact }
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

    public func quarantineEntry(id: Int64) async throws(IntakeError) -> QuarantineEntry? {
        try await fetch("read quarantined record \(id)",
                        "SELECT \(unescaped: PostgresSchema.quarantineColumns) FROM quarantine WHERE id = \(id)") { $0.quarantineEntry }.first
    }

    public func quarantineIds(asset: String?) async throws(IntakeError) -> [Int64] {
        var q = FilteredQuery("SELECT id FROM quarantine")
        if let asset { q.where("asset = $", asset) }
        return try await fetch("list quarantined records", q.ordered(by: "id", limit: nil)) { $0.int("id") ?? 0 }
    }

    public func recordQuarantineRetryFailure(id: Int64, error: String, at time: Timestamp) async throws(IntakeError) {
        _ = try await withConnection("record a failed retry of quarantined record \(id)") { conn in
            try await conn.query("""
                UPDATE quarantine SET error = \(error), attempts = attempts + 1, last_retry_at = intake_ts(\(time.microseconds))
                WHERE id = \(id)
                """, logger: self.logger)
        }
    }

    public func assetNames() async throws(IntakeError) -> [String] {
        try await fetch("list the stored assets", """
            SELECT name FROM assets UNION SELECT asset FROM checkpoints UNION SELECT asset FROM poll_runs
            UNION SELECT asset FROM quarantine ORDER BY 1
            """) { $0.text("name") ?? "" }
    }

    public func resetCheckpoint(asset: String) async throws(IntakeError) {
        _ = try await withConnection("reset the checkpoint of \(asset)") { conn in
            try await conn.query("DELETE FROM checkpoints WHERE asset = \(asset)", logger: self.logger)
        }
    }
}

/// A SELECT with optional conditions, each binding one value in place of its `$`.
struct FilteredQuery {
    private var sql: String
    private var conditions: [String] = []
    private var binds = PostgresBindings()

    init(_ select: String) { sql = select }

    mutating func `where`<V: PostgresNonThrowingEncodable>(_ condition: String, _ value: V) {
        binds.append(value)
        conditions.append(condition.replacingOccurrences(of: "$", with: "$\(binds.count)"))
    }

    func ordered(by column: String, limit: Int?) -> PostgresQuery {
        var text = sql
        var binds = binds
        if !conditions.isEmpty { text += " WHERE " + conditions.joined(separator: " AND ") }
        text += " ORDER BY \(column)"
        if let limit {
            binds.append(Int64(limit))
            text += " LIMIT $\(binds.count)"
        }
        return PostgresQuery(unsafeSQL: text, binds: binds)
    }
}
