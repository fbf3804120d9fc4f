import IntakeCore

/// How far one file was read, as kept in the checkpoint: the file's identity (inode and a hash of its
/// first bytes) and the byte offset and line reached. A smaller size, another inode at the path or
/// different first bytes mean the file was rotated or truncated, and it is read from the start.
struct FileCursor: Sendable, Hashable {
    var inode: UInt64
    var offset: Int
    var line: Int
    /// SHA-256 of the first `headLength` bytes.
    var head: String
    var headLength: Int
    /// SHA-256 of the whole file, for whole-document formats (JSON) that are re-read when they change.
    var digest: String?

    static let headBytes = 1024

    var json: JSONValue {
        var o: JSONObject = ["inode": .int(Int64(bitPattern: inode)), "offset": .int(Int64(offset)), "line": .int(Int64(line)),
                             "head": .string(head), "head_length": .int(Int64(headLength))]
        if let digest { o.append("sha256", .string(digest)) }
        return .object(o)
    }

    init(inode: UInt64, offset: Int, line: Int, head: String, headLength: Int, digest: String? = nil) {
        self.inode = inode
        self.offset = offset
        self.line = line
        self.head = head
        self.headLength = headLength
        self.digest = digest
    }

    init?(_ v: JSONValue) {
        guard let inode = v["inode"]?.intValue, let offset = v["offset"]?.intValue, let head = v["head"]?.stringValue,
              let length = v["head_length"]?.intValue else { return nil }
        self.init(inode: UInt64(bitPattern: inode), offset: Int(offset), line: Int(v["line"]?.intValue ?? 1), head: head,
                  headLength: Int(length), digest: v["sha256"]?.stringValue)
    }

    /// The state of every file read, keyed by path.
    static func state(_ files: [String: FileCursor]) -> JSONValue {
        .object(["files": .object(JSONObject(files.sorted { $0.key < $1.key }.map { ($0.key, $0.value.json) }))])
    }

    static func files(in state: JSONValue?) -> [String: FileCursor] {
        var out: [String: FileCursor] = [:]
        for m in state?["files"]?.objectValue ?? [:] {
            if let c = FileCursor(m.value) { out[m.key] = c }
        }
        return out
    }
}
