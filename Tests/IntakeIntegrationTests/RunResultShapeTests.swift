import Foundation
import IntakeCore
import IntakeScheduler
import IntakeStore
import Logging
import Testing

/// The connector run result `intake poll --json` and `intake test --json` print: SPEC §10 and the
/// result shape of seeds 000 and 001, key for key.
@Suite("Run result shape", .serialized)
struct RunResultShapeTests {
    static let runKeys: Set<String> = ["status", "message", "summary", "action_results"]
    static let actionKeys: Set<String> = ["status", "message", "parameter", "summary", "data"]
    static let parameterKeys: Set<String> = ["container_id", "start_time", "end_time", "container_count", "artifact_count"]
    static let summaryKeys: Set<String> = ["records", "containers_new", "containers_duplicate", "artifacts_new", "artifacts_duplicate",
                                           "quarantined"]

    static func checkPollShape(_ json: JSONValue, status: String) throws {
        let o = try #require(json.objectValue)
        #expect(Set(o.keys) == runKeys)
        #expect(o["status"] == .string(status))
        #expect(o["message"]?.stringValue?.hasSuffix("action failed") == true)
        #expect(Set(try #require(o["summary"]?.objectValue).keys) == ["total_objects", "total_objects_successful"])
        let results = try #require(o["action_results"]?.arrayValue)
        #expect(results.count == 1)
        let r = try #require(results.first?.objectValue)
        #expect(Set(r.keys) == actionKeys)
        #expect(r["status"] == .string(status))
        #expect(r["data"] == .array([]))
        let parameter = try #require(r["parameter"]?.objectValue)
        #expect(Set(parameter.keys) == parameterKeys)
        #expect(parameter["start_time"]?.intValue != nil && parameter["end_time"]?.intValue != nil)
        let summary = try #require(r["summary"]?.objectValue)
        #expect(summaryKeys.isSubset(of: Set(summary.keys)), "\(summary.keys)")
        #expect(summary.allSatisfy { $0.value.intValue != nil })
    }

    @Test("a successful poll now")
    func successfulPoll() async throws {
        let server = try FeedServer(records: sampleRecords(12))
        defer { server.stop() }
        let config = try TestConfig(server: server, trustCA: server.caFile)
        defer { config.remove() }
        let (result, store) = try await config.poll(.pollNow)
        await store.close()
        try Self.checkPollShape(result.json, status: "success")
        #expect(result.json["summary"] == ["total_objects": 1, "total_objects_successful": 1])
        #expect(result.message == "1 action succeeded, 0 action failed")
    }

    @Test("a poll whose asset configuration is invalid fails through the lifecycle with the same shape")
    func invalidConfigurationPoll() async throws {
        let server = try FeedServer(records: [])
        defer { server.stop() }
        let config = try TestConfig(server: server, trustCA: server.caFile)
        defer { config.remove() }
        let asset = config.directory + "/assets/feed.yaml"
        let text = try String(contentsOfFile: asset, encoding: .utf8)
        try text.replacingOccurrences(of: "verify_server_cert:", with: "max_pages: lots\n  verify_sever_cert:")
            .write(toFile: asset, atomically: true, encoding: .utf8)
        let (result, store) = try await config.poll(.pollNow)
        await store.close()
        try Self.checkPollShape(result.json, status: "failed")
        let message = result.actionResults[0].message
        #expect(message.contains("configuration.max_pages: expected a number, found 'lots'"), "\(message)")
        #expect(message.contains("did you mean 'verify_server_cert'?"), "\(message)")
        #expect(message.contains("assets/feed.yaml:"), "\(message)")
    }

    @Test("test connectivity runs through the lifecycle and never shows a secret")
    func testConnectivityRedactsSecrets() async throws {
        let server = try FeedServer(records: [])
        defer { server.stop() }
        let config = try TestConfig(server: server, trustCA: server.caFile)
        defer { config.remove() }
        let asset = config.directory + "/assets/feed.yaml"
        let text = try String(contentsOfFile: asset, encoding: .utf8)
        try "hunter2-very-secret\n".write(toFile: config.directory + "/token.txt", atomically: true, encoding: .utf8)
        try text.replacingOccurrences(of: "verify_server_cert:", with: "token: file:token.txt\n  proxy_password: env:INTAKE_TEST_UNSET_VAR\n  verify_server_cert:")
            .write(toFile: asset, atomically: true, encoding: .utf8)
        let loader = ConfigLoader(directory: config.directory)
        let store = try await SQLiteStore(path: config.storePath)
        let runner = PollRunner(loader: loader, service: try loader.service(), store: store, logger: Logger(label: "test"))
        let result = await runner.test(assetName: "feed")
        await store.close()
        #expect(result.status == .failed)
        #expect(result.actionResults[0].message.hasPrefix("Test connectivity failed: "))
        let json = JSONWriter.string(result.json)
        #expect(!json.contains("hunter2"))
        #expect(result.actionResults[0].message.contains("configuration.proxy_password: the environment variable INTAKE_TEST_UNSET_VAR is not set"))
        #expect(result.actionResults[0].message.contains("assets/feed.yaml:"))
        #expect(Set(try #require(result.json.objectValue).keys) == Self.runKeys)
    }
}

extension RunResultShapeTests {
    @Test("a successful test connectivity has the run result shape, with the test's parameter set empty")
    func successfulTest() async throws {
        let server = try FeedServer(records: sampleRecords(3))
        defer { server.stop() }
        let config = try TestConfig(server: server, trustCA: server.caFile)
        defer { config.remove() }
        let (status, out, err) = try IntakeBinary.run(["test", "feed", "--json", "--config", config.directory])
        #expect(status == 0, "\(err)")
        let json = try JSONParser.parse(out)
        #expect(Set(try #require(json.objectValue).keys) == Self.runKeys)
        #expect(json["status"] == "success")
        #expect(json["summary"] == ["total_objects": 1, "total_objects_successful": 1])
        let r = try #require(json["action_results"]?.arrayValue?.first?.objectValue)
        #expect(Set(r.keys) == Self.actionKeys)
        #expect(r["parameter"] == .object([:]))
    }
}

/// The built `intake` binary, for command-line shape checks.
enum IntakeBinary {
    static var path: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/intake").path
    }

    /// Runs intake with `arguments`; returns exit status, standard output and standard error.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, b in b }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}

@Suite("apps and assets commands", .serialized)
struct AppsAndAssetsCommandTests {
    @Test("apps validate reports every problem of a broken app JSON with its JSON path")
    func appsValidateBroken() throws {
        let dir = try makeTemporaryDirectory("apps")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/broken.json"
        try """
            {"appid": "broken", "name": "B", "description": "d", "type": "siem", "product_vendor": "V", "product_name": "P",
             "product_version_regex": ".*", "publisher": "p", "license": "MIT", "app_version": "1",
             "configuration": {"url": {"data_type": "text", "description": "u"}},
             "actions": [{"action": "poll", "identifier": "poll", "description": "d", "type": "ingest", "read_only": true,
                          "parameters": {}, "versions": "EQ(*"}]}
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let (status, out, _) = try IntakeBinary.run(["apps", "validate", file])
        #expect(status == 1)
        let lines = out.split(separator: "\n").map(String.init)
        #expect(lines.contains("\(file): $.configuration.url.data_type: 'text' is not one of string, password, numeric, boolean, ph, object"))
        #expect(lines.contains("\(file): $.actions[0].identifier: must be longer than 5 characters, found 'poll'"))
        #expect(lines.contains { $0.hasPrefix("\(file): $.actions[0].versions: ") })
        #expect(lines.count == 3, "\(lines)")
    }

    @Test("apps list and show print both bundled apps, which validate")
    func appsListAndShow() throws {
        let (status, out, _) = try IntakeBinary.run(["apps", "list", "--json"])
        #expect(status == 0)
        let apps = try #require(try JSONParser.parse(out).arrayValue)
        #expect(apps.compactMap { $0["appid"]?.stringValue } == ["http_json", "file"])
        let dir = try makeTemporaryDirectory("apps")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for id in ["http_json", "file"] {
            let (s, json, _) = try IntakeBinary.run(["apps", "show", id, "--json"])
            #expect(s == 0)
            try json.write(toFile: dir + "/\(id).json", atomically: true, encoding: .utf8)
            let (v, msg, _) = try IntakeBinary.run(["apps", "validate", dir + "/\(id).json"])
            #expect(v == 0, "\(msg)")
        }
        let (missing, _, err) = try IntakeBinary.run(["apps", "show", "http-json"])
        #expect(missing == 1 && err.contains("did you mean 'http_json'?"))
    }

    @Test("assets validate locates problems; assets show never prints a secret")
    func assetsValidateAndShow() throws {
        let server = try FeedServer(records: [])
        defer { server.stop() }
        let config = try TestConfig(server: server, trustCA: server.caFile)
        defer { config.remove() }
        let asset = config.directory + "/assets/feed.yaml"
        let text = try String(contentsOfFile: asset, encoding: .utf8)
        try text.replacingOccurrences(of: "verify_server_cert:", with: "password: plain-text-secret\n  token: env:INTAKE_TEST_TOKEN\n  headers: { Authorization: Basic c2VjcmV0, Accept-Language: en }\n  verify_server_cert:")
            .write(toFile: asset, atomically: true, encoding: .utf8)
        let env = ["INTAKE_TEST_TOKEN": "token-from-env"]
        let (ok, okOut, _) = try IntakeBinary.run(["assets", "validate", "--config", config.directory], environment: env)
        #expect(ok == 0, "\(okOut)")
        let (l, listed, _) = try IntakeBinary.run(["assets", "list", "--json", "--config", config.directory], environment: env)
        #expect(l == 0)
        let rows = try #require(try JSONParser.parse(listed).arrayValue)
        #expect(rows.count == 1 && rows[0]["name"] == "feed" && rows[0]["app"] == "http_json" && rows[0]["valid"] == true)
        let (s, shown, _) = try IntakeBinary.run(["assets", "show", "feed", "--json", "--config", config.directory], environment: env)
        #expect(s == 0)
        #expect(!shown.contains("plain-text-secret") && !shown.contains("token-from-env"))
        let parsed = try JSONParser.parse(shown)
        #expect(parsed["configuration"]?["password"] == "********")
        #expect(parsed["configuration"]?["token"] == "env:INTAKE_TEST_TOKEN (set)")
        #expect(parsed["configuration"]?["max_pages"] == .int(1000))
        #expect(parsed["configuration"]?["headers"] == ["Authorization": "********", "Accept-Language": "en"])
        #expect(!shown.contains("c2VjcmV0"))

        try text.replacingOccurrences(of: "verify_server_cert:", with: "methd: GET\n  auth: digest\n  verify_server_cert:")
            .write(toFile: asset, atomically: true, encoding: .utf8)
        let (bad, badOut, _) = try IntakeBinary.run(["assets", "validate", "feed", "--config", config.directory])
        #expect(bad == 1)
        let (_, badList, _) = try IntakeBinary.run(["assets", "list", "--json", "--config", config.directory])
        #expect(try JSONParser.parse(badList).arrayValue?.first?["valid"] == false)
        #expect(badOut.contains("assets/feed.yaml:7:3: configuration.methd: unknown key for app 'http_json' (did you mean 'method'?)"),
                "\(badOut)")
        #expect(badOut.contains("assets/feed.yaml:8:3: configuration.auth: 'digest' is not one of none, basic, bearer, api_key, oauth2_client_credentials"),
                "\(badOut)")
    }
}
