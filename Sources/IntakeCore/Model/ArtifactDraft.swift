#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
}

extension ArtifactDraft {
    /// Declared here, outside the type, so that it can call the synthesized memberwise initializer
    /// (which takes the hash too): one that assigned the `var`s one by one copied the finished draft
    /// and destroyed the original, every reference in it retained and released once more per artifact.
    public init(name: String, label: String = "event", sourceDataIdentifier: String?, startTime: Timestamp? = nil,
                endTime: Timestamp? = nil, severity: String = Severity.default, type: String? = nil,
                killChain: String? = nil, cef: JSONObject, cefTypes: JSONObject = [:], description: String? = nil,
                tags: [String] = [], data: JSONValue) {
        self.init(name: name, label: label, sourceDataIdentifier: sourceDataIdentifier, startTime: startTime, endTime: endTime,
                  severity: severity, type: type, killChain: killChain, cef: cef, cefTypes: cefTypes, description: description,
                  tags: tags, data: data, hashNow: true)
    }

    /// A draft hashed now, or (`hashNow` false) with its hash left empty for the caller to take
    /// with ``hashPair(_:_:)`` or ``rehash()`` before the draft leaves it: how a mapping hashes
    /// the artifacts of a page two at a time.
    package init(name: String, label: String, sourceDataIdentifier: String?, startTime: Timestamp?, endTime: Timestamp?,
                 severity: String, type: String?, killChain: String?, cef: JSONObject, cefTypes: JSONObject,
                 description: String?, tags: [String], data: JSONValue, hashNow: Bool) {
        self.init(name: name, label: label, sourceDataIdentifier: sourceDataIdentifier, startTime: startTime, endTime: endTime,
                  severity: severity, type: type, killChain: killChain, cef: cef, cefTypes: cefTypes, description: description,
                  tags: tags, data: data, hash: "")
        if hashNow { rehash() }
    }

    /// True until the hash of a draft made with `hashNow: false` is taken.
    package var isUnhashed: Bool { hash.isEmpty }

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
            writeBody(d, to: &w, data: nil)
            return w.withBytes { Digest.sha256Hex($0) }
        }
    }

    /// Takes the hashes of two drafts at once: both bodies written by this thread's canonical
    /// writers, then hashed together (``Digest/sha256HexPair(_:_:)``). The same hashes as
    /// ``rehash()`` on each.
    package static func hashPair(_ a: UnsafeMutablePointer<ArtifactDraft>, _ b: UnsafeMutablePointer<ArtifactDraft>) {
        CanonicalScratch.withWriters { wa, wb, _ in
            writeBody(a, to: &wa, data: nil)
            writeBody(b, to: &wb, data: nil)
            hashBodies(a, wa, b, wb)
        }
    }

    /// Takes the hashes of drafts two at a time (the last alone when their count is odd), the same
    /// hashes as ``rehash()`` on each. Drafts whose raw record (`data`) is the first one's, as a
    /// record's artifacts share it, copy its canonical bytes, written once, instead of writing the
    /// record again: a record is usually most of an artifact's body.
    package static func hashAll(_ drafts: UnsafeMutableBufferPointer<ArtifactDraft>) {
        guard let first = drafts.baseAddress, drafts.count > 1 else {
            if let only = drafts.baseAddress { only.pointee.rehash() }
            return
        }
        CanonicalScratch.withWriters { wa, wb, shared in
            // The same representation is the same value: equal scalars, or the same storage, which
            // the drafts keep alive while they are hashed, so its address cannot be another's.
            shared.write(at: UnsafeRawPointer(first) + Offset.data, indent: 1)
            shared.withBytes { record in
                @inline(__always) func data(_ d: UnsafePointer<ArtifactDraft>) -> UnsafeBufferPointer<UInt8>? {
                    memcmp(UnsafeRawPointer(d) + Offset.data, UnsafeRawPointer(first) + Offset.data, MemoryLayout<JSONValue>.size) == 0 ? record : nil
                }
                var i = 0
                while i + 1 < drafts.count {
                    let a = first + i, b = first + i + 1
                    wa.reset()
                    wb.reset()
                    writeBody(a, to: &wa, data: data(a))
                    writeBody(b, to: &wb, data: data(b))
                    hashBodies(a, wa, b, wb)
                    i += 2
                }
                if i < drafts.count {
                    let last = first + i
                    wa.reset()
                    writeBody(last, to: &wa, data: data(last))
                    last.pointee.hash = wa.withBytes { Digest.sha256Hex($0) }
                }
            }
        }
    }

    /// Hashes two bodies written, together, into their drafts.
    @inline(__always) private static func hashBodies(_ a: UnsafeMutablePointer<ArtifactDraft>, _ wa: borrowing JSONWriter,
                                                     _ b: UnsafeMutablePointer<ArtifactDraft>, _ wb: borrowing JSONWriter) {
        let (ha, hb) = wa.withBytes { x in wb.withBytes { y in Digest.sha256HexPair(x, y) } }
        a.pointee.hash = ha
        b.pointee.hash = hb
    }

    /// Where each field is stored in a draft, to write it in place (see ``JSONWriter/writeString(at:)``).
    private enum Offset {
        @inline(__always) static var cef: Int { MemoryLayout<ArtifactDraft>.offset(of: \ArtifactDraft.cef)! }
        @inline(__always) static var cefTypes: Int { MemoryLayout<ArtifactDraft>.offset(of: \ArtifactDraft.cefTypes)! }
        @inline(__always) static var data: Int { MemoryLayout<ArtifactDraft>.offset(of: \ArtifactDraft.data)! }
        @inline(__always) static var description: Int { MemoryLayout<ArtifactDraft>.offset(of: \ArtifactDraft.description)! }
        @inline(__always) static var killChain: Int { MemoryLayout<ArtifactDraft>.offset(of: \ArtifactDraft.killChain)! }
        @inline(__always) static var label: Int { MemoryLayout<ArtifactDraft>.offset(of: \ArtifactDraft.label)! }
        @inline(__always) static var name: Int { MemoryLayout<ArtifactDraft>.offset(of: \ArtifactDraft.name)! }
        @inline(__always) static var severity: Int { MemoryLayout<ArtifactDraft>.offset(of: \ArtifactDraft.severity)! }
        @inline(__always) static var sourceDataIdentifier: Int { MemoryLayout<ArtifactDraft>.offset(of: \ArtifactDraft.sourceDataIdentifier)! }
        @inline(__always) static var tags: Int { MemoryLayout<ArtifactDraft>.offset(of: \ArtifactDraft.tags)! }
        @inline(__always) static var type: Int { MemoryLayout<ArtifactDraft>.offset(of: \ArtifactDraft.type)! }
    }

    /// The body's member names as written, in canonical order, each with the comma before it.
    private static let keys = JSONWriter.TextBlocks([
        "{\"cef\":", ",\"cef_types\":", ",\"data\":", ",\"description\":", ",\"end_time\":", ",\"kill_chain\":",
        ",\"label\":", ",\"name\":", ",\"severity\":", ",\"source_data_identifier\":", ",\"start_time\":", ",\"tags\":",
        ",\"type\":", "}",
    ])

    /// Writes the body; `data`, when given, is the raw record's canonical bytes, written earlier.
    private static func writeBody(_ d: UnsafePointer<ArtifactDraft>, to w: inout JSONWriter, data: UnsafeBufferPointer<UInt8>?) {
        let p = UnsafeRawPointer(d)
        let k = keys
        w.append(block: k[0])
        // A mapping's CEF names are its own strings, the same for every artifact it makes.
        w.writeObject(at: p + Offset.cef, indent: 1, stableNames: true)
        w.append(block: k[1])
        w.writeObject(at: p + Offset.cefTypes, indent: 1, stableNames: true)
        w.append(block: k[2])
        if let data { w.append(bytes: data) } else { w.write(at: p + Offset.data, indent: 1) }
        w.append(block: k[3])
        w.writeOptionalString(at: p + Offset.description)
        w.append(block: k[4])
        w.writeOptional(d.pointee.endTime)
        w.append(block: k[5])
        w.writeOptionalString(at: p + Offset.killChain)
        w.append(block: k[6])
        w.writeString(at: p + Offset.label)
        w.append(block: k[7])
        w.writeString(at: p + Offset.name)
        w.append(block: k[8])
        w.writeString(at: p + Offset.severity)
        w.append(block: k[9])
        w.writeOptionalString(at: p + Offset.sourceDataIdentifier)
        w.append(block: k[10])
        w.writeOptional(d.pointee.startTime)
        w.append(block: k[11])
        w.writeStrings(at: p + Offset.tags)
        w.append(block: k[12])
        w.writeOptionalString(at: p + Offset.type)
        w.append(block: k[13])
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
