import IntakeCore
import IntakeMapping
import IntakeStore
import Logging

/// `intake quarantine retry`: maps quarantined records again with their asset's current mapping and
/// saves those that now map through the normal deduplicating save. A record that maps is removed
/// from the quarantine in the same transaction that stores it; one that still fails stays, with its
/// new error and one more attempt counted. Checkpoints are never touched.
public struct QuarantineRetry: Sendable {
    public let loader: ConfigLoader
    public let store: any Store
    public let logger: Logger
    let clock: @Sendable () -> Timestamp

    public init(loader: ConfigLoader, store: any Store, logger: Logger,
                clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() }) {
        self.loader = loader
        self.store = store
        self.logger = logger
        self.clock = clock
    }

    /// What retrying one entry did.
    public struct Outcome: Sendable, Hashable {
        public enum Status: String, Sendable, Hashable {
            /// Mapped and saved; removed from the quarantine.
            case resolved
            /// Still fails; kept with the new error.
            case failed
        }
        public var id: Int64
        public var asset: String
        public var status: Status
        /// The new error when it failed.
        public var error: String?
        /// When resolved: what the save did.
        public var summary: PollSummary

        public var json: JSONValue {
            var o: JSONObject = ["id": .int(id), "asset": .string(asset), "status": .string(status.rawValue),
                                 "error": .optional(error)]
            o["summary"] = summary.json
            return .object(o)
        }
    }

    /// Retries one quarantined record. Throws `not_found` when no entry has this id; a mapping
    /// failure (or an asset or mapping that can no longer be loaded) is a `failed` outcome.
    public func retry(id: Int64) async throws(IntakeError) -> Outcome {
        guard let entry = try await store.quarantineEntry(id: id) else {
            throw IntakeError(.notFound, "no quarantined record with id \(id)",
                              hint: "it may have been retried successfully already; see intake quarantine list")
        }
        var cache: [String: Result<Prepared, IntakeError>] = [:]
        return try await retry(entry, cache: &cache)
    }

    /// Retries every quarantined record of an asset, oldest first.
    public func retryAll(asset: String) async throws(IntakeError) -> [Outcome] {
        var cache: [String: Result<Prepared, IntakeError>] = [:]
        var outcomes: [Outcome] = []
        for id in try await store.quarantineIds(asset: asset) {
            // An entry removed meanwhile (another retry) is simply skipped.
            guard let entry = try await store.quarantineEntry(id: id) else { continue }
            outcomes.append(try await retry(entry, cache: &cache))
        }
        return outcomes
    }

    /// An asset's loaded configuration and mapping.
    struct Prepared: Sendable {
        var asset: AssetConfiguration
        var mapping: Mapping
    }

    func prepare(_ name: String) -> Result<Prepared, IntakeError> {
        do throws(IntakeError) {
            let asset = try loader.asset(named: name)
            let path = try loader.mappingPath(for: asset)
            do throws(MappingLoadError) {
                return .success(Prepared(asset: asset, mapping: try Mapping.load(path: path, displayName: loader.display(path))))
            } catch {
                throw error.intakeError
            }
        } catch {
            return .failure(error)
        }
    }

    func retry(_ entry: QuarantineEntry, cache: inout [String: Result<Prepared, IntakeError>]) async throws(IntakeError) -> Outcome {
        guard let id = entry.id else { throw IntakeError(.store, "a quarantined record without an id") }
        let prepared: Prepared
        let cached = cache[entry.asset] ?? prepare(entry.asset)
        cache[entry.asset] = cached
        switch cached {
        case .success(let p):
            prepared = p
        case .failure(let e):
            // The asset or its mapping cannot be loaded: the entry stays as it is (its error is the record's, not the config's).
            return Outcome(id: id, asset: entry.asset, status: .failed, error: e.description, summary: PollSummary())
        }
        let asset = prepared.asset
        // The same context the poll that quarantined it used (PollRunner), at that poll's time.
        let context = MappingContext(
            asset: ["name": .string(asset.name), "app": .string(asset.app), "label": .optional(asset.ingest.label),
                    "tenant": .optional(asset.ingest.tenant)],
            now: entry.createdAt, labelOverride: asset.ingest.label, tenant: asset.ingest.tenant)
        let mapped: MappedRecord
        do throws(MappingFailure) {
            mapped = try prepared.mapping.apply(entry.record, context: context)
        } catch {
            try await store.recordQuarantineRetryFailure(id: id, error: error.description, at: clock())
            logger.info("quarantined record still fails", metadata: ["asset": "\(asset.name)", "id": "\(id)", "error": "\(error)"])
            return Outcome(id: id, asset: entry.asset, status: .failed, error: error.description, summary: PollSummary())
        }
        var page = PageWrite(asset: asset.name, appId: asset.app, runId: 0,
                             entries: [PageWrite.Entry(container: mapped.container, artifacts: mapped.artifacts)], records: 1)
        page.resolvesQuarantine = [id]
        let outcome = try await store.save(page)
        logger.info("quarantined record saved", metadata: ["asset": "\(asset.name)", "id": "\(id)"])
        return Outcome(id: id, asset: entry.asset, status: .resolved, error: nil, summary: outcome.summary)
    }
}
