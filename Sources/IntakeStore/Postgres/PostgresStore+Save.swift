import IntakeCore
import PostgresNIO

extension PostgresStore {
    public func save(_ page: PageWrite) async throws(IntakeError) -> PageOutcome {
        let now = Timestamp.now()
        let known = assetIds.withLock { $0[page.asset] }
        let (outcome, assetId) = try await transaction("save a page for asset \(page.asset)") { conn in
            let assetId = try await self.assetId(conn, known: known, name: page.asset, app: page.appId)
            return (try await PostgresStore.savePage(conn, page, assetId: assetId, now: now, logger: self.logger), assetId)
        }
        // Cached only once committed: a rolled-back insert must not leave an id behind.
        assetIds.withLock { $0[page.asset] = assetId }
        return outcome
    }

    public func save(pages: [PageWrite]) async throws(IntakeError) -> [PageOutcome] {
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
            for var page in pages {
                page.limits = limits
                let outcome = try await PostgresStore.savePage(conn, page, assetId: assetId, now: now, logger: self.logger)
                outcomes.append(outcome)
                limits = outcome.limits
                if outcome.stoppedAtEntry != nil { break }
            }
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
    /// stops) are taken first by ``SavePlan``, with the SQLite store's rules; the statements then insert
    /// with `ON CONFLICT DO NOTHING`, so a row another process committed meanwhile turns into a duplicate
    /// instead of a second copy. Inserts run in key order so that concurrent writers do not deadlock.
    static func savePage(_ conn: PostgresSession, _ page: PageWrite, assetId: Int64, now: Timestamp,
                         logger: Logger) async throws -> PageOutcome {
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
                JOIN json_to_recordset(\(String(decoding: keys.bytes, as: UTF8.self))::json) AS k(l text, s text)
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

        // Containers: ids drawn first so each row is known by its id whether or not it was inserted.
        var realIds: [Int64: Int64] = [:]
        var lostRace: Set<Int64> = []
        if !plan.newContainers.isEmpty {
            let ids = try await nextIds(conn, sequence: "containers_id_seq", count: plan.newContainers.count, logger: logger)
            var rows: [JSONValue] = []
            for (n, planned) in plan.newContainers.enumerated() {
                let c = page.entries[planned.entry].container
                realIds[planned.virtualId] = ids[n]
                rows.append([
                    "id": .int(ids[n]), "label": .string(c.label), "name": .string(c.name), "sdi": .string(c.sourceDataIdentifier),
                    "description": c.description.map(JSONValue.string) ?? .null, "status": .string(c.status),
                    "sensitivity": .string(c.sensitivity), "severity": .string(c.severity),
                    "start_us": micros(c.startTime), "end_us": micros(c.endTime), "due_us": micros(c.dueTime),
                    "kill_chain": c.killChain.map(JSONValue.string) ?? .null, "owner": c.owner.map(JSONValue.string) ?? .null,
                    "hash": .string(c.dataHash), "tags": .array(c.tags.map(JSONValue.string)), "data": c.data,
                    "custom_fields": .object(c.customFields),
                ])
            }
            var inserted = Set<Int64>()
            let result = try await conn.query("""
                INSERT INTO containers (id, asset_id, asset_name, label, name, source_data_identifier, description, status,
                    sensitivity, severity, create_time, start_time, end_time, due_time, kill_chain, owner, hash, tags,
                    container_update_time, ingest_app_id, data, custom_fields, artifact_count)
                SELECT r.id, \(assetId), \(page.asset), r.label, r.name, r.sdi, r.description, r.status, r.sensitivity, r.severity,
                    intake_ts(\(now.microseconds)), intake_ts(r.start_us), intake_ts(r.end_us), intake_ts(r.due_us), r.kill_chain,
                    r.owner, r.hash, r.tags, intake_ts(\(now.microseconds)), \(page.appId), r.data, r.custom_fields, 0
                FROM json_to_recordset(\(JSONWriter.string(.array(rows)))::json) AS r(id bigint, label text, name text, sdi text,
                    description text, status text, sensitivity text, severity text, start_us bigint, end_us bigint, due_us bigint,
                    kill_chain text, owner text, hash text, tags json, data json, custom_fields json)
                ORDER BY r.label, r.sdi
                ON CONFLICT DO NOTHING
                RETURNING id
                """, logger: logger)
            for try await id in result.decode(Int64.self) { inserted.insert(id) }
            // Another process created some of them since we looked: use its rows, as duplicates.
            for planned in plan.newContainers where !inserted.contains(realIds[planned.virtualId]!) {
                let c = page.entries[planned.entry].container
                let rows = try await conn.query("""
                    SELECT id, status FROM containers
                    WHERE asset_id = \(assetId) AND label = \(c.label) AND source_data_identifier = \(c.sourceDataIdentifier)
                    """, logger: logger)
                var found: (Int64, String)?
                for try await row in rows.decode((Int64, String).self) { found = row }
                guard let found else {
                    throw IntakeError(.store, "container \(c.label)/\(c.sourceDataIdentifier) vanished during save")
                }
                realIds[planned.virtualId] = found.0
                lostRace.insert(planned.virtualId)
            }
        }
        plan.resolveContainers(realIds: realIds, lostRace: lostRace)

        // Artifacts, likewise; those a concurrent writer stored first come back as duplicates.
        if !plan.newArtifacts.isEmpty {
            let ids = try await nextIds(conn, sequence: "artifacts_id_seq", count: plan.newArtifacts.count, logger: logger)
            // The payload is written member by member so that JSON the mapping stage encoded
            // ahead (`cef`, `data`) goes in as it is.
            var w = JSONWriter(capacity: plan.newArtifacts.count * 1536)
            w.appendRaw("[")
            for (n, planned) in plan.newArtifacts.enumerated() {
                let entry = page.entries[planned.entry]
                let a = entry.artifacts[planned.index]
                let columns = entry.columns?[planned.index]
                plan.newArtifacts[n].id = ids[n]
                w.appendRaw(n == 0 ? "{\"id\":" : ",{\"id\":")
                w.writeInt(ids[n])
                w.appendRaw(",\"container_id\":")
                w.writeInt(plan.containerId(planned.container))
                w.appendRaw(",\"name\":")
                w.writeString(a.name)
                w.appendRaw(",\"label\":")
                w.writeString(a.label)
                w.appendRaw(",\"sdi\":")
                w.writeOptional(a.sourceDataIdentifier)
                w.appendRaw(",\"start_us\":")
                w.write(micros(a.startTime))
                w.appendRaw(",\"end_us\":")
                w.write(micros(a.endTime))
                w.appendRaw(",\"severity\":")
                w.writeString(a.severity)
                w.appendRaw(",\"type\":")
                w.writeOptional(a.type)
                w.appendRaw(",\"kill_chain\":")
                w.writeOptional(a.killChain)
                w.appendRaw(",\"hash\":")
                w.writeString(a.hash)
                w.appendRaw(",\"cef\":")
                if let columns { w.appendRaw(columns.cef) } else { w.write(.object(a.cef)) }
                w.appendRaw(",\"cef_types\":")
                w.write(.object(a.cefTypes))
                w.appendRaw(",\"description\":")
                w.writeOptional(a.description)
                w.appendRaw(",\"tags\":")
                w.write(.array(a.tags.map(JSONValue.string)))
                w.appendRaw(",\"data\":")
                if let columns { w.appendRaw(columns.data) } else { w.write(a.data) }
                w.appendRaw("}")
            }
            w.appendRaw("]")
            let payload = String(decoding: w.bytes, as: UTF8.self)
            var inserted = Set<Int64>()
            let result = try await conn.query("""
                INSERT INTO artifacts (id, container_id, name, label, source_data_identifier, create_time, start_time, end_time,
                    severity, type, kill_chain, hash, cef, cef_types, description, tags, data)
                SELECT r.id, r.container_id, r.name, r.label, r.sdi, intake_ts(\(now.microseconds)), intake_ts(r.start_us),
                    intake_ts(r.end_us), r.severity, r.type, r.kill_chain, r.hash, r.cef, r.cef_types, r.description, r.tags, r.data
                FROM json_to_recordset(\(payload)::json) AS r(id bigint, container_id bigint, name text,
                    label text, sdi text, start_us bigint, end_us bigint, severity text, type text, kill_chain text, hash text,
                    cef json, cef_types json, description text, tags json, data json)
                ORDER BY r.container_id, r.hash, r.id
                ON CONFLICT DO NOTHING
                RETURNING id
                """, logger: logger)
            for try await id in result.decode(Int64.self) { inserted.insert(id) }
            plan.resolveArtifacts(inserted: inserted)
        }

        var out = plan.outcome()

        // Keep each container's counters and times true.
        if !plan.touches.isEmpty {
            let rows: [JSONValue] = plan.touches.sorted(by: { $0.key < $1.key }).map { cid, t in
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

    static func nextIds(_ conn: PostgresSession, sequence: String, count: Int, logger: Logger) async throws -> [Int64] {
        var ids: [Int64] = []
        ids.reserveCapacity(count)
        let rows = try await conn.query("SELECT nextval(\(sequence)::regclass) FROM generate_series(1, \(count))", logger: logger)
        for try await id in rows.decode(Int64.self) { ids.append(id) }
        return ids
    }

    static func micros(_ t: Timestamp?) -> JSONValue {
        t.map { .int($0.microseconds) } ?? .null
    }
}
