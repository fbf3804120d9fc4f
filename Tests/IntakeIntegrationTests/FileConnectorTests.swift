import Foundation
@testable import IntakeConnectors
import IntakeCore
import IntakeStore
import Testing

/// A file asset over files written into its configuration directory.
struct FileAsset {
    let asset: AssetDirectory
    var directory: String { asset.directory }

    init(_ configuration: String, mapping: String = AssetDirectory.genericMapping) throws {
        asset = try AssetDirectory(app: "file", configuration: configuration, mapping: mapping)
        try FileManager.default.createDirectory(atPath: asset.directory + "/logs", withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: directory + "/logs/" + name, atomically: false, encoding: .utf8)
    }

    func append(_ name: String, _ text: String) throws {
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/logs/" + name))
        try h.seekToEnd()
        try h.write(contentsOf: Data(text.utf8))
        try h.close()
    }

    /// A scheduled poll; returns the new artifacts of this poll and the total stored.
    func poll(_ mode: PollMode = .scheduled, start: Timestamp? = nil, end: Timestamp? = nil) async throws -> (ConnectorRunResult, Int) {
        let (result, store) = try await asset.poll(mode, start: start, end: end)
        let count = try await store.artifacts(ArtifactQuery()).count
        await store.close()
        return (result, count)
    }
}

func ndjsonLine(_ i: Int, minutesAgo: Int = 5) -> String {
    let t = Timestamp.now().subtracting(.minutes(Int64(minutesAgo))).iso8601
    return #"{"id": "r\#(i)", "time": "\#(t)"}"# + "\n"
}

@Suite("file connector", .serialized)
struct FileConnectorTests {
    @Test("NDJSON: a re-poll adds only appended lines; an unfinished last line waits for its end")
    func incremental() async throws {
        let f = try FileAsset("path: logs/events.ndjson\ntimestamp_field: time")
        defer { f.asset.remove() }
        try f.write("events.ndjson", (1...3).map { ndjsonLine($0) }.joined())
        let (r1, n1) = try await f.poll()
        #expect(r1.status == .success, "\(r1.actionResults.first?.message ?? "")")
        #expect(n1 == 3)
        try f.append("events.ndjson", ndjsonLine(4) + #"{"id": "r5", "ti"#)
        let (r2, n2) = try await f.poll()
        #expect(r2.actionResults.first?.summary["records"] == 1, "only the new complete line is read")
        #expect(n2 == 4)
        try f.append("events.ndjson", #"me": "\#(Timestamp.now().subtracting(.minutes(1)).iso8601)"}"# + "\n")
        let (r3, n3) = try await f.poll()
        #expect(r3.actionResults.first?.summary["records"] == 1)
        #expect(n3 == 5)
        let (r4, _) = try await f.poll()
        #expect(r4.actionResults.first?.summary["records"] == 0)
    }

    @Test("a truncated or replaced file is read again from its start")
    func truncation() async throws {
        let f = try FileAsset("path: logs/events.ndjson\ntimestamp_field: time")
        defer { f.asset.remove() }
        try f.write("events.ndjson", (1...5).map { ndjsonLine($0) }.joined())
        _ = try await f.poll()
        try f.write("events.ndjson", ndjsonLine(6))  // shorter: truncated and rewritten
        let (r, n) = try await f.poll()
        #expect(r.actionResults.first?.summary["records"] == 1)
        #expect(n == 6)
    }

    @Test("a rotated file (renamed, matched by the glob) continues where it was; the new file starts at 0")
    func rotation() async throws {
        let f = try FileAsset("path: \"logs/app.log*\"\nformat: ndjson\ntimestamp_field: time")
        defer { f.asset.remove() }
        try f.write("app.log", (1...2).map { ndjsonLine($0) }.joined())
        _ = try await f.poll()
        try f.append("app.log", ndjsonLine(3))
        try FileManager.default.moveItem(atPath: f.directory + "/logs/app.log", toPath: f.directory + "/logs/app.log.1")
        try f.write("app.log", ndjsonLine(4))
        let (r, n) = try await f.poll()
        #expect(r.status == .success, "\(r.actionResults.first?.message ?? "")")
        #expect(r.actionResults.first?.summary["records"] == 2, "line 3 from the rotated file and line 4 from the new one")
        #expect(n == 4)
    }

    @Test("records outside the window are left out; a record after the window waits for the next poll")
    func window() async throws {
        let f = try FileAsset("path: logs/e.ndjson\ntimestamp_field: time")
        defer { f.asset.remove() }
        let old = #"{"id": "old", "time": "2000-01-01T00:00:00Z"}"# + "\n"
        let future = #"{"id": "future", "time": "\#(Timestamp.now().adding(.minutes(10)).iso8601)"}"# + "\n"
        try f.write("e.ndjson", old + ndjsonLine(1) + future)
        let (r, n) = try await f.poll()
        #expect(r.status == .success, "\(r.actionResults.first?.message ?? "")")
        #expect(n == 1)
    }

    @Test("JSON array, CSV and CEF files are read into records", arguments: [
        ("a.json", "[{\"id\": \"r1\"}, {\"id\": \"r2\"}]", "", 2),
        ("doc.json", "{\"Findings\": [{\"id\": \"r1\"}, {\"id\": \"r2\"}, {\"id\": \"r3\"}]}", "records_path: Findings", 3),
        ("t.csv", "id,msg\r\nr1,\"hello, world\"\r\nr2,\"two\nlines with \"\"quotes\"\"\"\r\n", "", 2),
        ("x.cef", "<134>Nov 21 10:00:00 host CEF:0|Acme|IDS|1.0|100|Port scan|5|src=10.0.0.1 id=r1\n"
                + "CEF:0|Acme|IDS|1.0|101|Pipe \\| in name|8|id=r2 msg=a\\=b c\n", "", 2),
    ])
    func formats(file: String, text: String, extra: String, count: Int) async throws {
        let f = try FileAsset("path: logs/\(file)\n\(extra)")
        defer { f.asset.remove() }
        try f.write(file, text)
        let (r, n) = try await f.poll(.pollNow)
        #expect(r.status == .success, "\(r.actionResults.first?.message ?? "")")
        #expect(n == count)
    }

    @Test("broken files fail naming the file and line, and save nothing", arguments: [
        ("e.ndjson", "{\"id\": \"r1\"}\n{\"id\": \n", "e.ndjson:2"),
        ("e.json", "[{\"id\": \"r1\"},]", "e.json:1"),
        ("t.csv", "id,msg\nr1,ab\"c\n", "t.csv:2: invalid CSV: a quote inside an unquoted field"),
        ("t.csv", "id,msg\nr1,a,b\n", "t.csv:2: the row has 3 fields but the header has 2"),
        ("x.cef", "CEF:0|Acme|IDS|1.0\n", "x.cef:1"),
        ("e.ndjson", "{\"id\": \"r1\", \"time\": \"soon\"}\n", "cannot read 'soon' at 'time' as a time"),
    ])
    func broken(file: String, text: String, location: String) async throws {
        let f = try FileAsset("path: logs/\(file)" + (text.contains("time") ? "\ntimestamp_field: time" : ""))
        defer { f.asset.remove() }
        try f.write(file, text)
        let (r, n) = try await f.poll()
        #expect(r.status == .failed)
        #expect(r.actionResults.first?.message.contains(location) == true, "\(r.actionResults.first?.message ?? "")")
        #expect(n == 0)
    }

    @Test("invalid UTF-8 in a file fails clearly")
    func invalidUTF8() async throws {
        let f = try FileAsset("path: logs/e.ndjson")
        defer { f.asset.remove() }
        try Data(Array(#"{"id": "caf"#.utf8) + [0xC3, 0x28] + Array("\"}\n".utf8)).write(to: URL(fileURLWithPath: f.directory + "/logs/e.ndjson"))
        let (r, n) = try await f.poll()
        #expect(r.actionResults.first?.message.contains("invalid UTF-8") == true, "\(r.actionResults.first?.message ?? "")")
        #expect(n == 0)
    }

    @Test("a missing file is an error; a glob that matches nothing is an empty poll")
    func missing() async throws {
        let f = try FileAsset("path: logs/none.json")
        defer { f.asset.remove() }
        let (r, _) = try await f.poll()
        #expect(r.status == .failed)
        #expect(r.actionResults.first?.message.contains("none.json") == true)
        let g = try FileAsset("path: \"logs/*.json\"")
        defer { g.asset.remove() }
        let (r2, n2) = try await g.poll()
        #expect(r2.status == .success)
        #expect(n2 == 0)
    }
}

@Suite("CEF and CSV parsing")
struct FileFormatTests {
    @Test("CEF header and extension escapes")
    func cefEscapes() throws {
        let line = #"Nov 21 10:00:00 fw1 CEF:0|Ven\|dor|Prod\\uct|2.1|sig-1|Name with = sign|10|src=10.1.1.1 msg=a\=b and \\ back\nnext cs1Label=x y cs1=v"#
        let r = try CEFParser.parse(line)
        #expect(r["cefVersion"] == 0)
        #expect(r["deviceVendor"] == "Ven|dor")
        #expect(r["deviceProduct"] == #"Prod\uct"#)
        #expect(r["deviceEventClassId"] == "sig-1")
        #expect(r["name"] == "Name with = sign")
        #expect(r["severity"] == "10")
        #expect(r["src"] == "10.1.1.1")
        #expect(r["msg"] == "a=b and \\ back\nnext")
        #expect(r["cs1Label"] == "x y")
        #expect(r["cs1"] == "v")
        #expect(r["syslog_prefix"] == "Nov 21 10:00:00 fw1")
    }

    @Test("CSV quoting per RFC 4180")
    func csv() throws {
        let text = Array("a,b,c\n1,\"x,y\",\"he said \"\"hi\"\"\"\n2,,\"multi\nline\"\n3,last".utf8)
        let rows = try CSVReader.records(text, from: 0, firstLine: 1, includeUnterminated: false)
        #expect(rows.map(\.fields) == [["a", "b", "c"], ["1", "x,y", "he said \"hi\""], ["2", "", "multi\nline"]])
        #expect(rows[2].line == 3)
        #expect(rows[2].nextLine == 5)
        let all = try CSVReader.records(text, from: 0, firstLine: 1, includeUnterminated: true)
        #expect(all.last?.fields == ["3", "last"])
    }

    @Test("response paths index from the end", arguments: [
        ("hits.hits[-1].sort", "[3,\"c\"]"), ("hits.hits[0].sort[1]", "\"a\""), ("hits.hits.1.sort.0", "2"), ("hits.total", "nil"),
    ])
    func paths(path: String, expected: String) throws {
        let body = try JSONParser.parse(#"{"hits": {"hits": [{"sort": [1, "a"]}, {"sort": [2, "b"]}, {"sort": [3, "c"]}]}}"#)
        let v = ResponsePath.value(body, at: path)
        #expect((v.map { JSONWriter.string($0) } ?? "nil") == expected)
    }

    @Test("Link headers and relative next links")
    func links() throws {
        #expect(Paginator.nextLink(in: #"<https://a/x?page=2>; rel="next", <https://a/x?page=1>; rel="prev""#) == "https://a/x?page=2")
        #expect(Paginator.nextLink(in: #"<https://a/x?page=1>; rel="prev""#) == nil)
        #expect(try Paginator.resolve("/p?x=1", against: "https://h:1/a/b?c", at: "") == "https://h:1/p?x=1")
        #expect(try Paginator.resolve("?page=2", against: "https://h:1/a/b?c", at: "") == "https://h:1/a/b?page=2")
        #expect(try Paginator.resolve("c", against: "https://h:1/a/b", at: "") == "https://h:1/a/c")
        #expect(throws: IntakeError.self) { try Paginator.resolve("file:///etc/passwd", against: "https://h/", at: "") }
    }

    @Test("strftime time formats", arguments: [
        ("%Y-%m-%dT%H:%M:%SZ", "2026-11-21T08:09:10Z"), ("%d/%b/%Y %T %z", "21/Nov/2026 08:09:10 +0000"), ("%s", "1795248550"),
        ("%a %j", "Sat 325"),
    ])
    func strftime(format: String, expected: String) throws {
        let t = try #require(Timestamp.utc(year: 2026, month: 11, day: 21, hour: 8, minute: 9, second: 10))
        #expect(TimeFormatter.string(t, format: format) == expected)
    }
}

@Suite("record times in files")
struct RecordTimeTests {
    @Test("times are read by format and zone", arguments: [
        ("auto", "UTC", "2026-11-21T10:00:00Z", "2026-11-21T10:00:00.000000Z"),
        ("auto", "+02:00", "2026-11-21 10:00:00", "2026-11-21T08:00:00.000000Z"),
        ("auto", "UTC", "1795255200", "2026-11-21T10:00:00.000000Z"),
        ("auto", "UTC", "1795255200000", "2026-11-21T10:00:00.000000Z"),
        ("epoch_ms", "UTC", "1795255200123", "2026-11-21T10:00:00.123000Z"),
        ("cef", "-0500", "Nov 21 2026 05:00:00.5", "2026-11-21T10:00:00.500000Z"),
        ("auto", "UTC", "Nov 21 2026 10:00:00 +01:00", "2026-11-21T09:00:00.000000Z"),
    ])
    func parse(format: String, zone: String, text: String, expected: String) throws {
        let t = RecordTime(format: format, offsetSeconds: try #require(RecordTime.offset(zone)))
        #expect(t.parse(.string(text))?.iso8601 == expected)
    }

    @Test("unknown zones and unreadable times are refused")
    func refused() {
        #expect(RecordTime.offset("Europe/Berlin") == nil)
        #expect(RecordTime(format: "iso8601", offsetSeconds: 0).parse(.string("1795255200")) == nil)
        #expect(RecordTime(format: "auto", offsetSeconds: 0).parse(.bool(true)) == nil)
    }

    @Test("epoch numbers too large for a time are refused, not a crash", arguments: ["auto", "epoch_s", "epoch_ms"])
    func outOfRange(format: String) throws {
        let t = RecordTime(format: format, offsetSeconds: 0)
        for v: JSONValue in [.double(1e300), .double(-1e300), .string("1e400"), .string("-1e400"), .double(9.5e18), .int(Int64.max),
                             .int(Int64.min), .bigInt("18446744073709551615"), .string("18446744073709551615")] {
            #expect(t.parse(v) == nil, "\(format) \(JSONWriter.string(v))")
        }
        // 253,402,300,799 is 9999-12-31T23:59:59 in seconds; `auto` reads a number that large as milliseconds.
        let last = format == "epoch_s" ? "9999-12-31T23:59:59.000000Z" : "1978-01-11T21:31:40.799000Z"
        #expect(t.parse(.int(253_402_300_799))?.iso8601 == last)
        if format == "epoch_s" { #expect(t.parse(.int(253_402_300_800)) == nil) }
    }
}
