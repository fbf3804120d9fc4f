/// A container as a mapping produces it, before the store gives it an id.
///
/// Its identity in the store is (asset, label, source_data_identifier): saving a draft whose
/// identity exists finds that container instead of making a second one.
public struct ContainerDraft: Sendable, Hashable {
    // Declared in a different order from the public initializer's parameters (the raw data first),
    // so that the synthesized memberwise initializer, which that initializer calls, has another
    // signature. An initializer that assigns these `var`s one by one copied the finished draft
    // and destroyed the original (every string and the record retained and released once more),
    // once per mapped record; the memberwise initializer builds it in place.
    /// The raw container data as seen in the source.
    public var data: JSONValue
    public var label: String
    public var name: String
    public var sourceDataIdentifier: String
    public var description: String?
    public var status: String
    public var sensitivity: String
    public var severity: String
    public var startTime: Timestamp?
    public var endTime: Timestamp?
    public var dueTime: Timestamp?
    public var killChain: String?
    public var owner: String?
    public var tags: [String]
    /// Extra fields a mapping sets beyond the schema (`custom_fields` in SOAR).
    public var customFields: JSONObject
}

extension ContainerDraft {
    public init(label: String, name: String, sourceDataIdentifier: String, description: String? = nil,
                status: String = "open", sensitivity: String = Sensitivity.default, severity: String = Severity.default,
                startTime: Timestamp? = nil, endTime: Timestamp? = nil, dueTime: Timestamp? = nil,
                killChain: String? = nil, owner: String? = nil, tags: [String] = [], data: JSONValue = .object([:]),
                customFields: JSONObject = [:]) {
        self.init(data: data, label: label, name: name, sourceDataIdentifier: sourceDataIdentifier, description: description,
                  status: status, sensitivity: sensitivity, severity: severity, startTime: startTime, endTime: endTime,
                  dueTime: dueTime, killChain: killChain, owner: owner, tags: tags, customFields: customFields)
    }

    /// The hash of the container data as ingested (seed 003's `hash`).
    public var dataHash: String { Digest.canonicalSHA256(data) }

    /// The draft in SOAR's container shape, without the fields the store assigns (id, times, counts).
    public var json: JSONObject {
        var o = JSONObject()
        o.append("label", .string(label))
        o.append("name", .string(name))
        o.append("source_data_identifier", .string(sourceDataIdentifier))
        o.append("description", .optional(description))
        o.append("status", .string(status))
        o.append("sensitivity", .string(sensitivity))
        o.append("severity", .string(severity))
        o.append("start_time", .optional(startTime))
        o.append("end_time", .optional(endTime))
        o.append("due_time", .optional(dueTime))
        o.append("kill_chain", .optional(killChain))
        o.append("owner", .optional(owner))
        o.append("hash", .string(dataHash))
        o.append("tags", .array(tags.map(JSONValue.string)))
        o.append("data", data)
        o.append("custom_fields", .object(customFields))
        return o
    }
}
