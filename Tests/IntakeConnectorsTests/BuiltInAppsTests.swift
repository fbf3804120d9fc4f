import Foundation
import IntakeConnectors
import IntakeCore
import Testing

/// The bundled app JSONs and the bundled sample asset.
struct BuiltInAppsTests {
    @Test(arguments: AppCatalog.sources.map(\.id))
    func bundledAppJSONValidates(_ id: String) throws {
        let source = try #require(AppCatalog.sources.first { $0.id == id })
        let (app, problems) = AppDefinition.parse(text: source.json)
        #expect(problems.isEmpty, "\(problems)")
        let a = try #require(app)
        #expect(a.appid == id)
        let test = try #require(a.action(identifier: "test_asset_connectivity"))
        #expect(test.type == .test && test.parameters.isEmpty)
        let poll = try #require(a.action(identifier: "on_poll"))
        #expect(poll.type == .ingest && poll.action == "on poll")
        #expect(poll.parameters.map(\.name) == ["container_id", "start_time", "end_time", "container_count", "artifact_count"])
        #expect(poll.parameter("container_id")?.allowList == true)
    }

    @Test func catalogueListsBothApps() {
        #expect(AppCatalog.apps.map(\.appid) == ["http_json", "file"])
    }

    @Test func httpJSONSecretsArePasswords() throws {
        let app = try #require(AppCatalog.app("http_json"))
        #expect(ConfigurationValidator(app: app).secretKeys == ["password", "token", "api_key", "client_secret", "proxy_password"])
    }

    @Test func sampleAssetValidates() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("config/assets/sample-siem.yaml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let asset = try AssetConfiguration(document: try YAMLDocument(text: text, file: "sample-siem.yaml"), defaultName: "sample-siem")
        let app = try #require(AppCatalog.app(asset.app))
        let config = try ConfigurationValidator(app: app).validate(asset.configuration).get()
        #expect(config["base_url"] == "https://127.0.0.1:18643")
        #expect(config["pagination"] == "next_url" && config["max_pages"] == .int(1000) && config["verify_server_cert"] == true)
    }

    @Test func pollParametersValidateAgainstOnPoll() throws {
        let app = try #require(AppCatalog.app("http_json"))
        let onPoll = try #require(app.action(identifier: "on_poll"))
        let p = PollParameters(containerIds: ["a", "b"], startTime: Timestamp(epoch: 1_700_000_000_000), endTime: Timestamp(epoch: 1_700_000_100_000),
                               containerCount: 100, artifactCount: 1000)
        let validated = try ParameterValidator(action: onPoll).validate(p.json.objectValue ?? [:]).get()
        #expect(validated["container_id"] == "a,b" && validated["container_count"] == .int(100))
    }
}
