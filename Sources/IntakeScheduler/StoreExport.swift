import IntakeCore
import IntakeStore

/// `intake export`: streams containers with their artifacts as NDJSON, or artifacts as CEF lines,
/// page by page (keyset paging on ids), so the store is never held in memory.
public struct StoreExport: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        /// One line per container in the seed-003 JSON shape, with an `artifacts` array of seed-004 artifacts.
        case ndjson
        /// One `CEF:0|…` line per artifact.
        case cef
    }

    /// Which containers (and so artifacts) to export.
    public struct Filter: Sendable, Hashable {
        public var asset: String?
        /// The container label.
        public var label: String?
        /// Only containers updated at or after this time, and of them only the artifacts stored at or after it.
        public var since: Timestamp?
        public init(asset: String? = nil, label: String? = nil, since: Timestamp? = nil) {
            self.asset = asset
            self.label = label
            self.since = since
        }
    }

    /// What an export wrote.
    public struct Counts: Sendable, Hashable {
        public var containers = 0
        public var artifacts = 0
        public var lines = 0
        public init() {}
    }

    public let store: any Store
    public let version: String
    public let pageSize: Int

    /// - Parameters:
    ///   - version: the product version written in CEF headers.
    ///   - pageSize: containers and artifacts read per query.
    public init(store: any Store, version: String, pageSize: Int = 500) {
        self.store = store
        self.version = version
        self.pageSize = max(1, pageSize)
    }

    /// Writes the export through `write`, one chunk at a time; each line ends with `\n`.
    public func run(_ filter: Filter, format: Format, write: (String) throws(IntakeError) -> Void) async throws(IntakeError) -> Counts {
        var counts = Counts()
        var after: Int64? = nil
        while true {
            let page = try await store.containers(ContainerQuery(asset: filter.asset, label: filter.label, since: filter.since,
                                                                 afterId: after, limit: pageSize))
            for c in page {
                counts.containers += 1
                switch format {
                case .ndjson:
                    var head = JSONWriter.string(c.json)
                    head.removeLast()  // the closing brace: the artifacts array follows
                    try write(head + ",\"artifacts\":[")
                    var first = true
                    try await eachArtifact(of: c.id, since: filter.since) { (a: Artifact) throws(IntakeError) in
                        counts.artifacts += 1
                        try write((first ? "" : ",") + JSONWriter.string(a.json))
                        first = false
                    }
                    try write("]}\n")
                    counts.lines += 1
                case .cef:
                    try await eachArtifact(of: c.id, since: filter.since) { (a: Artifact) throws(IntakeError) in
                        counts.artifacts += 1
                        counts.lines += 1
                        try write(a.cefLine(version: version).text + "\n")
                    }
                }
            }
            guard page.count == pageSize, let last = page.last else { break }
            after = last.id
        }
        return counts
    }

    func eachArtifact(of container: Int64, since: Timestamp?, _ body: (Artifact) throws(IntakeError) -> Void) async throws(IntakeError) {
        var after: Int64? = nil
        while true {
            let page = try await store.artifacts(ArtifactQuery(container: container, since: since, afterId: after, limit: pageSize))
            for a in page { try body(a) }
            guard page.count == pageSize, let last = page.last else { return }
            after = last.id
        }
    }
}
