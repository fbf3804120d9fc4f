/// A stored artifact, field for field as SOAR's artifact schema (seed 004).
public struct Artifact: Sendable, Hashable {
    public var id: Int64
    public var version: Int = 1
    public var name: String
    public var label: String
    public var sourceDataIdentifier: String?
    public var createTime: Timestamp
    public var startTime: Timestamp?
    public var endTime: Timestamp?
    public var severity: String
    public var type: String?
    public var killChain: String?
    public var hash: String
    public var cef: JSONObject
    public var cefTypes: JSONObject
    public var container: Int64
    public var description: String?
    public var tags: [String]
    public var data: JSONValue

    public init(id: Int64, container: Int64, createTime: Timestamp, draft: ArtifactDraft) {
        self.id = id
        self.container = container
        self.createTime = createTime
        name = draft.name
        label = draft.label
        sourceDataIdentifier = draft.sourceDataIdentifier
        startTime = draft.startTime
        endTime = draft.endTime
        severity = draft.severity
        type = draft.type
        killChain = draft.killChain
        hash = draft.hash
        cef = draft.cef
        cefTypes = draft.cefTypes
        description = draft.description
        tags = draft.tags
        data = draft.data
    }

    public init(id: Int64, name: String, label: String, sourceDataIdentifier: String?, createTime: Timestamp,
                startTime: Timestamp?, endTime: Timestamp?, severity: String, type: String?, killChain: String?,
                hash: String, cef: JSONObject, cefTypes: JSONObject, container: Int64, description: String?,
                tags: [String], data: JSONValue) {
        self.id = id
        self.name = name
        self.label = label
        self.sourceDataIdentifier = sourceDataIdentifier
        self.createTime = createTime
        self.startTime = startTime
        self.endTime = endTime
        self.severity = severity
        self.type = type
        self.killChain = killChain
        self.hash = hash
        self.cef = cef
        self.cefTypes = cefTypes
        self.container = container
        self.description = description
        self.tags = tags
        self.data = data
    }

    /// The artifact in SOAR's JSON shape.
    public var json: JSONValue {
        var o = JSONObject()
        o.append("id", .int(id))
        o.append("version", .int(Int64(version)))
        o.append("name", .string(name))
        o.append("label", .string(label))
        o.append("source_data_identifier", .optional(sourceDataIdentifier))
        o.append("create_time", .string(createTime.iso8601))
        o.append("start_time", .optional(startTime))
        o.append("end_time", .optional(endTime))
        o.append("severity", .string(severity))
        o.append("type", .optional(type))
        o.append("kill_chain", .optional(killChain))
        o.append("hash", .string(hash))
        o.append("cef", .object(cef))
        o.append("cef_types", .object(cefTypes))
        o.append("container", .int(container))
        o.append("description", .optional(description))
        o.append("tags", .array(tags.map(JSONValue.string)))
        o.append("data", data)
        return .object(o)
    }
}
