import Dispatch
import GRDB
import IntakeCore
import Synchronization

/// Frees saved pages away from the store's one writer thread.
///
/// A mapped page is thousands of small objects (JSON members, strings, arrays); freeing them was
/// about a tenth of the writer's time in a first ingest, and the writer is that poll's slowest
/// stage. The page goes into a block on a utility queue, which drops what is normally its last
/// reference there, right away, while the writer goes on with the next page (the writer's own copy
/// is gone by the time the block runs; if it were not, that copy would free it, as before).
enum SavedPageDisposal {
    private static let queue = DispatchQueue(label: "intake.store.free-pages", qos: .utility)

    static func free(_ page: PageWrite) {
        queue.async { [page] in withExtendedLifetime(page) {} }
    }
}

/// The pages a transaction starts with, handed to the writer's closure so that the closure holds
/// them only until it takes them (a captured array would keep every page until the closure goes).
final class PageHandOff: Sendable {
    private let pages: Mutex<[PageWrite]>
    init(_ pages: consuming [PageWrite]) { self.pages = Mutex(consume pages) }
    /// The pages; empty after the first call.
    func take() -> [PageWrite] {
        pages.withLock { p in
            var out: [PageWrite] = []
            swap(&out, &p)
            return out
        }
    }
}

/// A container's identity within one asset, as a page's save looks it up (both stores): its label
/// and SDI, kept as they are (no key string built per record).
struct ContainerKey: Hashable, Sendable {
    var label: String
    var sourceDataIdentifier: String
}

extension SQLiteStore {
    public func save(_ page: PageWrite) async throws(IntakeError) -> PageOutcome {
        let now = Timestamp.now()
        return try await write("save a page for asset \(page.asset)") { db in
            try SQLiteStore.savePage(db, page, now: now)
        }
    }

    /// Takes pages from `waiting` while the transaction is open: SQLite has one writer, so a
    /// transaction never runs again and a page taken is saved and let go at once. Fewer, larger
    /// transactions write much less: each commit writes every index page it touched to the WAL
    /// again, and the artifact hash index is touched at random.
    public func save(pages: consuming [PageWrite], then waiting: WaitingPages?) async throws(IntakeError) -> [PageOutcome] {
        // Only what the transaction needs of the first page: a copy of the page itself would keep
        // it alive until the save returns, and free it on the caller's thread.
        guard let (asset, startLimits) = pages.first.map({ ($0.asset, $0.limits) }) else { return [] }
        let now = Timestamp.now(), count = pages.count
        // The writer takes the given pages out of the hand-off one by one, so that each saved page's
        // last reference goes to `SavedPageDisposal`, as a page taken from `waiting` does.
        let handOff = PageHandOff(consume pages)
        return try await write("save \(count) page\(count == 1 ? "" : "s") for asset \(asset)") { db in
            var outcomes: [PageOutcome] = []
            outcomes.reserveCapacity(count)
            var limits = startLimits
            var given = handOff.take()
            given.reverse()
            while var page = given.popLast() ?? waiting?() {
                // Checked page by page, given or taken: the throw rolls back the pages before it.
                guard page.asset == asset else {
                    throw IntakeError(.store, "cannot save pages of different assets in one transaction")
                }
                page.limits = limits
                let outcome = try SQLiteStore.savePage(db, page, now: now)
                SavedPageDisposal.free(page)
                outcomes.append(outcome)
                limits = outcome.limits
                if outcome.stoppedAtEntry != nil { break }
            }
            return outcomes
        }
    }

    /// The whole page in the caller's transaction; see ``Store/save(_:)``.
    static func savePage(_ db: Database, _ page: PageWrite, now: Timestamp) throws -> PageOutcome {
        var out = PageOutcome()
        var limits = page.limits
        let nowText = now.iso8601
        let assetId = try assetId(db, name: page.asset, app: page.appId, now: nowText)

        let find = try db.cachedStatement(sql: """
            SELECT id, status FROM containers WHERE asset_id = ? AND label = ? AND source_data_identifier = ?
            """)
        let insertContainer = try db.cachedStatement(sql: """
            INSERT INTO containers (asset_id, asset_name, label, name, source_data_identifier, description, status, sensitivity,
                severity, create_time, start_time, end_time, due_time, kill_chain, owner, hash, tags, container_update_time,
                ingest_app_id, data, custom_fields, artifact_count)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
            ON CONFLICT DO NOTHING
            """)
        let insertArtifact = try db.cachedStatement(sql: """
            INSERT INTO artifacts (container_id, name, label, source_data_identifier, create_time, start_time, end_time, severity,
                type, kill_chain, hash, cef, cef_types, description, tags, data)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """)
        let exists = try db.cachedStatement(sql: """
            SELECT 1 FROM artifacts WHERE container_id = ? AND hash = ? AND source_data_identifier IS NOT NULL
            """)

        struct Touch {
            var added: Int64 = 0
            var earliest: Timestamp?
            var latest: Timestamp?
        }
        var touches: [Int64: Touch] = [:]
        var containerIds: [ContainerKey: (id: Int64, closed: Bool)] = [:]
        var summary = PollSummary()
        summary.pages = 1
        out.containers.reserveCapacity(page.entries.count)
        out.artifacts.reserveCapacity(page.entries.count)

        /// The container's id, whether this save created it and whether it is closed; nil when the
        /// container limit stops the page before a new container.
        func container(_ draft: UnsafePointer<ContainerDraft>) throws -> (id: Int64, createdNow: Bool, closed: Bool)? {
            let key = ContainerKey(label: draft.pointee.label, sourceDataIdentifier: draft.pointee.sourceDataIdentifier)
            if let known = containerIds[key] { return (known.id, false, known.closed) }
            let (label, sdi) = (key.label, key.sourceDataIdentifier)
            var found: (id: Int64, createdNow: Bool, closed: Bool)
            if let row = try Row.fetchOne(find, arguments: [assetId, label, sdi]) {
                found = (row[0], false, (row[1] as String?) == "closed")
            } else {
                if let cap = limits.containers, Int64(limits.touchedContainers.count) >= cap { return nil }
                let c = draft.pointee  // a new container: copied once, as it is stored
                try insertContainer.execute(arguments: [
                    assetId, page.asset, c.label, c.name, c.sourceDataIdentifier, c.description, c.status, c.sensitivity,
                    c.severity, nowText, c.startTime?.iso8601, c.endTime?.iso8601, c.dueTime?.iso8601, c.killChain, c.owner,
                    c.dataHash, JSONWriter.string(.array(c.tags.map(JSONValue.string))), nowText, page.appId,
                    JSONWriter.string(c.data), JSONWriter.string(.object(c.customFields)),
                ])
                if db.changesCount > 0 {
                    found = (db.lastInsertedRowID, true, false)
                } else {
                    // Another writer created it between our look-up and insert: use theirs.
                    guard let row = try Row.fetchOne(find, arguments: [assetId, label, sdi]) else {
                        throw IntakeError(.store, "container \(label)/\(sdi) vanished during save")
                    }
                    found = (row[0], false, (row[1] as String?) == "closed")
                }
            }
            containerIds[key] = (found.id, found.closed)
            return found
        }

        /// Whether container `cid` holds a deduplicated artifact with this hash.
        func isStored(_ hash: String, in cid: Int64) throws -> Bool {
            var probe = SQLiteDirect(exists)
            probe.bind(cid)
            probe.bind(hash)
            return try probe.step(in: db)
        }

        /// Saves one artifact into container `cid` unless it is a duplicate; false when a limit
        /// stops the page at it (a new artifact beyond the container or artifact limit).
        func artifact(_ draft: UnsafePointer<ArtifactDraft>, columns: PageWrite.ArtifactColumns?, cid: Int64,
                      results: inout [PageOutcome.ArtifactResult]) throws -> Bool {
            let atContainerCap = !limits.touchedContainers.contains(cid)
                && limits.containers.map { Int64(limits.touchedContainers.count) >= $0 } ?? false
            let atArtifactCap = limits.artifactsPerContainer.map { (limits.artifactsSaved[cid] ?? 0) >= $0 } ?? false
            if atContainerCap || atArtifactCap {
                // Only a new artifact counts against a limit: a duplicate passes.
                var isDuplicate = false
                if draft.pointee.sourceDataIdentifier != nil {
                    isDuplicate = try isStored(draft.pointee.hash, in: cid)
                }
                if !isDuplicate { return false }
                results.append(.init(id: nil, container: cid, outcome: .duplicate))
                summary.artifactsDuplicate += 1
                return true
            }
            let cefText: String, dataText: String
            if let columns {
                (cefText, dataText) = (columns.cef, columns.data)
            } else {
                // Not encoded ahead (the mapping stage expected duplicates): look before
                // encoding, so that a duplicate costs one index probe and no JSON.
                if draft.pointee.sourceDataIdentifier != nil, try isStored(draft.pointee.hash, in: cid) {
                    results.append(.init(id: nil, container: cid, outcome: .duplicate))
                    summary.artifactsDuplicate += 1
                    return true
                }
                (cefText, dataText) = (JSONWriter.string(.object(draft.pointee.cef)), JSONWriter.string(draft.pointee.data))
            }
            var b = SQLiteDirect(insertArtifact)
            b.bind(cid)
            b.bind(draft.pointee.name)
            b.bind(draft.pointee.label)
            b.bind(draft.pointee.sourceDataIdentifier)
            b.bind(nowText)
            b.bind(draft.pointee.startTime?.iso8601)
            b.bind(draft.pointee.endTime?.iso8601)
            b.bind(draft.pointee.severity)
            b.bind(draft.pointee.type)
            b.bind(draft.pointee.killChain)
            b.bind(draft.pointee.hash)
            b.bind(cefText)
            b.bind(draft.pointee.cefTypes.isEmpty ? "{}" : JSONWriter.string(.object(draft.pointee.cefTypes)))
            b.bind(draft.pointee.description)
            b.bind(draft.pointee.tags.isEmpty ? "[]" : JSONWriter.string(.array(draft.pointee.tags.map(JSONValue.string))))
            b.bind(dataText)
            try b.step(in: db)
            if db.changesCount > 0 {
                let aid = db.lastInsertedRowID
                results.append(.init(id: aid, container: cid, outcome: .new))
                summary.artifactsNew += 1
                limits.touchedContainers.insert(cid)
                limits.artifactsSaved[cid, default: 0] += 1
                let start = draft.pointee.startTime ?? now
                let end = draft.pointee.endTime ?? draft.pointee.startTime ?? now
                var t = touches[cid] ?? Touch()
                t.added += 1
                if t.earliest == nil || start < t.earliest! { t.earliest = start }
                if t.latest == nil || end > t.latest! { t.latest = end }
                touches[cid] = t
            } else {
                results.append(.init(id: nil, container: cid, outcome: .duplicate))
                summary.artifactsDuplicate += 1
            }
            return true
        }

        // Entries and their drafts are read where they lie, through pointers: bound to a local or
        // passed as an argument, every record's drafts were copied once more (each field retained,
        // then released) on the store's one writer thread.
        try page.entries.withUnsafeBufferPointer { entries in
            entries: for i in entries.indices {
                let entry = entries.baseAddress! + i
                guard let (cid, createdNow, closed) = try container(entry.pointer(to: \.container)!) else {
                    out.stoppedAtEntry = i
                    break entries
                }
                if createdNow {
                    limits.touchedContainers.insert(cid)
                }
                if !limits.seenContainers.contains(cid) {
                    limits.seenContainers.insert(cid)
                    if createdNow { summary.containersNew += 1 } else { summary.containersDuplicate += 1 }
                }
                out.containers.append(.init(id: cid, outcome: createdNow ? .new : .duplicate, closed: closed))

                var results: [PageOutcome.ArtifactResult] = []
                results.reserveCapacity(entry.pointee.artifacts.count)
                let saved = try entry.pointee.artifacts.withUnsafeBufferPointer { artifacts in
                    for j in artifacts.indices {
                        guard try artifact(artifacts.baseAddress! + j, columns: entry.pointee.columns?[j], cid: cid, results: &results)
                        else { return false }
                    }
                    return true
                }
                out.artifacts.append(results)
                if !saved {
                    out.stoppedAtEntry = i
                    break entries
                }
            }
        }

        // Keep each container's counters and times true.
        let update = try db.cachedStatement(sql: """
            UPDATE containers SET
                artifact_count = artifact_count + ?,
                start_time = CASE WHEN start_time IS NULL OR ? < start_time THEN ? ELSE start_time END,
                end_time = CASE WHEN end_time IS NULL OR ? > end_time THEN ? ELSE end_time END,
                artifact_update_time = ?,
                container_update_time = ?
            WHERE id = ?
            """)
        for (cid, t) in touches.sorted(by: { $0.key < $1.key }) {
            let earliest = t.earliest?.iso8601, latest = t.latest?.iso8601
            try update.execute(arguments: [t.added, earliest, earliest, latest, latest, nowText, nowText, cid])
        }

        if !page.quarantine.isEmpty {
            let q = try db.cachedStatement(sql: """
                INSERT INTO quarantine (asset, run_id, record, record_hash, error, created_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """)
            for e in page.quarantine {
                try q.execute(arguments: [e.asset, e.runId, JSONWriter.string(e.record), Digest.canonicalSHA256(e.record), e.error,
                                          e.createdAt.iso8601])
            }
        }
        summary.quarantined = page.quarantine.count
        // Only a page saved whole resolves its quarantine entries.
        if !page.resolvesQuarantine.isEmpty && out.stoppedAtEntry == nil {
            let resolve = try db.cachedStatement(sql: "DELETE FROM quarantine WHERE id = ? AND asset = ?")
            for id in page.resolvesQuarantine { try resolve.execute(arguments: [id, page.asset]) }
        }
        if let stop = out.stoppedAtEntry {
            summary.deferred = page.entries.count - stop
            summary.records = max(0, page.records - summary.deferred)
        } else {
            summary.records = page.records
        }

        try db.execute(sql: """
            UPDATE poll_runs SET pages = pages + 1, records = records + ?, containers_new = containers_new + ?,
                containers_duplicate = containers_duplicate + ?, artifacts_new = artifacts_new + ?,
                artifacts_duplicate = artifacts_duplicate + ?, quarantined = quarantined + ?
            WHERE id = ?
            """, arguments: [summary.records, summary.containersNew, summary.containersDuplicate, summary.artifactsNew,
                             summary.artifactsDuplicate, summary.quarantined, page.runId])

        let cursor: JSONValue?
        if let stop = out.stoppedAtEntry { cursor = page.checkpointAtEntry?(stop) } else { cursor = page.checkpoint }
        if let cursor {
            try db.execute(sql: """
                INSERT INTO checkpoints (asset, cursor, first_run, updated_at) VALUES (?, ?, 1, ?)
                ON CONFLICT(asset) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at
                """, arguments: [page.asset, JSONWriter.string(cursor), nowText])
        }
        out.summary = summary
        out.limits = limits
        return out
    }

    static func assetId(_ db: Database, name: String, app: String, now: String) throws -> Int64 {
        if let id = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM assets WHERE name = ?"), arguments: [name]) {
            return id
        }
        try db.execute(sql: "INSERT INTO assets (name, app, created_at) VALUES (?, ?, ?) ON CONFLICT(name) DO NOTHING",
                       arguments: [name, app, now])
        guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM assets WHERE name = ?", arguments: [name]) else {
            throw IntakeError(.store, "asset \(name) could not be registered")
        }
        return id
    }

    public func beginRun(_ run: PollRunStart) async throws(IntakeError) -> Int64 {
        try await write("record the start of a poll of \(run.asset)") { db in
            try db.cachedStatement(sql: """
                INSERT INTO poll_runs (asset, mode, window_start, window_end, started_at, status) VALUES (?, ?, ?, ?, ?, 'running')
                """).execute(arguments: [run.asset, run.mode.rawValue, run.windowStart.iso8601, run.windowEnd.iso8601, run.startedAt.iso8601])
            return db.lastInsertedRowID
        }
    }

    public func finishRun(_ finish: PollRunFinish) async throws(IntakeError) {
        try await write("record the end of a poll of \(finish.asset)") { db in
            try db.cachedStatement(sql: "UPDATE poll_runs SET finished_at = ?, status = ?, error = ? WHERE id = ?")
                .execute(arguments: [finish.finishedAt.iso8601, finish.succeeded ? "success" : "failed", finish.error, finish.runId])
            guard finish.mode == .scheduled else { return }
            let now = finish.finishedAt.iso8601
            if finish.succeeded {
                try db.cachedStatement(sql: """
                    INSERT INTO checkpoints (asset, cursor, first_run, last_success, last_error, updated_at) VALUES (?, ?, 0, ?, NULL, ?)
                    ON CONFLICT(asset) DO UPDATE SET cursor = COALESCE(excluded.cursor, checkpoints.cursor), first_run = 0,
                        last_success = excluded.last_success, last_error = NULL, updated_at = excluded.updated_at
                    """).execute(arguments: [finish.asset, finish.checkpoint.map { JSONWriter.string($0) }, now, now])
            } else {
                try db.cachedStatement(sql: """
                    INSERT INTO checkpoints (asset, cursor, first_run, last_error, updated_at) VALUES (?, NULL, 1, ?, ?)
                    ON CONFLICT(asset) DO UPDATE SET last_error = excluded.last_error, updated_at = excluded.updated_at
                    """).execute(arguments: [finish.asset, finish.error, now])
            }
        }
    }

    public func resetCheckpoint(asset: String) async throws(IntakeError) {
        try await write("reset the checkpoint of \(asset)") { db in
            try db.execute(sql: "DELETE FROM checkpoints WHERE asset = ?", arguments: [asset])
        }
    }
}
