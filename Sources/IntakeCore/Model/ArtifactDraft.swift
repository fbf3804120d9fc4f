/// An artifact as a mapping produces it, before the store gives it an id.
///
/// ``hash`` is SHA-256 over the canonical JSON of the body: every field here except the hash
/// itself (ids and store-assigned times are not part of a draft). Within one container, an
/// artifact with a source_data_identifier whose hash is already stored is a duplicate.
public struct ArtifactDraft: Sendable, Hashable {
    public var name: String
    public var label: String
    public var sourceDataIdentifier: String?
    public var startTime: Timestamp?
    public var endTime: Timestamp?
    public var severity: String
    public var type: String?
    public var killChain: String?
    public var cef: JSONObject
    /// CEF key → contains types, e.g. `fileHash: [hash, sha256]`.
    public var cefTypes: JSONObject
    public var description: String?
    public var tags: [String]
    /// The raw record the artifact came from.
    public var data: JSONValue
    public private(set) var hash: String

    public init(name: String, label: String = "event", sourceDataIdentifier: String?, startTime: Timestamp? = nil,
                endTime: Timestamp? = nil, severity: String = Severity.default, type: String? = nil,
                killChain: String? = nil, cef: JSONObject, cefTypes: JSONObject = [:], description: String? = nil,
                tags: [String] = [], data: JSONValue) {
        self.name = name
        self.label = label
        self.sourceDataIdentifier = sourceDataIdentifier
        self.startTime = startTime
        self.endTime = endTime
        self.severity = severity
        self.type = type
        self.killChain = killChain
        self.cef = cef
        self.cefTypes = cefTypes
        self.description = description
        self.tags = tags
        self.data = data
        self.hash = ""
        rehash()
    }

    /// Recomputes ``hash`` after fields were changed.
    public mutating func rehash() { hash = withUnsafeMutablePointer(to: &self) { ArtifactDraft.bodyHash($0) } }

    /// SHA-256 of the canonical JSON of ``body``, written straight from the fields (the keys below
    /// are already in canonical order), without building the body object first, by this thread's
    /// reused canonical writer.
    static func bodyHash(_ d: UnsafePointer<ArtifactDraft>) -> String {
        // The fields are read through a pointer (the draft's own storage, from `init` and `rehash`):
        // a closure capturing `self` copied the whole draft, every reference in it retained and
        // released, up to three times per hash.
        CanonicalScratch.withWriter { w in
            writeBody(d, to: &w)
            return w.withBytes { Digest.sha256Hex($0) }
        }
    }

    private static func writeBody(_ d: UnsafePointer<ArtifactDraft>, to w: inout JSONWriter) {
        w.appendLiteral("{\"cef\":")
        w.writeObject(d.pointee.cef, indent: 1)
        w.appendLiteral(",\"cef_types\":")
        w.writeObject(d.pointee.cefTypes, indent: 1)
        w.appendLiteral(",\"data\":")
        w.write(d.pointee.data, indent: 1)
        w.appendLiteral(",\"description\":")
        w.writeOptional(d.pointee.description)
        w.appendLiteral(",\"end_time\":")
        w.writeOptional(d.pointee.endTime?.iso8601)
        w.appendLiteral(",\"kill_chain\":")
        w.writeOptional(d.pointee.killChain)
        w.appendLiteral(",\"label\":")
        w.writeString(d.pointee.label)
        w.appendLiteral(",\"name\":")
        w.writeString(d.pointee.name)
        w.appendLiteral(",\"severity\":")
        w.writeString(d.pointee.severity)
        w.appendLiteral(",\"source_data_identifier\":")
        w.writeOptional(d.pointee.sourceDataIdentifier)
        w.appendLiteral(",\"start_time\":")
        w.writeOptional(d.pointee.startTime?.iso8601)
        w.appendLiteral(",\"tags\":[")
        for i in d.pointee.tags.indices {
            if i > 0 { w.appendLiteral(",") }
            w.writeString(d.pointee.tags[i])
        }
        w.appendLiteral("],\"type\":")
        w.writeOptional(d.pointee.type)
        w.appendLiteral("}")
    }

    /// The draft in SOAR's artifact shape: its body and its hash.
    public var json: JSONObject {
        var o = body
        o.append("hash", .string(hash))
        return o
    }

    /// The body the hash is taken over.
    public var body: JSONObject {
        var o = JSONObject()
        o.append("cef", .object(cef))
        o.append("cef_types", .object(cefTypes))
        o.append("data", data)
        o.append("description", description.map(JSONValue.string) ?? .null)
        o.append("end_time", endTime.map { .string($0.iso8601) } ?? .null)
        o.append("kill_chain", killChain.map(JSONValue.string) ?? .null)
        o.append("label", .string(label))
        o.append("name", .string(name))
        o.append("severity", .string(severity))
        o.append("source_data_identifier", sourceDataIdentifier.map(JSONValue.string) ?? .null)
        o.append("start_time", startTime.map { .string($0.iso8601) } ?? .null)
        o.append("tags", .array(tags.map(JSONValue.string)))
        o.append("type", type.map(JSONValue.string) ?? .null)
        return o
    }
}
