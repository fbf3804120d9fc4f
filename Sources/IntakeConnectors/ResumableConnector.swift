import IntakeCore

/// A connector that keeps its own position between scheduled polls (for example how far it read each file).
///
/// The poll runner passes the state saved by the last successful scheduled poll (nil at first, and
/// always nil for poll now) and commits the state handed with the last page in the checkpoint,
/// together with the window, only when the whole window was saved.
public protocol ResumableConnector: Connector {
    func poll(_ parameters: PollParameters, context: ConnectorContext, resumingFrom state: JSONValue?,
              emit: (ConnectorPage, _ state: JSONValue?) async throws(IntakeError) -> Bool) async throws(IntakeError)
}
