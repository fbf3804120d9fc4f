import Foundation
import IntakeCore
import IntakeScheduler
import IntakeStore
import Testing

@Suite("Export paging")
struct StoreExportTests {
    /// 5 containers × 5 artifacts, read 2 at a time: every page boundary is crossed.
    func filled() async throws -> (SQLiteStore, String) {
        let dir = try makeTemporaryDirectory("export")
        let store = try await SQLiteStore(path: dir + "/intake.sqlite")
        let t = Timestamp.now()
        let run = try await store.beginRun(PollRunStart(asset: "feed", mode: .scheduled, windowStart: t, windowEnd: t, startedAt: t))
        let entries = (1...5).map { c in
            PageWrite.Entry(container: ContainerDraft(label: "incident", name: "C\(c)", sourceDataIdentifier: "C\(c)", data: [:]),
                            artifacts: (1...5).map { a in
                                ArtifactDraft(name: "A\(c)-\(a)", sourceDataIdentifier: "\(c)-\(a)", cef: ["n": .string("\(c)-\(a)")], data: [:])
                            })
        }
        _ = try await store.save(PageWrite(asset: "feed", appId: "http_json", runId: run, entries: entries, records: 5))
        return (store, dir)
    }

    @Test("ndjson and cef visit every container and artifact exactly once across page boundaries", arguments: [1, 2, 5, 500])
    func paging(pageSize: Int) async throws {
        let (store, dir) = try await filled()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let export = StoreExport(store: store, version: "test", pageSize: pageSize)

        var ndjson = ""
        let counts = try await export.run(StoreExport.Filter(), format: .ndjson) { (s: String) throws(IntakeError) in ndjson += s }
        #expect(counts.containers == 5)
        #expect(counts.artifacts == 25)
        let lines = ndjson.split(separator: "\n")
        #expect(lines.count == 5)
        var names: [String] = []
        for line in lines {
            let c = try JSONParser.parse(String(line))
            names += c["artifacts"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        }
        #expect(names == (1...5).flatMap { c in (1...5).map { "A\(c)-\($0)" } })

        var cef = ""
        let cefCounts = try await export.run(StoreExport.Filter(asset: "feed"), format: .cef) { (s: String) throws(IntakeError) in cef += s }
        #expect(cefCounts.lines == 25)
        #expect(cef.split(separator: "\n").count == 25)
        #expect(cef.split(separator: "\n").allSatisfy { $0.hasPrefix("CEF:0|Intake|Intake|test|event|A") })
        await store.close()
    }

    @Test("filters: another asset or label exports nothing; a writer's error stops the export")
    func filtersAndErrors() async throws {
        let (store, dir) = try await filled()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let export = StoreExport(store: store, version: "test", pageSize: 2)
        var out = ""
        let none = try await export.run(StoreExport.Filter(asset: "other"), format: .ndjson) { (s: String) throws(IntakeError) in out += s }
        #expect(none.containers == 0)
        #expect(try await export.run(StoreExport.Filter(label: "alert"), format: .cef) { (s: String) throws(IntakeError) in out += s }.lines == 0)
        #expect(out.isEmpty)
        var written = 0
        await #expect(throws: IntakeError.self) {
            _ = try await export.run(StoreExport.Filter(), format: .cef) { (_: String) throws(IntakeError) in
                written += 1
                if written == 3 { throw IntakeError(.invalidArgument, "disk full") }
            }
        }
        #expect(written == 3)
        await store.close()
    }
}
