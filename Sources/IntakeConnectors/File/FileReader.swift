import IntakeCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the new records of one file and decides which fall in the window. Pure apart from reading the file.
struct FileReader {
    let path: String
    let settings: FileSettings
    let window: (start: Timestamp, end: Timestamp)
    /// The selected records, in file order.
    private(set) var records: [JSONValue] = []

    /// True once the asset has read state: then every unread byte is new and only the window's end applies.
    let incremental: Bool

    /// True when the position is not kept (poll now): a last line without its newline is read too.
    let takesUnfinishedLine: Bool
    /// False while a large file is read in parts: the part's last line is then never taken unfinished.
    private var readsToEnd = true

    init(path: String, settings: FileSettings, window: (Timestamp, Timestamp), incremental: Bool, takesUnfinishedLine: Bool) {
        self.takesUnfinishedLine = takesUnfinishedLine
        self.path = path
        self.settings = settings
        self.window = window
        self.incremental = incremental
    }

    /// Bytes of a line-based file read in one poll; the rest is read by the next poll.
    static let maxBytesPerPoll = 64 << 20
    /// The largest JSON document read whole.
    static let maxDocumentBytes = 256 << 20

    enum Decision {
        case take, skip, stop
    }

    /// Reads what is new since `previous` and returns the file's new cursor (nil to keep none).
    ///
    /// A file seen before is read from its offset; a rotated or truncated file from its start. Once the
    /// asset has read state, unread records are only held back when they are later than the window's end
    /// (late-written records are not lost); the first read of an asset, and poll now, take the window.
    /// A record later than the window ends the read of a line-based file there; the next poll continues
    /// from that record.
    mutating func read(previous: FileCursor?) throws(IntakeError) -> FileCursor? {
        let info = try FileConnector.fileInfo(path)
        let headLength = Int(min(Int64(FileCursor.headBytes), info.size))
        let head = try FileReader.bytes(path, from: 0, count: headLength)
        let headDigest = Digest.sha256Hex(head)
        var resume = previous
        if let p = resume, p.offset > info.size || p.headLength > headLength
            || Digest.sha256Hex(head.prefix(p.headLength)) != p.head {
            resume = nil  // truncated or replaced: start again
        }
        guard let format = settings.detectFormat(of: path, head: head[...]) else {
            throw IntakeError(.configuration, "cannot tell the format of the file from its name or first bytes", at: path,
                              hint: "set configuration.format to json, ndjson, csv or cef")
        }
        let resumed = incremental
        switch format {
        case .json, .auto:
            guard info.size <= Int64(FileReader.maxDocumentBytes) else {
                throw IntakeError(.connector, "the JSON document is larger than \(FileReader.maxDocumentBytes >> 20) MiB", at: path,
                                  hint: "write the records as NDJSON (one per line), which is read incrementally")
            }
            let all = try FileReader.bytes(path, from: 0, count: Int(info.size))
            let digest = Digest.sha256Hex(all)
            if let r = resume, r.digest == digest { return r }
            let body: JSONValue
            do throws(JSONParser.Failure) {
                body = try JSONParser.parse(all)
            } catch {
                throw IntakeError(.json, "invalid JSON: \(error.message)", at: "\(path):\(error.line):\(error.column)")
            }
            let path = settings.recordsPath ?? "."
            let list: [JSONValue]
            switch ResponsePath.value(body, at: path) {
            case .array(let a)?: list = a
            case nil, .null?:
                throw IntakeError(.connector, "the file has no records at '\(path)'", at: self.path,
                                  hint: "set configuration.records_path to where the records are ('.' for a top-level array)")
            case let other?:
                throw IntakeError(.connector, "records_path '\(path)' holds \(other.typeName), not an array of records", at: self.path)
            }
            var heldBack = false
            for (i, r) in list.enumerated() {
                switch try decide(r, resumed: resumed, at: "\(self.path) record \(i)") {
                case .take: records.append(r)
                case .skip: continue
                case .stop: heldBack = true
                }
            }
            // With records held back for a later window, the file is read again next time.
            if heldBack { return resume }
            return FileCursor(inode: info.inode, offset: Int(info.size), line: 1, head: headDigest, headLength: headLength, digest: digest)
        case .ndjson, .cef, .csv:
            let start = resume?.offset ?? 0
            let available = Int(info.size) - start
            readsToEnd = available <= FileReader.maxBytesPerPoll
            let data = try FileReader.bytes(path, from: start, count: min(available, FileReader.maxBytesPerPoll))
            let (offset, line) = try readLines(format, data: data, start: start, firstLine: resume?.line ?? 1, resumed: resumed)
            if offset == start && available > FileReader.maxBytesPerPoll {
                throw IntakeError(.connector, "a record longer than \(FileReader.maxBytesPerPoll >> 20) MiB", at: "\(path):\(line)")
            }
            return FileCursor(inode: info.inode, offset: offset, line: line, head: headDigest, headLength: headLength)
        }
    }

    /// Reads the complete lines (records) of `data`, which starts at byte `start` of the file.
    /// Returns the offset and line the next read starts at.
    private mutating func readLines(_ format: FileSettings.Format, data: [UInt8], start: Int, firstLine: Int,
                                    resumed: Bool) throws(IntakeError) -> (Int, Int) {
        if format == .csv {
            return try readCSV(data: data, start: start, firstLine: firstLine, resumed: resumed)
        }
        var i = 0
        var line = firstLine
        while i < data.count {
            // An unfinished last line waits for its end, unless nothing is kept from this read.
            guard let nl = data[i...].firstIndex(of: 0x0A) ?? (takesUnfinishedLine && readsToEnd ? data.count : nil) else { break }
            let bytes = data[i..<nl]
            let location = "\(path):\(line)"
            let record: JSONValue?
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                record = nil
            } else if format == .ndjson {
                do throws(JSONParser.Failure) {
                    let v = try JSONParser.parse(bytes)
                    record = settings.recordsPath.map { ResponsePath.value(v, at: $0) } ?? v
                } catch {
                    throw IntakeError(.json, "invalid JSON: \(error.message)", at: "\(location):\(error.column)")
                }
            } else {
                var text = Array(bytes)
                if text.last == 0x0D { text.removeLast() }
                guard let s = String(validating: text, as: UTF8.self) else {
                    throw IntakeError(.connector, "invalid UTF-8 in a CEF line", at: location)
                }
                do throws(CEFParser.Failure) {
                    record = try CEFParser.parse(s)
                } catch {
                    throw IntakeError(.connector, "invalid CEF: \(error.message)", at: "\(location):\(error.column)")
                }
            }
            // A line may hold one record or, with records_path, an array of them.
            let lineRecords: [JSONValue]
            switch record {
            case .array(let a)?: lineRecords = a
            case nil, .null?: lineRecords = []
            case let r?: lineRecords = [r]
            }
            for r in lineRecords {
                switch try decide(r, resumed: resumed, at: location) {
                case .take: records.append(r)
                case .skip: break
                case .stop: return (start + i, line)
                }
            }
            i = min(nl + 1, data.count)
            line += 1
        }
        return (start + i, line)
    }

    private mutating func readCSV(data: [UInt8], start: Int, firstLine: Int, resumed: Bool) throws(IntakeError) -> (Int, Int) {
        // The header is always the file's first record.
        let head = try FileReader.bytes(path, from: 0, count: min(1 << 20, start + data.count))
        let header: CSVReader.Record
        do throws(CSVReader.Failure) {
            guard let h = try CSVReader.records(head, from: 0, firstLine: 1, includeUnterminated: false).first else { return (start, firstLine) }
            header = h
        } catch {
            throw IntakeError(.connector, "invalid CSV: \(error.message)", at: "\(path):\(error.line)")
        }
        let from = start == 0 ? header.end : 0
        let rows: [CSVReader.Record]
        do throws(CSVReader.Failure) {
            rows = try CSVReader.records(data, from: from, firstLine: start == 0 ? header.nextLine : firstLine,
                                         includeUnterminated: takesUnfinishedLine && readsToEnd)
        } catch {
            throw IntakeError(.connector, "invalid CSV: \(error.message)", at: "\(path):\(error.line)")
        }
        var offset = start + from
        var line = start == 0 ? header.nextLine : firstLine
        for row in rows {
            guard row.fields.count == header.fields.count else {
                throw IntakeError(.connector, "the row has \(row.fields.count) fields but the header has \(header.fields.count)",
                                  at: "\(path):\(row.line)")
            }
            let record = JSONValue.object(JSONObject(zip(header.fields, row.fields.map(JSONValue.string)).map { ($0, $1) }))
            switch try decide(record, resumed: resumed, at: "\(path):\(row.line)") {
            case .take: records.append(record)
            case .skip: break
            case .stop: return (offset, row.line)
            }
            offset = start + row.end
            line = row.nextLine
        }
        return (offset, line)
    }

    /// Whether a record is taken, skipped (before the window) or stops the file (after the window).
    private func decide(_ record: JSONValue, resumed: Bool, at location: String) throws(IntakeError) -> Decision {
        guard let field = settings.timestampField else { return .take }
        guard let raw = ResponsePath.value(record, at: field), !raw.isNull else {
            throw IntakeError(.connector, "the record has no timestamp at '\(field)'", at: location,
                              hint: "fix configuration.timestamp_field, or leave it out to take every record")
        }
        guard let t = settings.time.parse(raw) else {
            throw IntakeError(.connector, "cannot read '\(raw.textValue)' at '\(field)' as a time (\(settings.time.format))",
                              at: location, hint: "set configuration.time_format")
        }
        if t >= window.end { return .stop }
        if t < window.start && !resumed { return .skip }
        return .take
    }

    /// `count` bytes of a file from `offset` (fewer if the file is shorter).
    static func bytes(_ path: String, from offset: Int, count: Int) throws(IntakeError) -> [UInt8] {
        guard count > 0 else { return [] }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IntakeError(.notFound, "cannot open the file: \(String(cString: strerror(errno)))", at: path) }
        defer { close(fd) }
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw IntakeError(.notFound, "cannot read the file: \(String(cString: strerror(errno)))", at: path)
            }
            if n == 0 { break }
            done += n
        }
        out.removeLast(count - done)
        return out
    }
}
