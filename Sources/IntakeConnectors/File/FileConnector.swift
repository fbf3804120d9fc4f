import IntakeCore
import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads records from local files: JSON arrays, NDJSON, CSV and CEF syslog lines, from a path or a glob.
///
/// It takes the records whose `timestamp_field` falls in the poll window. In scheduled polls it keeps,
/// per file, how far it read (see ``FileCursor``), so the next poll reads only what was appended and a
/// rotated or truncated file is read again from its start. Keys are listed on ``FileSettings``.
public struct FileConnector: ResumableConnector {
    public static let appId = "file"
    /// Records per page handed to the poll runner.
    static let pageSize = 500

    public init() {}

    public func testConnectivity(_ context: ConnectorContext) async throws(IntakeError) -> ActionResult {
        let settings = try FileSettings(context)
        let files = try FileConnector.match(settings)
        var bytes = 0
        for f in files { bytes += Int(try FileConnector.fileInfo(f).size) }
        let message = files.isEmpty ? "Test connectivity passed: nothing matches \(settings.shownPattern) yet"
            : "Test connectivity passed: \(files.count) file\(files.count == 1 ? "" : "s") (\(bytes) bytes) match \(settings.shownPattern)"
        return ActionResult(status: .success, message: message,
                            summary: ["files": .array(files.map(JSONValue.string)), "bytes": .int(Int64(bytes))])
    }

    public func poll(_ parameters: PollParameters, context: ConnectorContext,
                     emit: (ConnectorPage) async throws(IntakeError) -> Bool) async throws(IntakeError) {
        // Nothing is kept from this read, so an unfinished last line is taken as it is.
        try await read(parameters, context: context, state: nil, keepsPosition: false) {
            (page: ConnectorPage, _: JSONValue?) async throws(IntakeError) -> Bool in
            try await emit(page)
        }
    }

    public func poll(_ parameters: PollParameters, context: ConnectorContext, resumingFrom state: JSONValue?,
                     emit: (ConnectorPage, JSONValue?) async throws(IntakeError) -> Bool) async throws(IntakeError) {
        try await read(parameters, context: context, state: state, keepsPosition: true, emit: emit)
    }

    private func read(_ parameters: PollParameters, context: ConnectorContext, state: JSONValue?, keepsPosition: Bool,
                      emit: (ConnectorPage, JSONValue?) async throws(IntakeError) -> Bool) async throws(IntakeError) {
        let settings = try FileSettings(context)
        let files = try FileConnector.match(settings)
        let previous = FileCursor.files(in: state)
        var next: [String: FileCursor] = [:]
        var pending: [JSONValue] = []
        var source = settings.shownPattern
        for path in files {
            source = path
            var reader = FileReader(path: path, settings: settings, window: (parameters.startTime, parameters.endTime),
                                    incremental: state != nil, takesUnfinishedLine: !keepsPosition)
            let cursor = try reader.read(previous: FileConnector.previous(for: path, in: previous, files: files))
            if let cursor { next[path] = cursor }
            context.logger.debug("file read", metadata: ["file": "\(path)", "records": "\(reader.records.count)"])
            for r in reader.records {
                pending.append(r)
                if pending.count >= FileConnector.pageSize {
                    if !(try await emit(ConnectorPage(records: pending, isLast: false, source: path), nil)) { return }
                    pending = []
                }
            }
        }
        _ = try await emit(ConnectorPage(records: pending, isLast: true, source: source), FileCursor.state(next))
    }

    /// The cursor that describes `path`: its own, or, after a rotation renamed it, the one whose inode it has now.
    static func previous(for path: String, in cursors: [String: FileCursor], files: [String]) -> FileCursor? {
        guard let inode = try? fileInfo(path).inode else { return nil }
        if let own = cursors[path], own.inode == inode { return own }
        return cursors.first { $0.key != path && $0.value.inode == inode }?.value
    }

    /// The files a path or glob names, sorted. A plain path that does not exist is an error; a glob may match nothing.
    static func match(_ settings: FileSettings) throws(IntakeError) -> [String] {
        let isGlob = settings.pattern.contains { $0 == "*" || $0 == "?" || $0 == "[" }
        if !isGlob {
            _ = try fileInfo(settings.pattern)
            return [settings.pattern]
        }
        var g = glob_t()
        defer { globfree(&g) }
        let rc = glob(settings.pattern, 0, nil, &g)
        if rc == GLOB_NOMATCH { return [] }
        guard rc == 0 else { throw IntakeError(.notFound, "cannot expand the glob", at: settings.shownPattern) }
        var out: [String] = []
        for i in 0..<Int(g.gl_pathc) {
            if let p = g.gl_pathv[i] { out.append(String(cString: p)) }
        }
        return out.sorted()
    }

    struct FileInfo {
        var inode: UInt64
        var size: Int64
    }

    static func fileInfo(_ path: String) throws(IntakeError) -> FileInfo {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw IntakeError(.notFound, "cannot read the file: \(String(cString: strerror(errno)))", at: path,
                              hint: "configuration.path is relative to the configuration directory")
        }
        guard (st.st_mode & mode_t(S_IFMT)) == mode_t(S_IFREG) else { throw IntakeError(.notFound, "not a regular file", at: path) }
        return FileInfo(inode: UInt64(st.st_ino), size: Int64(st.st_size))
    }
}
