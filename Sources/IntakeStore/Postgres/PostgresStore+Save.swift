import IntakeCore
import PostgresNIO

extension PostgresStore {
    public func save(_ page: PageWrite) async throws(IntakeError) -> PageOutcome {
        let now = Timestamp.now()
        let known = assetIds.withLock { $0[page.asset] }
        let (outcome, assetId) = try await transaction("save a page for asset \(page.asset)") { conn in
            let assetId = try await self.assetId(conn, known: known, name: page.asset, app: page.appId)
            var touches: [Int64: SavePlan.Touch] = [:]
            let outcome = try await PostgresStore.savePage(conn, page, assetId: assetId, now: now, touches: &touches, logger: self.logger)
            try await PostgresStore.updateContainers(conn, touches, now: now, logger: self.logger)
            return (outcome, assetId)
        }
        // Cached only once committed: a rolled-back insert must not leave an id behind.
        assetIds.withLock { $0[page.asset] = assetId }
        return outcome
    }

    /// Takes nothing from `waiting`: a transaction that meets a row another writer stored meanwhile
    /// runs again from its first page, so every page in it would have to be kept until it commits.
    /// (Measured: longer transactions did not speed up a first ingest into PostgreSQL.)
    public func save(pages: consuming [PageWrite], then waiting: WaitingPages?) async throws(IntakeError) -> [PageOutcome] {
        let pages = pages  // kept whole: a transaction that runs again starts from its first page
        guard let first = pages.first else { return [] }
        guard pages.allSatisfy({ $0.asset == first.asset }) else {
            throw IntakeError(.store, "cannot save pages of different assets in one transaction")
        }
        let now = Timestamp.now()
        let known = assetIds.withLock { $0[first.asset] }
        let (outcomes, assetId) = try await transaction("save \(pages.count) page\(pages.count == 1 ? "" : "s") for asset \(first.asset)") {
            conn in
            let assetId = try await self.assetId(conn, known: known, name: first.asset, app: first.appId)
            var outcomes: [PageOutcome] = []
            outcomes.reserveCapacity(pages.count)
            var limits = first.limits
            // Container counters and times are brought up to date once for all the pages: a row
            // updated once per page would leave a dead version of itself (and of its index entries)
            // per page.
            var touches: [Int64: SavePlan.Touch] = [:]
            for var page in pages {
                page.limits = limits
                let outcome = try await PostgresStore.savePage(conn, page, assetId: assetId, now: now, touches: &touches,
                                                               logger: self.logger)
                outcomes.append(outcome)
                limits = outcome.limits
                if outcome.stoppedAtEntry != nil { break }
            }
            try await PostgresStore.updateContainers(conn, touches, now: now, logger: self.logger)
            return (outcomes, assetId)
        }
        assetIds.withLock { $0[first.asset] = assetId }
        return outcomes
    }

    func assetId(_ conn: PostgresSession, known: Int64?, name: String, app: String) async throws -> Int64 {
        if let known { return known }
        try await conn.query("INSERT INTO assets (name, app, created_at) VALUES (\(name), \(app), now()) ON CONFLICT (name) DO NOTHING",
                             logger: logger)
        for try await id in try await conn.query("SELECT id FROM assets WHERE name = \(name)", logger: logger).decode(Int64.self) {
            return id
        }
        throw IntakeError(.store, "asset \(name) could not be registered")
    }

    /// Saves one page in the caller's transaction with a handful of set-based statements.
    ///
    /// The decisions (which containers to create, which artifacts a limit lets through, where the page
    /// stops) are taken first by ``SavePlan``, with the SQLite store's rules; new containers and
    /// artifacts are then streamed with COPY, in key order so that concurrent writers do not deadlock.
    /// A row another process committed meanwhile fails the COPY on a unique index, and the transaction
    /// runs again (``PostgresSaveRace``): the row becomes a duplicate, never a second copy.
    ///
    /// What the page adds to each container (artifacts, earliest and latest times) is added to
    /// `touches`, for ``updateContainers(_:_:now:logger:)`` to apply before the transaction ends.
    static func savePage(_ conn: PostgresSession, _ page: PageWrite, assetId: Int64, now: Timestamp,
                         touches: inout [Int64: SavePlan.Touch], logger: Logger) async throws -> PageOutcome {
        // What the page refers to that is stored already.
        var keys = JSONWriter()
        var seenKeys = Set<String>()
        var keyRows: [JSONValue] = []
        for e in page.entries where seenKeys.insert(SavePlan.key(e.container)).inserted {
            keyRows.append(["l": .string(e.container.label), "s": .string(e.container.sourceDataIdentifier)])
        }
        keys.write(.array(keyRows))
        var existing: [String: SavePlan.KnownContainer] = [:]
        if !keyRows.isEmpty {
            let rows = try await conn.query("""
                SELECT c.id, c.label, c.source_data_identifier, c.status FROM containers c
                JOIN json_to_recordset(\(keys.text)::json) AS k(l text, s text)
                  ON c.label = k.l AND c.source_data_identifier = k.s
                WHERE c.asset_id = \(assetId)
                """, logger: logger)
            for try await (id, label, sdi, status) in rows.decode((Int64, String, String, String).self) {
                existing[label + "\u{1F}" + sdi] = .init(id: id, closed: status == "closed")
            }
        }
        var storedHashes = Set<String>()
        var hashRows: [JSONValue] = []
        for e in page.entries {
            guard let c = existing[SavePlan.key(e.container)] else { continue }
            for a in e.artifacts where a.sourceDataIdentifier != nil {
                hashRows.append(["c": .int(c.id), "h": .string(a.hash)])
            }
        }
        if !hashRows.isEmpty {
            let rows = try await conn.query("""
                SELECT a.container_id, a.hash FROM artifacts a
                JOIN json_to_recordset(\(JSONWriter.string(.array(hashRows)))::json) AS k(c bigint, h text)
                  ON a.container_id = k.c AND a.hash = k.h
                WHERE a.source_data_identifier IS NOT NULL
                """, logger: logger)
            for try await (cid, hash) in rows.decode((Int64, String).self) {
                storedHashes.insert(SavePlan.artifactKey(cid, hash))
            }
        }

        var plan = SavePlan(page: page, existing: existing, storedHashes: storedHashes, now: now)
        plan.decide()

        // Containers and artifacts are streamed with COPY, much cheaper for the server than an INSERT
        // of the page's rows. COPY has no ON CONFLICT: a container or artifact another writer stored
        // after the look-ups above fails the page with a unique violation, and the whole transaction
        // runs again (as after a deadlock); its look-ups then find that row, as a duplicate.
        var realIds: [Int64: Int64] = [:]
        if !plan.newContainers.isEmpty {
            let ids = try await nextIds(conn, sequence: "containers_id_seq", count: plan.newContainers.count, logger: logger)
            for (n, planned) in plan.newContainers.enumerated() { realIds[planned.virtualId] = ids[n] }
            let rows = containerRows(page, plan: plan, ids: ids, assetId: assetId, now: now)
            try await copyNew(conn, into: "containers", columns: containerColumns, rows: rows, logger: logger)
        }
        plan.resolveContainers(realIds: realIds)

        if !plan.newArtifacts.isEmpty {
            let ids = try await nextIds(conn, sequence: "artifacts_id_seq", count: plan.newArtifacts.count, logger: logger)
            for n in plan.newArtifacts.indices { plan.newArtifacts[n].id = ids[n] }
            let rows = artifactRows(page, plan: plan, now: now)
            try await copyNew(conn, into: "artifacts", columns: artifactColumns, rows: rows, logger: logger)
            plan.resolveArtifacts(inserted: Set(ids))
        }

        var out = plan.outcome()

        touches.merge(plan.touches) { $0.adding($1) }

        if !page.quarantine.isEmpty {
            let rows: [JSONValue] = page.quarantine.map { e in
                ["run_id": e.runId.map(JSONValue.int) ?? .null, "record": e.record, "record_hash": .string(Digest.canonicalSHA256(e.record)),
                 "error": .string(e.error), "at": .int(e.createdAt.microseconds)]
            }
            try await conn.query("""
                INSERT INTO quarantine (asset, run_id, record, record_hash, error, created_at)
                SELECT \(page.asset), q.run_id, q.record, q.record_hash, q.error, intake_ts(q.at)
                FROM json_to_recordset(\(JSONWriter.string(.array(rows)))::json) AS q(run_id bigint, record json, record_hash text,
                    error text, at bigint)
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }

        // Only a page saved whole resolves its quarantine entries.
        if !page.resolvesQuarantine.isEmpty && out.stoppedAtEntry == nil {
            try await conn.query("""
                DELETE FROM quarantine WHERE asset = \(page.asset) AND id IN (SELECT value::bigint FROM json_array_elements_text(
                    \(JSONWriter.string(.array(page.resolvesQuarantine.map(JSONValue.int))))::json))
                """, logger: logger)
        }

        let s = out.summary
        try await conn.query("""
            UPDATE poll_runs SET pages = pages + 1, records = records + \(s.records), containers_new = containers_new + \(s.containersNew),
                containers_duplicate = containers_duplicate + \(s.containersDuplicate), artifacts_new = artifacts_new + \(s.artifactsNew),
                artifacts_duplicate = artifacts_duplicate + \(s.artifactsDuplicate), quarantined = quarantined + \(s.quarantined)
            WHERE id = \(page.runId)
            """, logger: logger)

        let cursor: JSONValue?
        if let stop = out.stoppedAtEntry { cursor = page.checkpointAtEntry?(stop) } else { cursor = page.checkpoint }
        if let cursor {
            try await conn.query("""
                INSERT INTO checkpoints (asset, cursor, first_run, updated_at) VALUES (\(page.asset), \(JSONWriter.string(cursor))::json, true,
                    intake_ts(\(now.microseconds)))
                ON CONFLICT (asset) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at
                """, logger: logger)
        }
        out.limits = plan.limits
        return out
    }

    /// Keeps each container's counters and times true: adds what the transaction's pages stored.
    static func updateContainers(_ conn: PostgresSession, _ touches: [Int64: SavePlan.Touch], now: Timestamp,
                                 logger: Logger) async throws {
        guard !touches.isEmpty else { return }
        let rows: [JSONValue] = touches.sorted(by: { $0.key < $1.key }).map { cid, t in
            ["id": .int(cid), "added": .int(t.added), "e": .int(t.earliest), "l": .int(t.latest)]
        }
        try await conn.query("""
            UPDATE containers c SET
                artifact_count = c.artifact_count + u.added,
                start_time = LEAST(c.start_time, intake_ts(u.e)),
                end_time = GREATEST(c.end_time, intake_ts(u.l)),
                artifact_update_time = intake_ts(\(now.microseconds)),
                container_update_time = intake_ts(\(now.microseconds))
            FROM json_to_recordset(\(JSONWriter.string(.array(rows)))::json) AS u(id bigint, added bigint, e bigint, l bigint)
            WHERE c.id = u.id
            """, logger: logger)
    }

    /// Streams new rows into `table`; a unique violation means another writer stored one of them since
    /// the page looked, and is raised as ``PostgresSaveRace`` so that the transaction runs again.
    static func copyNew(_ conn: PostgresSession, into table: String, columns: [String], rows: CopyTextRows,
                        logger: Logger) async throws {
        do {
            try await conn.copy(into: table, columns: columns, rows: rows.buffer, logger: logger)
        } catch let error where PostgresStore.isUniqueViolation(error) {
            throw PostgresSaveRace(underlying: error)
        }
    }

    /// The container columns ``containerRows(_:plan:ids:assetId:now:)`` writes, in its order.
    static let containerColumns = ["id", "asset_id", "asset_name", "label", "name", "source_data_identifier", "description",
                                   "status", "sensitivity", "severity", "create_time", "start_time", "end_time", "due_time",
                                   "kill_chain", "owner", "hash", "tags", "container_update_time", "ingest_app_id", "data",
                                   "custom_fields", "artifact_count"]

    /// The plan's new containers as COPY rows (`ids` drawn for them in plan order), ordered by label
    /// and source data identifier, the order of the identity index's locks.
    static func containerRows(_ page: PageWrite, plan: SavePlan, ids: [Int64], assetId: Int64, now: Timestamp) -> CopyTextRows {
        let order = plan.newContainers.indices.sorted { x, y in
            let a = page.entries[plan.newContainers[x].entry].container, b = page.entries[plan.newContainers[y].entry].container
            return (a.label, a.sourceDataIdentifier) < (b.label, b.sourceDataIdentifier)
        }
        var rows = CopyTextRows(capacity: plan.newContainers.count * 1024)
        for n in order {
            let c = page.entries[plan.newContainers[n].entry].container
            rows.int(ids[n])
            rows.int(assetId)
            rows.text(page.asset)
            rows.text(c.label)
            rows.text(c.name)
            rows.text(c.sourceDataIdentifier)
            rows.text(c.description)
            rows.text(c.status)
            rows.text(c.sensitivity)
            rows.text(c.severity)
            rows.timestamp(now)
            rows.timestamp(c.startTime)
            rows.timestamp(c.endTime)
            rows.timestamp(c.dueTime)
            rows.text(c.killChain)
            rows.text(c.owner)
            rows.text(c.dataHash)
            rows.json(.array(c.tags.map(JSONValue.string)))
            rows.timestamp(now)
            rows.text(page.appId)
            rows.json(c.data)
            rows.json(.object(c.customFields))
            rows.int(0)
            rows.endRow()
        }
        return rows
    }

    /// The artifact columns ``artifactRows(_:plan:now:)`` writes, in its order.
    static let artifactColumns = ["id", "container_id", "name", "label", "source_data_identifier", "create_time", "start_time",
                                  "end_time", "severity", "type", "kill_chain", "hash", "cef", "cef_types", "description", "tags", "data"]

    /// The plan's new artifacts as COPY rows, ordered by container and hash (the order in which every
    /// writer takes the dedup index's locks, so two writers do not deadlock). JSON the mapping stage
    /// encoded ahead (`cef`, `data`) goes in as it is.
    static func artifactRows(_ page: PageWrite, plan: SavePlan, now: Timestamp) -> CopyTextRows {
        let order = plan.newArtifacts.indices.sorted { x, y in
            let a = plan.newArtifacts[x], b = plan.newArtifacts[y]
            let ca = plan.containerId(a.container), cb = plan.containerId(b.container)
            if ca != cb { return ca < cb }
            return page.entries[a.entry].artifacts[a.index].hash < page.entries[b.entry].artifacts[b.index].hash
        }
        var rows = CopyTextRows(capacity: plan.newArtifacts.count * 1536)
        for n in order {
            let planned = plan.newArtifacts[n]
            let entry = page.entries[planned.entry]
            let a = entry.artifacts[planned.index]
            let columns = entry.columns?[planned.index]
            rows.int(planned.id)
            rows.int(plan.containerId(planned.container))
            rows.text(a.name)
            rows.text(a.label)
            rows.text(a.sourceDataIdentifier)
            rows.timestamp(now)
            rows.timestamp(a.startTime)
            rows.timestamp(a.endTime)
            rows.text(a.severity)
            rows.text(a.type)
            rows.text(a.killChain)
            rows.text(a.hash)
            if let columns { rows.json(encoded: columns.cef) } else { rows.json(.object(a.cef)) }
            rows.json(.object(a.cefTypes))
            rows.text(a.description)
            rows.json(.array(a.tags.map(JSONValue.string)))
            if let columns { rows.json(encoded: columns.data) } else { rows.json(a.data) }
            rows.endRow()
        }
        return rows
    }

    static func nextIds(_ conn: PostgresSession, sequence: String, count: Int, logger: Logger) async throws -> [Int64] {
        var ids: [Int64] = []
        ids.reserveCapacity(count)
        let rows = try await conn.query("SELECT nextval(\(sequence)::regclass) FROM generate_series(1, \(count))", logger: logger)
        for try await id in rows.decode(Int64.self) { ids.append(id) }
        return ids
    }
}
