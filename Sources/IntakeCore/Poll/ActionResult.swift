/// The outcome of one action run over one parameter set (SOAR's ActionResult).
public struct ActionResult: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        case success
        case failed
    }

    public var status: Status
    public var message: String
    public var parameter: JSONValue
    public var summary: JSONObject
    public var data: [JSONValue]

    public init(status: Status, message: String, parameter: JSONValue = .object([:]), summary: JSONObject = [:],
                data: [JSONValue] = []) {
        self.status = status
        self.message = message
        self.parameter = parameter
        self.summary = summary
        self.data = data
    }

    public var json: JSONValue {
        [
            "status": .string(status.rawValue),
            "message": .string(message),
            "parameter": parameter,
            "summary": .object(summary),
            "data": .array(data),
        ]
    }
}

/// The outcome of one connector run: all its action results plus a generated summary.
/// It fails only when every action result failed (seed 001).
public struct ConnectorRunResult: Sendable, Hashable {
    public var actionResults: [ActionResult]
    public var message: String

    public init(actionResults: [ActionResult], message: String? = nil) {
        self.actionResults = actionResults
        let ok = actionResults.filter { $0.status == .success }.count
        self.message = message ?? "\(ok) action succeeded, \(actionResults.count - ok) action failed"
    }

    public var status: ActionResult.Status {
        actionResults.contains { $0.status == .success } ? .success : .failed
    }

    public var totalObjects: Int { actionResults.count }
    public var totalObjectsSuccessful: Int { actionResults.filter { $0.status == .success }.count }

    public var json: JSONValue {
        [
            "status": .string(status.rawValue),
            "message": .string(message),
            "summary": [
                "total_objects": .int(Int64(totalObjects)),
                "total_objects_successful": .int(Int64(totalObjectsSuccessful)),
            ],
            "action_results": .array(actionResults.map(\.json)),
        ]
    }
}
