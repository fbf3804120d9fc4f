import IntakeConnectors
import IntakeCore
import IntakeMapping
import IntakeStore

extension PollRunner {
    /// Ingests contiguous sub-windows oldest first, one ``ingest`` (and one poll run row) each, as one
    /// action result. Each sub-window commits its own checkpoint, so a failure keeps what earlier ones
    /// saved and the next poll resumes at the failed one. The poll stops at the first failure and
    /// when a limit stops a sub-window (its checkpoint stays at the first record not saved).
    func ingestWindows(_ windows: [PollWindow], connector: any Connector, asset: AssetConfiguration, mapping: Mapping,
                       parameters: PollParameters, connectorState: JSONValue?, options: PollOptions, started: Timestamp,
                       context: ConnectorContext) async -> ActionResult {
        guard windows.count > 1 else {
            let window = windows.first ?? PollWindow(start: parameters.startTime, end: parameters.endTime, isFirstRun: false)
            return await ingest(connector: connector, asset: asset, mapping: mapping, window: window, parameters: parameters,
                                connectorState: connectorState, options: options, started: started, context: context)
        }
        var remaining: Int64? = parameters.isUnlimited ? nil : parameters.containerCount
        var state = connectorState
        var totals: JSONObject = [:]
        var last: ActionResult? = nil
        var done = 0
        var stoppedByLimit = false
        for (i, window) in windows.enumerated() {
            if i > 0 && connector is any ResumableConnector {
                // The state the previous sub-window committed with its checkpoint.
                state = (try? await store.checkpoint(asset: asset.name))?.cursor?["connector"] ?? state
            }
            var sub = parameters
            sub.startTime = window.start
            sub.endTime = window.end
            sub.containerCount = remaining ?? PollParameters.scheduledSentinel
            let result = await ingest(connector: connector, asset: asset, mapping: mapping, window: window, parameters: sub,
                                      connectorState: state, options: options, started: started, context: context)
            for member in result.summary {
                if let n = member.value.intValue { totals[member.key] = .int((totals[member.key]?.intValue ?? 0) + n) }
            }
            last = result
            guard result.status == .success else { break }
            done += 1
            // A stopped poll (shutdown, timeout) left this sub-window's checkpoint alone: later ones must wait.
            if shouldStop() { break }
            let touched = (result.summary["containers_new"]?.intValue ?? 0) + (result.summary["containers_duplicate"]?.intValue ?? 0)
            remaining = PollPlan.remaining(remaining, after: touched)
            if (result.summary["deferred"]?.intValue ?? 0) > 0 || remaining == 0 {
                stoppedByLimit = i < windows.count - 1 || (result.summary["deferred"]?.intValue ?? 0) > 0
                break
            }
        }
        let status = last?.status ?? .success
        var message = "\(done) of \(windows.count) sub-windows: "
        if status == .failed, let last {
            message += last.message
        } else {
            let n = { (key: String) in totals[key]?.intValue ?? 0 }
            message += "polled \(n("records")) record\(n("records") == 1 ? "" : "s"): \(n("containers_new")) new and "
                + "\(n("containers_duplicate")) duplicate containers, \(n("artifacts_new")) new and \(n("artifacts_duplicate")) "
                + "duplicate artifacts, \(n("quarantined")) quarantined"
            if stoppedByLimit { message += "; stopped at the container or artifact limit, the rest is read next time" }
        }
        return ActionResult(status: status, message: message, parameter: parameters.json, summary: totals)
    }
}
