import GRDB
import IntakeCore

extension SQLiteStore {
    public func checkpoint(asset: String) async throws(IntakeError) -> Checkpoint? {
        try await read("read the checkpoint of \(asset)") { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM checkpoints WHERE asset = ?", arguments: [asset]) else {
                return nil
            }
            return Checkpoint(asset: asset, cursor: json(row["cursor"]), firstRun: (row["first_run"] as Int64) != 0,
                              lastSuccess: time(row["last_success"]), lastError: row["last_error"],
                              updatedAt: time(row["updated_at"]) ?? Timestamp(microseconds: 0))
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
            return try Row.fetchAll(db, sql: sql, arguments: args).map(decodeContainer)
        }
    }

    public func container(id: Int64) async throws(IntakeError) -> Container? {
        try await read("read container \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM containers WHERE id = ?", arguments: [id]).map(decodeContainer)
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
            return try Row.fetchAll(db, sql: sql, arguments: args).map(decodeArtifact)
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
            return rows.map { r in
                var s = PollSummary()
                s.pages = r["pages"]
                s.records = r["records"]
                s.containersNew = r["containers_new"]
                s.containersDuplicate = r["containers_duplicate"]
                s.artifactsNew = r["artifacts_new"]
                s.artifactsDuplicate = r["artifacts_duplicate"]
                s.quarantined = r["quarantined"]
                return PollRun(id: r["id"], asset: r["asset"], mode: PollMode(rawValue: r["mode"]) ?? .scheduled,
                               windowStart: time(r["window_start"]), windowEnd: time(r["window_end"]),
                               startedAt: time(r["started_at"]) ?? Timestamp(microseconds: 0), finishedAt: time(r["finished_at"]),
                               status: r["status"], error: r["error"], summary: s)
            }
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
            return rows.map(decodeQuarantine)
        }
    }

    public func quarantineEntry(id: Int64) async throws(IntakeError) -> QuarantineEntry? {
        try await read("read quarantined record \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM quarantine WHERE id = ?", arguments: [id]).map(decodeQuarantine)
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

/// Row decoding shared by the readers.
func json(_ text: String?) -> JSONValue? {
    guard let text else { return nil }
    return try? JSONParser.parse(text)
}

func time(_ text: String?) -> Timestamp? { text.flatMap { Timestamp(iso8601: $0) } }

func strings(_ text: String?) -> [String] {
    json(text)?.arrayValue?.compactMap(\.stringValue) ?? []
}

func decodeContainer(_ r: Row) -> Container {
    Container(id: r["id"], label: r["label"], name: r["name"], sourceDataIdentifier: r["source_data_identifier"],
              description: r["description"], status: r["status"], sensitivity: r["sensitivity"], severity: r["severity"],
              createTime: time(r["create_time"]) ?? Timestamp(microseconds: 0), startTime: time(r["start_time"]),
              endTime: time(r["end_time"]), dueTime: time(r["due_time"]), closeTime: time(r["close_time"]),
              killChain: r["kill_chain"], owner: r["owner"], hash: r["hash"], tags: strings(r["tags"]), asset: r["asset_id"],
              assetName: r["asset_name"], artifactUpdateTime: time(r["artifact_update_time"]),
              containerUpdateTime: time(r["container_update_time"]) ?? Timestamp(microseconds: 0), ingestAppId: r["ingest_app_id"],
              data: json(r["data"]) ?? .null, customFields: json(r["custom_fields"])?.objectValue ?? [:],
              artifactCount: r["artifact_count"])
}

func decodeQuarantine(_ r: Row) -> QuarantineEntry {
    QuarantineEntry(id: r["id"], asset: r["asset"], runId: r["run_id"], record: json(r["record"]) ?? .null, error: r["error"],
                    createdAt: time(r["created_at"]) ?? Timestamp(microseconds: 0), attempts: r["attempts"],
                    lastRetryAt: time(r["last_retry_at"]))
}

func decodeArtifact(_ r: Row) -> Artifact {
    Artifact(id: r["id"], name: r["name"], label: r["label"], sourceDataIdentifier: r["source_data_identifier"],
             createTime: time(r["create_time"]) ?? Timestamp(microseconds: 0), startTime: time(r["start_time"]),
             endTime: time(r["end_time"]), severity: r["severity"], type: r["type"], killChain: r["kill_chain"], hash: r["hash"],
             cef: json(r["cef"])?.objectValue ?? [:], cefTypes: json(r["cef_types"])?.objectValue ?? [:], container: r["container_id"],
             description: r["description"], tags: strings(r["tags"]), data: json(r["data"]) ?? .null)
}
