import IntakeConnectors
import IntakeCore
import IntakeMapping
import IntakeStore
import Logging

/// How a poll was asked for: scheduled, or poll now with its window and limits.
public struct PollOptions: Sendable, Hashable {
    public var mode: PollMode
    public var start: Timestamp?
    public var end: Timestamp?
    public var containerCount: Int64?
    public var artifactCount: Int64?
    /// SOAR's container_id parameter: only these source ids are ingested.
    public var sourceIds: [String]

    public init(mode: PollMode, start: Timestamp? = nil, end: Timestamp? = nil, containerCount: Int64? = nil,
                artifactCount: Int64? = nil, sourceIds: [String] = []) {
        self.mode = mode
        self.start = start
        self.end = end
        self.containerCount = containerCount
        self.artifactCount = artifactCount
        self.sourceIds = sourceIds
    }

    /// Poll now's defaults (SOAR's Poll Now dialog): the last 10 days, 100 containers, 1000 artifacts.
    public static let pollNowContainerCount: Int64 = 100
    public static let pollNowArtifactCount: Int64 = 1000
}

/// Runs one poll of one asset: window → connector pages → mapping → store, and reports it as a
/// SOAR connector run result. It never throws: every failure becomes a failed result.
public struct PollRunner: Sendable {
    public let loader: ConfigLoader
    public let service: ServiceConfiguration
    public let store: any Store
    public let logger: Logger
    /// The action locks; the process-wide registry unless a test gives its own.
    public let locks: LockRegistry
    let clock: @Sendable () -> Timestamp
    /// Told when each poll starts, saves a page and finishes (metrics, progress); none by default.
    public var observers: [any PollObserver] = []
    /// Asked after each saved page: true makes the poll stop there (shutdown, timeout, lost lease).
    /// The checkpoint stays where it was, so the next poll reads the rest of the window again.
    public var shouldStop: @Sendable () -> Bool = { false }

    public init(loader: ConfigLoader, service: ServiceConfiguration, store: any Store, logger: Logger,
                locks: LockRegistry = .shared, clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() }) {
        self.locks = locks
        self.loader = loader
        self.service = service
        self.store = store
        self.logger = logger
        self.clock = clock
    }

    public func poll(assetName: String, options: PollOptions) async -> ConnectorRunResult {
        let started = clock()
        for o in observers { o.pollStarted(PollStarted(asset: assetName, mode: options.mode, startedAt: started)) }
        let result = await poll(assetName: assetName, options: options, started: started)
        let finished = clock()
        let event = PollFinished(asset: assetName, mode: options.mode, result: result,
                                 duration: Double(finished.microseconds - started.microseconds) / 1_000_000, finishedAt: finished)
        for o in observers { o.pollFinished(event) }
        return result
    }

    func poll(assetName: String, options: PollOptions, started: Timestamp) async -> ConnectorRunResult {
        let asset: AssetConfiguration
        do {
            asset = try loader.asset(named: assetName)
        } catch {
            return failed(error, parameter: .object([:]))
        }
        var log = logger
        log[metadataKey: "asset"] = "\(asset.name)"
        let app: AppDefinition
        do {
            app = try AppCatalog.app(for: asset)
        } catch {
            return failed(error, parameter: .object([:]))
        }
        guard let connector = ConnectorRegistry.connector(for: asset.app) else {
            return failed(IntakeError(.configuration, "app '\(asset.app)' has no connector in this build", at: asset.file,
                                      hint: "connectors: \(ConnectorRegistry.appIds.joined(separator: ", "))"), parameter: .object([:]))
        }
        let mapping: Mapping
        do {
            let path = try loader.mappingPath(for: asset)
            mapping = try Mapping.load(path: path, displayName: loader.display(path))
        } catch let e as MappingLoadError {
            return failed(e.intakeError, parameter: .object([:]))
        } catch {
            return failed(IntakeError.wrap(error, code: .configuration), parameter: .object([:]))
        }

        // The window and limits.
        let window: PollWindow
        let parameters: PollParameters
        /// A resumable connector's state from the last successful scheduled poll.
        var connectorState: JSONValue? = nil
        /// A scheduled poll's contiguous sub-windows (one unless the backlog exceeds `max_window`).
        var subWindows: [PollWindow] = []
        switch options.mode {
        case .pollNow:
            let end = options.end ?? started
            let start = options.start ?? end.subtracting(FirstRunSettings.defaultLookback)
            window = PollWindow(start: start, end: end, isFirstRun: false)
            subWindows = [window]
            parameters = PollParameters(containerIds: options.sourceIds, startTime: start, endTime: end,
                                        containerCount: options.containerCount ?? PollOptions.pollNowContainerCount,
                                        artifactCount: options.artifactCount ?? PollOptions.pollNowArtifactCount)
        case .scheduled:
            let checkpoint: Checkpoint?
            do {
                checkpoint = try await store.checkpoint(asset: asset.name)
            } catch {
                return failed(error, parameter: .object([:]))
            }
            let plan = PollPlan(checkpoint: checkpoint, ingest: asset.ingest, now: started)
            window = plan.window
            subWindows = plan.windows
            connectorState = checkpoint?.cursor?["connector"]
            parameters = PollParameters(containerIds: options.sourceIds, startTime: window.start, endTime: window.end,
                                        containerCount: options.containerCount ?? plan.containerCap ?? PollParameters.scheduledSentinel,
                                        artifactCount: options.artifactCount ?? plan.artifactCap ?? PollParameters.scheduledSentinel)
        }
        guard parameters.startTime <= parameters.endTime else {
            return failed(IntakeError(.invalidArgument, "the window starts (\(parameters.startTime)) after it ends (\(parameters.endTime))"),
                          parameter: parameters.json)
        }

        let lifecycle = ActionLifecycle(app: app, secrets: SecretResolver(directory: service.directory), locks: locks)
        let context = ConnectorContext(asset: asset, service: service, logger: log)
        let raw = parameters.json.objectValue ?? [:]
        let windows = subWindows
        let initialState = connectorState
        let result = await lifecycle.run(connector, action: "on poll", parameterSets: [raw], context: context) {
            (_: AppAction, _: JSONObject, context: ConnectorContext) async throws(IntakeError) -> ActionResult in
            await self.ingestWindows(windows, connector: connector, asset: asset, mapping: mapping, parameters: parameters,
                                     connectorState: initialState, options: options, started: started, context: context)
        }
        return PollRunner.shaped(result, parameter: parameters.json)
    }

    /// SPEC §10's shape for every action result of a poll: the full parameter set and every summary count.
    static func shaped(_ result: ConnectorRunResult, parameter: JSONValue) -> ConnectorRunResult {
        ConnectorRunResult(actionResults: result.actionResults.map { r in
            var r = r
            if r.summary.isEmpty { r.summary = summaryObject(PollSummary()) }
            if r.parameter.objectValue?.isEmpty ?? true || r.parameter.objectValue?["start_time"] == nil { r.parameter = parameter }
            return r
        })
    }

    /// `on_poll`'s handle: the connector's pages through the mapping into the store, as one run.
    /// `connectorState` is a resumable connector's state from the last successful scheduled poll.
    func ingest(connector: any Connector, asset: AssetConfiguration, mapping: Mapping, window: PollWindow,
                parameters: PollParameters, connectorState: JSONValue?, options: PollOptions, started: Timestamp, context: ConnectorContext) async -> ActionResult {
        var log = context.logger
        let mappingContext: MappingContext
        do {
            mappingContext = try MappingContext(asset: asset, now: started)
        } catch {
            return ActionResult(status: .failed, message: error.description, parameter: parameters.json,
                                summary: PollRunner.summaryObject(PollSummary()))
        }
        let runId: Int64
        do {
            runId = try await store.beginRun(PollRunStart(asset: asset.name, mode: options.mode, windowStart: window.start,
                                                          windowEnd: window.end, startedAt: started))
        } catch {
            return ActionResult(status: .failed, message: context.redactor.redact(error).description, parameter: parameters.json,
                                summary: PollRunner.summaryObject(PollSummary()))
        }
        log[metadataKey: "run"] = "\(runId)"
        log[metadataKey: "window"] = "\(window.start.iso8601)/\(window.end.iso8601)"
        var context = context
        context.logger = log  // the connector's lines (requests, retries) carry the run and window too
        log.info("poll started", metadata: ["mode": "\(options.mode.rawValue)"])

        let limits = PollLimits(containers: parameters.isUnlimited ? nil : parameters.containerCount,
                                artifactsPerContainer: parameters.artifactCount >= PollParameters.scheduledSentinel
                                    || parameters.artifactCount <= 0 ? nil : parameters.artifactCount)
        let sourceIds = Set(options.sourceIds)
        let scheduled = options.mode == .scheduled

        // A bounded pipeline: this task fetches, parses and maps pages while a child task saves the
        // pages before them, several to a transaction when the store falls behind. A page's
        // checkpoint still commits in the transaction that saves it.
        let queue = PageQueue<QueuedPage>(capacity: PollRunner.pipelinePages)
        let pageLog = log
        let observers = self.observers, shouldStop = self.shouldStop, assetName = asset.name
        let encodeAhead = EncodeAhead()
        async let saved = PollRunner.saveQueued(queue, store: store, limits: limits, logger: pageLog, encodeAhead: encodeAhead,
                                                shouldStop: shouldStop) { summary in
            for o in observers { o.pageSaved(PollPageSaved(asset: assetName, runId: runId, summary: summary, startedAt: started)) }
            return !shouldStop()
        }

        // The middle stage: a child task maps each parsed page and queues it for saving, while the
        // connector (this task) fetches and parses the next one. One parsed page waits at most.
        let parsed = PageQueue<ParsedPage>(capacity: 1)
        let resumable = connector is any ResumableConnector
        let assetApp = asset.app
        async let mapper: Void = {
            while let next = await parsed.take(upTo: 1).first {
                let page = next.page
                // Pages waiting to be saved mean the store is the slower stage: one lane then
                // leaves the other cores to it (and to its database), whose every statement would
                // otherwise wait for a lane to finish before it could go on.
                let lanes = queue.count > 0 ? 1 : PollRunner.mappingLanes
                let mapped = await PollRunner.mapPage(page.records, mapping: mapping, context: mappingContext, sourceIds: sourceIds,
                                                      asset: assetName, runId: runId, at: started, encodeAhead: encodeAhead.value,
                                                      lanes: lanes)
                let write = PageWrite(asset: assetName, appId: assetApp, runId: runId, entries: mapped.entries,
                                      quarantine: mapped.quarantine,
                                      records: page.records.count,
                                      checkpoint: scheduled && page.isLast ? window.checkpointCursor(connectorState: next.state) : nil,
                                      checkpointAtEntry: scheduled ? window.checkpointAtEntry(mapped.entries, resumable: resumable) : nil,
                                      limits: limits)
                guard await queue.send(QueuedPage(write: write, source: page.source)) else {
                    // Saving has stopped (a limit or an error): so does the connector, at its next page.
                    parsed.stop()
                    return
                }
            }
        }()

        var failure: IntakeError?
        do throws(IntakeError) {
            if scheduled, let resumable = connector as? any ResumableConnector {
                try await resumable.poll(parameters, context: context, resumingFrom: connectorState) {
                    (page: ConnectorPage, state: JSONValue?) async throws(IntakeError) -> Bool in
                    await parsed.send(ParsedPage(page: page, state: state))
                }
            } else {
                try await connector.poll(parameters, context: context) { (page: ConnectorPage) async throws(IntakeError) -> Bool in
                    await parsed.send(ParsedPage(page: page, state: nil))
                }
            }
        } catch {
            failure = error
        }
        // Pages fetched before a connector error are mapped and saved, as they would have been one by one.
        parsed.close()
        await mapper
        queue.close()
        let outcome = await saved
        let summary = outcome.summary
        let stoppedByLimit = outcome.stoppedByLimit
        if failure == nil { failure = outcome.error }

        if let failure {
            let e = context.redactor.redact(await connector.handleException(failure, context: context))
            log.error("poll failed", metadata: ["error": "\(e)"])
            try? await store.finishRun(PollRunFinish(runId: runId, asset: asset.name, mode: options.mode, succeeded: false,
                                                     error: e.description, finishedAt: clock()))
            return ActionResult(status: .failed, message: e.description, parameter: parameters.json,
                                summary: PollRunner.summaryObject(summary))
        }

        do {
            try await store.finishRun(PollRunFinish(runId: runId, asset: asset.name, mode: options.mode, succeeded: true,
                                                    finishedAt: clock()))
        } catch {
            return ActionResult(status: .failed, message: context.redactor.redact(error).description, parameter: parameters.json,
                                summary: PollRunner.summaryObject(summary))
        }
        var message = "Polled \(summary.records) record\(summary.records == 1 ? "" : "s"): "
            + "\(summary.containersNew) new and \(summary.containersDuplicate) duplicate containers, "
            + "\(summary.artifactsNew) new and \(summary.artifactsDuplicate) duplicate artifacts, \(summary.quarantined) quarantined"
        if stoppedByLimit { message += "; stopped at the container or artifact limit, the rest is read next time" }
        log.info("poll finished", metadata: ["records": "\(summary.records)", "containers_new": "\(summary.containersNew)",
                                             "artifacts_new": "\(summary.artifactsNew)", "quarantined": "\(summary.quarantined)"])
        return ActionResult(status: .success, message: message, parameter: parameters.json,
                            summary: PollRunner.summaryObject(summary))
    }

    static func summaryObject(_ s: PollSummary) -> JSONObject { s.json.objectValue ?? [:] }

    /// Pages mapped ahead of the store at most; with a page being mapped and a batch being saved,
    /// this bounds a poll's memory whatever the feed's length.
    static let pipelinePages = 4
    /// How far a store may keep a transaction open taking pages that arrive while it saves (see
    /// ``TransactionFeed``): until this many artifacts, or for this long, whichever comes first.
    static let transactionArtifacts = 20_000
    static let transactionDuration: Duration = .seconds(2)

    /// The pages a transaction starts with and its feed, from the pages waiting (nil when there are
    /// none: the queue is closed and drained, or stopped). Called with the pages just taken, so that
    /// afterwards only the returned writes refer to them.
    static func transaction(_ waiting: [QueuedPage], queue: PageQueue<QueuedPage>,
                            shouldStop: @escaping @Sendable () -> Bool) -> ([PageWrite], TransactionFeed)? {
        if waiting.isEmpty { return nil }
        let feed = TransactionFeed(queue: queue, given: waiting, maxArtifacts: transactionArtifacts,
                                   maxDuration: transactionDuration, shouldStop: shouldStop)
        return (waiting.map(\.write), feed)
    }

    /// A parsed page waiting to be mapped, with the connector's state after it (resumable connectors).
    struct ParsedPage: Sendable {
        var page: ConnectorPage
        var state: JSONValue?
    }

    /// A mapped page waiting to be saved.
    struct QueuedPage: Sendable {
        var write: PageWrite
        var source: String
    }

    /// What saving a poll's pages came to.
    struct SavedPages: Sendable {
        var summary = PollSummary()
        var stoppedByLimit = false
        var error: IntakeError?
    }

    /// Saves queued pages in order until the queue is closed and drained, a limit stops the poll or
    /// a save fails; in the last two cases it stops the queue, which stops the producer.
    /// `afterPage` is told the running summary after each saved page; false stops the poll there
    /// (shutdown, timeout, a lost lease): pages not yet saved are dropped and read again next time.
    static func saveQueued(_ queue: PageQueue<QueuedPage>, store: any Store, limits: PollLimits, logger: Logger,
                           encodeAhead: EncodeAhead? = nil, shouldStop: @escaping @Sendable () -> Bool = { false },
                           afterPage: @Sendable (PollSummary) -> Bool) async -> SavedPages {
        var result = SavedPages()
        var limits = limits
        while true {
            // A transaction starts with every page waiting (so PostgreSQL, which takes no more,
            // still saves a backlog together), and the feed hands it those that arrive meanwhile.
            guard case (var writes, let feed)? = transaction(await queue.take(upTo: pipelinePages), queue: queue, shouldStop: shouldStop) else {
                return result
            }
            writes[0].limits = limits
            let outcomes: [PageOutcome]
            do throws(IntakeError) {
                // Handed over: this task keeps no page, so the store frees each one as it saves it
                // (off this task's thread), not this task once the transaction is done.
                outcomes = try await store.save(pages: consume writes, then: feed.next)
            } catch {
                result.error = error
                queue.stop()
                return result
            }
            let batch = feed.pages
            encodeAhead?.saved(outcomes)
            var goOn = true
            for (page, outcome) in zip(batch, outcomes) {
                result.summary.add(outcome.summary)
                logger.debug("page saved", metadata: ["source": "\(page.source)", "records": "\(page.records)",
                                                      "artifacts_new": "\(outcome.summary.artifactsNew)"])
                if !afterPage(result.summary) { goOn = false }
            }
            if let last = outcomes.last { limits = last.limits }
            if outcomes.last?.stoppedAtEntry != nil {
                result.stoppedByLimit = true
                queue.stop()
                return result
            }
            if !goOn {
                queue.stop()
                return result
            }
        }
    }

    func failed(_ error: IntakeError, parameter: JSONValue) -> ConnectorRunResult {
        logger.error("poll failed", metadata: ["error": "\(error)"])
        return ConnectorRunResult(actionResults: [ActionResult(status: .failed, message: error.description, parameter: parameter,
                                                               summary: PollRunner.summaryObject(PollSummary()))])
    }

    /// Runs the asset's test connectivity action through the lifecycle.
    public func test(assetName: String) async -> ConnectorRunResult {
        let asset: AssetConfiguration
        let app: AppDefinition
        do {
            asset = try loader.asset(named: assetName)
            app = try AppCatalog.app(for: asset)
        } catch {
            return failed(error, parameter: .object([:]))
        }
        guard let connector = ConnectorRegistry.connector(for: asset.app) else {
            return failed(IntakeError(.configuration, "app '\(asset.app)' has no connector in this build", at: asset.file),
                          parameter: .object([:]))
        }
        var log = logger
        log[metadataKey: "asset"] = "\(asset.name)"
        let lifecycle = ActionLifecycle(app: app, secrets: SecretResolver(directory: service.directory), locks: locks)
        let result = await lifecycle.run(connector, action: "test connectivity", parameterSets: [[:]],
                                         context: ConnectorContext(asset: asset, service: service, logger: log)) {
            (_: AppAction, _: JSONObject, context: ConnectorContext) async throws(IntakeError) -> ActionResult in
            try await connector.testConnectivity(context)
        }
        // SOAR's wording, so the cause reads as the reason the test failed.
        return ConnectorRunResult(actionResults: result.actionResults.map { r in
            var r = r
            if r.status == .failed && !r.message.hasPrefix("Test connectivity failed") { r.message = "Test connectivity failed: " + r.message }
            return r
        })
    }
}
