import Foundation
import IntakeConnectors
import IntakeCore
import Logging

/// What a test connector was asked to do, in order.
actor CallLog {
    var calls: [String] = []
    func add(_ call: String) { calls.append(call) }
}

/// A tiny connector whose lifecycle hooks can be told to fail; the lifecycle around it is the real one.
struct ScriptedConnector: Connector {
    static let appId = "scripted"

    var log = CallLog()
    var failInitialize = false
    var failFinalize = false
    var extraValidators: [String: ContainsValidators.Validator] = [:]

    func initialize(_ context: ConnectorContext) async throws(IntakeError) {
        await log.add("initialize")
        if failInitialize { throw IntakeError(.connection, "cannot reach the device") }
    }

    func finalize(_ results: [ActionResult], context: ConnectorContext) async throws(IntakeError) -> [ActionResult] {
        await log.add("finalize \(results.count)")
        if failFinalize { throw IntakeError(.connector, "cleanup failed") }
        // Summarise: every result learns how many of the run's results succeeded.
        let ok = results.filter { $0.status == .success }.count
        return results.map { r in
            var r = r
            r.summary.append("run_successful", .int(Int64(ok)))
            return r
        }
    }

    func handleException(_ error: IntakeError, context: ConnectorContext) async -> IntakeError {
        await log.add("handleException \(error.message)")
        var e = error
        e.message = "scripted: " + e.message
        return e
    }

    var containsValidators: ContainsValidators {
        extraValidators.reduce(ContainsValidators.standard) { $0.registering($1.key, $1.value) }
    }

    func testConnectivity(_ context: ConnectorContext) async throws(IntakeError) -> ActionResult {
        ActionResult(status: .success, message: "Test connectivity passed")
    }

    func poll(_ parameters: PollParameters, context: ConnectorContext,
              emit: (ConnectorPage) async throws(IntakeError) -> Bool) async throws(IntakeError) {
        _ = try await emit(ConnectorPage(records: [["id": 1]], isLast: true, source: "scripted"))
    }

    /// The handle step the tests use: echoes the ip, throws for 6.6.6.6, and leaks the token to prove redaction.
    func handle(_ action: AppAction, _ parameters: JSONObject, _ context: ConnectorContext) async throws(IntakeError) -> ActionResult {
        await log.add("handle \(parameters["ip"]?.textValue ?? "-")")
        if parameters["ip"] == "6.6.6.6" {
            throw IntakeError(.http, "server refused token \(context.configString("token") ?? "")")
        }
        return ActionResult(status: .success, message: "looked up \(parameters["ip"]?.textValue ?? "")", parameter: .object(parameters),
                            summary: ["hits": 1], data: [["ip": parameters["ip"] ?? .null]])
    }
}

enum LifecycleFixtures {
    static let appJSON = """
        {"appid": "scripted", "name": "Scripted", "description": "test app", "type": "generic", "product_vendor": "V",
         "product_name": "P", "product_version_regex": ".*", "publisher": "tests", "license": "MIT", "app_version": "1.0.0",
         "configuration": {
           "server": {"data_type": "string", "description": "Server", "required": true, "order": 0},
           "token": {"data_type": "password", "description": "Token", "order": 1},
           "product_version": {"data_type": "string", "description": "Version", "order": 2}
         },
         "actions": [
           {"action": "lookup ip", "identifier": "lookup_ip_v1", "description": "d", "type": "investigate", "read_only": true,
            "versions": "NEQ(9.*)", "output": [],
            "parameters": {"ip": {"data_type": "string", "description": "IP", "contains": ["ip"], "required": true}},
            "lock": {"enabled": true, "timeout": 0.05}},
           {"action": "lookup ip", "identifier": "lookup_ip_v9", "description": "d", "type": "investigate", "read_only": true,
            "versions": "EQ(9.1)", "output": [],
            "parameters": {"ip": {"data_type": "string", "description": "IP", "contains": ["ip"], "required": true}},
            "lock": {"enabled": false}},
           {"action": "test connectivity", "identifier": "test_asset_connectivity", "description": "d", "type": "test",
            "read_only": true, "parameters": {}}
         ]}
        """

    static func app() throws -> AppDefinition { try AppDefinition(validJSON: appJSON) }

    static func context(_ configuration: JSONObject) -> ConnectorContext {
        ConnectorContext(asset: AssetConfiguration(name: "lab", app: "scripted", configuration: configuration, file: "assets/lab.yaml"),
                         service: ServiceConfiguration(directory: NSTemporaryDirectory()), logger: Logger(label: "test"))
    }

    static func lifecycle(environment: [String: String] = [:], locks: LockRegistry = LockRegistry()) throws -> ActionLifecycle {
        ActionLifecycle(app: try app(), secrets: SecretResolver(directory: NSTemporaryDirectory(), environment: environment), locks: locks)
    }
}
