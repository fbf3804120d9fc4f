import IntakeCore
import PostgresNIO

extension PostgresStore {
    public func save(_ page: PageWrite) async throws(IntakeError) -> PageOutcome {
        try await save(pages: [page], then: nil)[0]
    }

    /// Takes pages from `waiting` while the transaction is open, up to ``transactionPages`` pages or
    /// ``transactionArtifacts`` artifacts: fewer, larger transactions bring each container's counters
    /// up to date and commit less often. Unlike SQLite's, a transaction here can run again (another
    /// writer, a lost connection, a skipped look-up that was refused), from its first page, so it keeps
    /// every page it took until it commits; the bounds keep that memory, and the work a crash or a
    /// retry repeats, small.
    public func save(pages: consuming [PageWrite], then waiting: WaitingPages?) async throws(IntakeError) -> [PageOutcome] {
        guard let (asset, appId, firstLimits) = pages.first.map({ ($0.asset, $0.appId, $0.limits) }) else { return [] }
        var pages = pages
        let now = Timestamp.now()
        let known = assetIds.withLock { $0[asset] }
        let (outcomes, assetId) = try await transaction("save pages for asset \(asset)") { conn in
            let assetId = try await self.assetId(conn, known: known, name: asset, app: appId)
            var outcomes: [PageOutcome] = []
            var limits = firstLimits
            // Container counters and times are brought up to date once for all the pages: a row
            // updated once per page would leave a dead version of itself (and of its index entries)
            // per page.
            var touches: [Int64: SavePlan.Touch] = [:]
            // The containers met so far: a container is looked up once per transaction, not per page.
            var known: [ContainerKey: SavePlan.KnownContainer] = [:]
            var artifacts = 0
            do {
                var n = 0
                while true {
                    if n == pages.count {
                        guard n < PostgresStore.transactionPages, artifacts < PostgresStore.transactionArtifacts,
                              let more = waiting?() else { break }
                        pages.append(more)
                    }
                    var page = pages[n]
                    n += 1
                    // Checked page by page, given or taken: the throw rolls back the pages before it.
                    guard page.asset == asset else {
                        throw IntakeError(.store, "cannot save pages of different assets in one transaction")
                    }
                    page.limits = limits
                    artifacts += page.entries.reduce(0) { $0 + $1.artifacts.count }
                    let lookUp = self.probes.withLock { $0[asset, default: ArtifactProbe()].next() }
                    let (outcome, found) = try await PostgresStore.savePage(conn, page, assetId: assetId, now: now, lookUp: lookUp,
                                                                            known: &known, touches: &touches, logger: self.logger)
                    if lookUp { self.probes.withLock { $0[asset, default: ArtifactProbe()].lookedUp(found: found) } }
                    outcomes.append(outcome)
                    limits = outcome.limits
                    if outcome.stoppedAtEntry != nil { break }
                }
            } catch let race as PostgresSaveRace where race.skippedLookUp {
                let count = pages.count
                self.probes.withLock { $0[asset, default: ArtifactProbe()].refused(pages: count) }
                self.logger.debug("an artifact copied without a look-up was stored already; saving the pages again, looked up",
                                  metadata: ["asset": "\(asset)", "pages": "\(count)"])
                throw race
            }
            try await PostgresStore.updateContainers(conn, touches, now: now, logger: self.logger)
            return (outcomes, assetId)
        }
        // Cached only once committed: a rolled-back insert must not leave an id behind.
        assetIds.withLock { $0[asset] = assetId }
        // Freed on another thread, so that the next transaction does not wait for it.
        for page in pages { SavedPageDisposal.free(page) }
        return outcomes
    }

    /// How many pages, and how many artifacts, a transaction takes pages until (it keeps them all
    /// until it commits).
    static let transactionPages = 8
    static let transactionArtifacts = 10_000

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
    /// The look-up of the page's artifacts among those stored runs only when `lookUp` is true (see
    /// ``ArtifactProbe``); `found` says whether it found any. `known` holds the containers the
    /// transaction has looked up or created so far, by identity; the page adds its own.
    ///
    /// What the page adds to each container (artifacts, earliest and latest times) is added to
    /// `touches`, for ``updateContainers(_:_:now:logger:)`` to apply before the transaction ends.
    static func savePage(_ conn: PostgresSession, _ page: PageWrite, assetId: Int64, now: Timestamp, lookUp: Bool = true,
                         known: inout [ContainerKey: SavePlan.KnownContainer], touches: inout [Int64: SavePlan.Touch],
                         logger: Logger) async throws -> (outcome: PageOutcome, found: Bool) {
        // What the page refers to that is stored already: containers this transaction has not met
        // yet are looked up (the rest are in `known`).
        var keyRows: [JSONValue] = []
        var asked = Set<ContainerKey>()
        // Entries are read in place: a copy of each would retain every string it holds.
        for i in page.entries.indices {
            let key = SavePlan.key(page.entries[i].container)
            if known[key] == nil, asked.insert(key).inserted {
                keyRows.append(["l": .string(key.label), "s": .string(key.sourceDataIdentifier)])
            }
        }
        if !keyRows.isEmpty {
            let rows = try await conn.query("""
                SELECT c.id, c.label, c.source_data_identifier, c.status FROM containers c
                JOIN json_to_recordset(\(JSONWriter.string(.array(keyRows)))::json) AS k(l text, s text)
                  ON c.label = k.l AND c.source_data_identifier = k.s
                WHERE c.asset_id = \(assetId)
                """, logger: logger)
            for try await (id, label, sdi, status) in rows.decode((Int64, String, String, String).self) {
                known[ContainerKey(label: label, sourceDataIdentifier: sdi)] = .init(id: id, closed: status == "closed")
            }
        }
        let existing = known
        var storedHashes = Set<SavePlan.ArtifactKey>()
        var hashRows: [JSONValue] = []
        for i in page.entries.indices where lookUp {
            guard let c = existing[SavePlan.key(page.entries[i].container)] else { continue }
            for j in page.entries[i].artifacts.indices where page.entries[i].artifacts[j].sourceDataIdentifier != nil {
                hashRows.append(["c": .int(c.id), "h": .string(page.entries[i].artifacts[j].hash)])
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
            for (n, planned) in plan.newContainers.enumerated() {
                realIds[planned.virtualId] = ids[n]
                known[SavePlan.key(page.entries[planned.entry].container)] = .init(id: ids[n], closed: false)
            }
            let rows = containerRows(page, plan: plan, ids: ids, assetId: assetId, now: now)
            try await copyNew(conn, into: "containers", columns: containerColumns, rows: CopyRowSource(rows), logger: logger)
        }
        plan.resolveContainers(realIds: realIds)

        if !plan.newArtifacts.isEmpty {
            let ids = try await nextIds(conn, sequence: "artifacts_id_seq", count: plan.newArtifacts.count, logger: logger)
            for n in plan.newArtifacts.indices { plan.newArtifacts[n].id = ids[n] }
            let rows = artifactRows(page, plan: plan, now: now)
            do {
                try await copyNew(conn, into: "artifacts", columns: artifactColumns, rows: rows, logger: logger)
            } catch var race as PostgresSaveRace where !lookUp {
                race.skippedLookUp = true
                throw race
            }
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
        return (out, !storedHashes.isEmpty)
    }

    /// Keeps each container's counters and times true: adds what the transaction's pages stored.
    ///
    /// It also keeps the artifacts' reference to their containers (the schema has no foreign key,
    /// see migration 3): every container given artifacts must be updated. One deleted since the page
    /// looked it up (by hand; Intake deletes none) fails the transaction as a ``PostgresSaveRace``,
    /// and the transaction runs again, which creates the container anew. Once this UPDATE has locked
    /// the containers, a delete waits for the commit, and its trigger then deletes the artifacts.
    static func updateContainers(_ conn: PostgresSession, _ touches: [Int64: SavePlan.Touch], now: Timestamp,
                                 logger: Logger) async throws {
        guard !touches.isEmpty else { return }
        let rows: [JSONValue] = touches.sorted(by: { $0.key < $1.key }).map { cid, t in
            ["id": .int(cid), "added": .int(t.added), "e": .int(t.earliest), "l": .int(t.latest)]
        }
        let result = try await conn.query("""
            UPDATE containers c SET
                artifact_count = c.artifact_count + u.added,
                start_time = LEAST(c.start_time, intake_ts(u.e)),
                end_time = GREATEST(c.end_time, intake_ts(u.l)),
                artifact_update_time = intake_ts(\(now.microseconds)),
                container_update_time = intake_ts(\(now.microseconds))
            FROM json_to_recordset(\(JSONWriter.string(.array(rows)))::json) AS u(id bigint, added bigint, e bigint, l bigint)
            WHERE c.id = u.id
            RETURNING c.id
            """, logger: logger)
        var updated = Set<Int64>()
        for try await id in result.decode(Int64.self) { updated.insert(id) }
        let missing = touches.keys.filter { !updated.contains($0) }.sorted()
        guard missing.isEmpty else {
            let ids = missing.map(String.init).joined(separator: ", ")
            let what = missing.count == 1 ? "container \(ids) was" : "containers \(ids) were"
            throw PostgresSaveRace(underlying: IntakeError(.store, "\(what) deleted while artifacts were being saved into it"))
        }
    }

    /// Streams new rows into `table`; a unique violation means another writer stored one of them since
    /// the page looked, and is raised as ``PostgresSaveRace`` so that the transaction runs again.
    static func copyNew(_ conn: PostgresSession, into table: String, columns: [String], rows: CopyRowSource,
                        logger: Logger) async throws {
        do {
            try await conn.copy(into: table, columns: columns, rows: rows, logger: logger)
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
    /// encoded ahead (`cef`, `data`) goes in as it is. The rows are built a chunk at a time while
    /// the COPY streams them.
    static func artifactRows(_ page: PageWrite, plan: SavePlan, now: Timestamp) -> CopyRowSource {
        struct Row: Sendable {
            var id: Int64
            var container: Int64
            var entry: Int
            var index: Int
        }
        var order = plan.newArtifacts.map { planned in
            Row(id: planned.id ?? 0, container: plan.containerId(planned.container), entry: planned.entry, index: planned.index)
        }
        let entries = page.entries
        order.sort { a, b in
            if a.container != b.container { return a.container < b.container }
            return entries[a.entry].artifacts[a.index].hash < entries[b.entry].artifacts[b.index].hash
        }
        let rows = order
        return CopyRowSource(count: rows.count, bytesPerRow: 1536) { range, out in
            for row in rows[range] {
                let columns = entries[row.entry].columns?[row.index]
                // The draft is read in place: a copy would retain every string and value it holds.
                entries[row.entry].artifacts.withUnsafeBufferPointer { drafts in
                    let a = drafts.baseAddress! + row.index
                    append(a, columns: columns, id: row.id, container: row.container, now: now, to: &out)
                }
            }
        }
    }

    /// One artifact's COPY row, in ``artifactColumns``' order.
    private static func append(_ a: UnsafePointer<ArtifactDraft>, columns: PageWrite.ArtifactColumns?, id: Int64, container: Int64,
                               now: Timestamp, to out: inout CopyTextRows) {
        out.int(id)
        out.int(container)
        out.text(a.pointee.name)
        out.text(a.pointee.label)
        out.text(a.pointee.sourceDataIdentifier)
        out.timestamp(now)
        out.timestamp(a.pointee.startTime)
        out.timestamp(a.pointee.endTime)
        out.text(a.pointee.severity)
        out.text(a.pointee.type)
        out.text(a.pointee.killChain)
        out.text(a.pointee.hash)
        if let columns { out.json(encoded: columns.cef) } else { out.json(.object(a.pointee.cef)) }
        out.json(.object(a.pointee.cefTypes))
        out.text(a.pointee.description)
        out.json(.array(a.pointee.tags.map(JSONValue.string)))
        if let columns { out.json(encoded: columns.data) } else { out.json(a.pointee.data) }
        out.endRow()
    }

    /// `count` new ids from `sequence`, in one row (a row per id cost more to read than to draw).
    static func nextIds(_ conn: PostgresSession, sequence: String, count: Int, logger: Logger) async throws -> [Int64] {
        let rows = try await conn.query("""
            SELECT array_agg(nextval(\(sequence)::regclass)) FROM generate_series(1, \(count))
            """, logger: logger)
        for try await ids in rows.decode([Int64].self) where ids.count == count { return ids }
        throw IntakeError(.store, "\(sequence) did not give \(count) ids")
    }
}
