#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import IntakeCore
import Logging

/// Writes each log event as one JSON object on one line (`--log-format json`):
/// `{"time", "level", "label", "message", "source", …metadata}`; metadata keys keep their names
/// (`asset`, `run`, `window`, `error`) and nested metadata becomes JSON objects and arrays.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info
    let label: String
    let write: @Sendable (String) -> Void

    /// - Parameter write: receives each line with its newline; standard error by default.
    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil,
                write: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let m = event.metadata { all.merge(m) { _, new in new } }
        write(JSONLogHandler.line(time: Timestamp.now(), level: event.level, label: label, message: event.message.description,
                                  source: event.source, metadata: all))
    }

    /// One log line; `time`, `level`, `label`, `message` and `source` come first, then the metadata sorted by key.
    public static func line(time: Timestamp, level: Logger.Level, label: String, message: String, source: String,
                            metadata: Logger.Metadata) -> String {
        var o: JSONObject = ["time": .string(time.iso8601), "level": .string(level.rawValue), "label": .string(label),
                             "message": .string(message), "source": .string(source)]
        for key in metadata.keys.sorted() where o[key] == nil {
            o[key] = json(metadata[key]!)
        }
        return JSONWriter.string(.object(o)) + "\n"
    }

    static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let s): return .string(s)
        case .stringConvertible(let c): return .string(c.description)
        case .array(let a): return .array(a.map(json))
        case .dictionary(let d): return .object(JSONObject(d.keys.sorted().map { ($0, json(d[$0]!)) }))
        }
    }

    /// Writes a line to standard error in one call, so lines from concurrent polls never interleave.
    public static let standardError: @Sendable (String) -> Void = { line in
        var bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 { return }
            offset += n
        }
    }
}
