import IntakeCore

/// A `file` asset's configuration.
///
/// Keys: `path` (a file or a glob such as `logs/eve*.json`, relative to the configuration directory),
/// `format` (`auto` by extension and content, `json`, `ndjson`, `csv`, `cef`), `records_path` (where the
/// records are in a JSON document, `.` for a top-level array), `timestamp_field` (a path in each record;
/// without it every record is taken), `time_format` (`auto`, `iso8601`, `epoch_s`, `epoch_ms`, `cef`),
/// `timezone` (`UTC` or a fixed offset such as `+02:00`, for times written without a zone).
struct FileSettings: Sendable {
    enum Format: String, Sendable, CaseIterable {
        case auto, json, ndjson, csv, cef
    }

    var pattern: String
    var shownPattern: String
    var format: Format
    var recordsPath: String?
    var timestampField: String?
    var time: RecordTime

    init(_ context: ConnectorContext) throws(IntakeError) {
        func bad(_ key: String, _ message: String, hint: String? = nil) -> IntakeError {
            IntakeError(.configuration, "asset '\(context.asset.name)': configuration.\(key) \(message)", at: context.asset.file, hint: hint)
        }
        guard let path = context.configString("path") else {
            throw bad("path", "is required", hint: "a file or glob relative to the configuration directory, e.g. logs/eve.json")
        }
        shownPattern = path
        pattern = context.service.resolve(path)
        let f = (context.configString("format") ?? "auto").lowercased()
        guard let format = Format(rawValue: f) else {
            throw bad("format", "must be one of \(Format.allCases.map(\.rawValue).joined(separator: ", ")), found '\(f)'")
        }
        self.format = format
        recordsPath = context.configString("records_path")
        timestampField = context.configString("timestamp_field")
        let tf = (context.configString("time_format") ?? "auto").lowercased()
        guard RecordTime.formats.contains(tf) else {
            throw bad("time_format", "must be one of \(RecordTime.formats.joined(separator: ", ")), found '\(tf)'")
        }
        let zone = context.configString("timezone") ?? "UTC"
        guard let offset = RecordTime.offset(zone) else {
            throw bad("timezone", "must be UTC or a fixed offset such as +02:00, found '\(zone)'")
        }
        time = RecordTime(format: tf, offsetSeconds: offset)
    }

    /// The format of one file: the configured one, else by extension, else by its first bytes.
    func detectFormat(of path: String, head: ArraySlice<UInt8>) -> Format? {
        if format != .auto { return format }
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") { return .csv }
        if lower.hasSuffix(".cef") { return .cef }
        if lower.hasSuffix(".ndjson") || lower.hasSuffix(".jsonl") { return .ndjson }
        let first = head.first { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D && $0 != 0xEF && $0 != 0xBB && $0 != 0xBF }
        if first == UInt8(ascii: "[") { return .json }
        if first == UInt8(ascii: "{") {
            // One object per line (Suricata's eve.json, GuardDuty exports) or one document spread over lines.
            let firstLine = head.prefix { $0 != 0x0A }
            if (try? JSONParser.parse(firstLine)) != nil { return .ndjson }
            return .json
        }
        let text = String(decoding: head.prefix(4096), as: UTF8.self)
        if text.contains("CEF:") { return .cef }
        return nil
    }
}
