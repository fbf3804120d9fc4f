import IntakeCore

/// A connector that keeps its own position between scheduled polls (for example how far it read each file).
///
/// A scheduled poll calls this method with the state saved by the last successful scheduled poll (nil
/// at first) and commits the state handed with the last page in the checkpoint, together with the
/// window, only when the whole window was saved. Poll now calls the plain ``Connector`` method.
public protocol ResumableConnector: Connector {
    func poll(_ parameters: PollParameters, context: ConnectorContext, resumingFrom state: JSONValue?,
              emit: (ConnectorPage, _ state: JSONValue?) async throws(IntakeError) -> Bool) async throws(IntakeError)
}
