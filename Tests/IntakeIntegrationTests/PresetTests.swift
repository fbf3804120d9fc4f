import Foundation
import IntakeCore
import IntakeStore
import IntakeScheduler
import Logging
import Testing

/// The presets of `samples/presets`, each polled end to end: served from `samples/records` in the
/// real API's response shape by the loopback API server (or written as the files the file
/// connector reads), mapped by the preset's own mapping from `samples/mappings` and stored in a
/// temporary SQLite store. What each mapping makes of each record is pinned by the golden tests of
/// the mapping language; here every record must arrive, map without quarantine and be stored once.
@Suite("presets end to end", .serialized)
struct PresetTests {
    static let root = #filePath.components(separatedBy: "/Tests/")[0]

    static func records(_ name: String) throws -> JSONValue {
        try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: root + "/samples/records/\(name).json"))))
    }

    /// The preset's asset file with its endpoints, secrets and paths replaced for the test.
    static func asset(_ name: String, replacing: [String: String], in directory: String) throws {
        var lines: [String] = []
        for line in try String(contentsOfFile: root + "/samples/presets/\(name).yaml", encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
            let key = line.trimmingCharacters(in: .whitespaces).split(separator: ":").first.map(String.init) ?? ""
            if let value = replacing[key], line.hasPrefix("  ") && !line.hasPrefix("    ") {
                lines.append("  \(key): \(value)")
            } else if key == "mapping" {
                lines.append("  mapping: mappings/\(name).yaml")
            } else {
                lines.append(String(line))
            }
        }
        try FileManager.default.createDirectory(atPath: directory + "/assets", withIntermediateDirectories: true)
        try lines.joined(separator: "\n").write(toFile: directory + "/assets/\(name).yaml", atomically: true, encoding: .utf8)
        try "store: sqlite://data/intake.sqlite\n".write(toFile: directory + "/intake.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: directory + "/mappings", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: root + "/samples/mappings/\(name).yaml", toPath: directory + "/mappings/\(name).yaml")
    }

    static func poll(_ name: String, directory: String, server: APIServer?) async throws -> (ConnectorRunResult, Int, Int) {
        if let server {
            try FileManager.default.createDirectory(atPath: directory + "/certs", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: server.caFile, toPath: directory + "/certs/test-ca.pem")
        }
        let asset = AssetDirectoryHandle(directory: directory, name: name)
        let (result, store) = try await asset.poll()
        let artifacts = try await store.artifacts(ArtifactQuery(limit: 10_000)).count
        let containers = try await store.containers(ContainerQuery()).count
        await store.close()
        return (result, artifacts, containers)
    }

    @Test("HTTP presets fetch every sample record", arguments: [
        ("splunk-notable", ["token": "splunk-S3cr3t-token"], 1),
        ("elastic-alerts", ["username": "elastic", "password": "el-S3cr3t-pass", "page_size": "2"], 4),
        ("crowdstrike-detections", ["client_id": "client-id-1", "client_secret": "cs-S3cr3t-oauth", "page_size": "2"], 4),
    ])
    func http(name: String, settings: [String: String], requests: Int) async throws {
        let records = try Self.records(name)
        let server = try APIServer(records: records)
        defer { server.stop() }
        let dir = try makeTemporaryDirectory("preset")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var replacing = settings
        replacing["base_url"] = server.baseURL
        replacing["token_url"] = server.baseURL + "/oauth2/token"
        try Self.asset(name, replacing: replacing, in: dir)
        let (result, artifacts, containers) = try await Self.poll(name, directory: dir, server: server)
        let r = try #require(result.actionResults.first)
        #expect(result.status == .success, "\(r.message)")
        #expect(r.summary["records"]?.intValue == Int64(records.arrayValue?.count ?? -1), "\(r.summary)")
        #expect(r.summary["quarantined"] == 0, "\(r.summary)")
        #expect(Int64(artifacts) == r.summary["artifacts_new"]?.intValue && artifacts >= (records.arrayValue?.count ?? 0), "\(r.summary)")
        #expect(containers > 0)
        #expect(server.requests.count == requests, "\(server.requests)")
    }

    @Test("file presets read the exported files", arguments: [
        ("guardduty-findings", "exports/guardduty/findings-1.json"),
        ("suricata-eve", "logs/eve-alerts.json"),
    ])
    func file(name: String, file: String) async throws {
        let records = try Self.records(name)
        let dir = try makeTemporaryDirectory("preset")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = dir + "/" + file
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let text = name == "guardduty-findings"
            ? JSONWriter.string(["Findings": records], style: .pretty)
            : (records.arrayValue ?? []).map { JSONWriter.string($0) + "\n" }.joined()
        try text.write(toFile: target, atomically: true, encoding: .utf8)
        let glob = name == "guardduty-findings" ? "exports/guardduty/*.json" : file
        try Self.asset(name, replacing: ["path": "\"\(glob)\""], in: dir)
        // Sample times are fixed, so the first run looks back far enough to include them.
        let yaml = dir + "/assets/\(name).yaml"
        try (try String(contentsOfFile: yaml, encoding: .utf8)).replacingOccurrences(of: "first_run: { lookback: 7d }", with: "first_run: { lookback: 3650d }")
            .replacingOccurrences(of: "first_run: { lookback: 1d }", with: "first_run: { lookback: 3650d }")
            .write(toFile: yaml, atomically: true, encoding: .utf8)
        let (result, artifacts, _) = try await Self.poll(name, directory: dir, server: nil)
        let r = try #require(result.actionResults.first)
        #expect(result.status == .success, "\(r.message)")
        #expect(r.summary["records"]?.intValue == Int64(records.arrayValue?.count ?? -1), "\(r.summary)")
        #expect(r.summary["quarantined"] == 0, "\(r.summary)")
        #expect(Int64(artifacts) == r.summary["artifacts_new"]?.intValue && artifacts >= (records.arrayValue?.count ?? 0), "\(r.summary)")
        // A second scheduled poll reads nothing new.
        let (again, _, _) = try await Self.poll(name, directory: dir, server: nil)
        #expect(again.actionResults.first?.summary["records"] == 0)
    }
}

/// An existing configuration directory polled by asset name.
struct AssetDirectoryHandle {
    let directory: String
    let name: String

    func poll() async throws -> (ConnectorRunResult, SQLiteStore) {
        let loader = ConfigLoader(directory: directory)
        let service = try loader.service()
        let store = try await SQLiteStore(path: directory + "/data/intake.sqlite")
        let runner = PollRunner(loader: loader, service: service, store: store, logger: Logger(label: "test"))
        return (await runner.poll(assetName: name, options: PollOptions(mode: .scheduled)), store)
    }
}
