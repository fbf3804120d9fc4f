/// A stored container, field for field as SOAR's container schema (seed 003).
public struct Container: Sendable, Hashable {
    public var id: Int64
    public var version: Int = 1
    public var label: String
    public var name: String
    public var sourceDataIdentifier: String
    public var description: String?
    public var status: String
    public var sensitivity: String
    public var severity: String
    public var createTime: Timestamp
    public var startTime: Timestamp?
    public var endTime: Timestamp?
    public var dueTime: Timestamp?
    public var closeTime: Timestamp?
    public var killChain: String?
    public var owner: String?
    public var hash: String
    public var tags: [String]
    /// The numeric id of the asset that ingested it.
    public var asset: Int64?
    public var assetName: String?
    public var artifactUpdateTime: Timestamp?
    public var containerUpdateTime: Timestamp
    public var ingestAppId: String?
    public var data: JSONValue
    public var customFields: JSONObject
    public var artifactCount: Int

    public init(id: Int64, label: String, name: String, sourceDataIdentifier: String, description: String? = nil,
                status: String = "open", sensitivity: String = Sensitivity.default, severity: String = Severity.default,
                createTime: Timestamp, startTime: Timestamp? = nil, endTime: Timestamp? = nil, dueTime: Timestamp? = nil,
                closeTime: Timestamp? = nil, killChain: String? = nil, owner: String? = nil, hash: String = "",
                tags: [String] = [], asset: Int64? = nil, assetName: String? = nil, artifactUpdateTime: Timestamp? = nil,
                containerUpdateTime: Timestamp, ingestAppId: String? = nil, data: JSONValue = .object([:]),
                customFields: JSONObject = [:], artifactCount: Int = 0) {
        self.id = id
        self.label = label
        self.name = name
        self.sourceDataIdentifier = sourceDataIdentifier
        self.description = description
        self.status = status
        self.sensitivity = sensitivity
        self.severity = severity
        self.createTime = createTime
        self.startTime = startTime
        self.endTime = endTime
        self.dueTime = dueTime
        self.closeTime = closeTime
        self.killChain = killChain
        self.owner = owner
        self.hash = hash
        self.tags = tags
        self.asset = asset
        self.assetName = assetName
        self.artifactUpdateTime = artifactUpdateTime
        self.containerUpdateTime = containerUpdateTime
        self.ingestAppId = ingestAppId
        self.data = data
        self.customFields = customFields
        self.artifactCount = artifactCount
    }

    /// The container in SOAR's JSON shape.
    public var json: JSONValue {
        var o = JSONObject()
        o.append("id", .int(id))
        o.append("version", .int(Int64(version)))
        o.append("label", .string(label))
        o.append("name", .string(name))
        o.append("source_data_identifier", .string(sourceDataIdentifier))
        o.append("description", .optional(description))
        o.append("status", .string(status))
        o.append("sensitivity", .string(sensitivity))
        o.append("severity", .string(severity))
        o.append("create_time", .string(createTime.iso8601))
        o.append("start_time", .optional(startTime))
        o.append("end_time", .optional(endTime))
        o.append("due_time", .optional(dueTime))
        o.append("close_time", .optional(closeTime))
        o.append("kill_chain", .optional(killChain))
        o.append("owner", .optional(owner))
        o.append("hash", .string(hash))
        o.append("tags", .array(tags.map(JSONValue.string)))
        o.append("asset", asset.map(JSONValue.int) ?? .null)
        o.append("asset_name", .optional(assetName))
        o.append("artifact_update_time", .optional(artifactUpdateTime))
        o.append("container_update_time", .string(containerUpdateTime.iso8601))
        o.append("ingest_app_id", .optional(ingestAppId))
        o.append("data", data)
        o.append("custom_fields", .object(customFields))
        o.append("artifact_count", .int(Int64(artifactCount)))
        return .object(o)
    }
}

extension JSONValue {
    /// A string, or null when absent.
    public static func optional(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
    /// An ISO-8601 time, or null when absent.
    public static func optional(_ t: Timestamp?) -> JSONValue { t.map { .string($0.iso8601) } ?? .null }
}
