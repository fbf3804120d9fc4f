import Foundation
import IntakeConnectors
import IntakeCore
import Logging
import Testing

/// The BaseConnector lifecycle (seed 001) driven end to end with a small real connector.
struct ActionLifecycleTests {
    let connector = ScriptedConnector()

    func run(_ sets: [JSONObject], config: JSONObject = ["server": "s"], connector: ScriptedConnector? = nil,
             environment: [String: String] = [:], locks: LockRegistry = LockRegistry()) async throws -> ConnectorRunResult {
        let c = connector ?? self.connector
        let lifecycle = try LifecycleFixtures.lifecycle(environment: environment, locks: locks)
        return await lifecycle.run(c, action: "lookup ip", parameterSets: sets, context: LifecycleFixtures.context(config)) {
            (a: AppAction, p: JSONObject, ctx: ConnectorContext) async throws(IntakeError) -> ActionResult in
            try await c.handle(a, p, ctx)
        }
    }

    @Test func everyParameterSetIsHandledAndFinalizeSummarises() async throws {
        let result = try await run([["ip": "10.0.0.1"], ["ip": " 10.0.0.2 "]])
        #expect(result.status == .success)
        #expect(result.actionResults.map(\.message) == ["looked up 10.0.0.1", "looked up 10.0.0.2"])
        #expect(result.actionResults.allSatisfy { $0.summary["run_successful"] == .int(2) })
        #expect(await connector.log.calls == ["initialize", "handle 10.0.0.1", "handle 10.0.0.2", "finalize 2"])
        #expect(result.json["summary"] == ["total_objects": 2, "total_objects_successful": 2])
        #expect(result.message == "2 action succeeded, 0 action failed")
    }

    @Test func initializeFailureFailsEveryParameterSetWithoutHandling() async throws {
        let c = ScriptedConnector(failInitialize: true)
        let result = try await run([["ip": "10.0.0.1"], ["ip": "10.0.0.2"], ["ip": "10.0.0.3"]], connector: c)
        #expect(result.status == .failed)
        #expect(result.actionResults.count == 3)
        #expect(result.actionResults.allSatisfy { $0.status == .failed && $0.message == "scripted: initialize failed: cannot reach the device" })
        #expect(result.actionResults.map(\.parameter) == [["ip": "10.0.0.1"], ["ip": "10.0.0.2"], ["ip": "10.0.0.3"]])
        #expect(await c.log.calls == ["initialize", "handleException initialize failed: cannot reach the device"])
        #expect(result.message == "0 action succeeded, 3 action failed")
    }

    @Test func oneInvalidParameterSetFailsAndTheOthersStillRun() async throws {
        let result = try await run([["ip": "10.0.0.1"], ["ip": "10.0.0.999"], ["ip": "::1"]])
        #expect(result.actionResults.map(\.status) == [.success, .failed, .success])
        #expect(result.actionResults[1].message.contains("'10.0.0.999' is not a valid ip"))
        #expect(result.actionResults[1].parameter == ["ip": "10.0.0.999"])
        #expect(result.status == .success, "a run fails only when every action result failed")
        #expect(result.json["summary"] == ["total_objects": 3, "total_objects_successful": 2])
        #expect(await connector.log.calls.filter { $0.hasPrefix("handle ") } == ["handle 10.0.0.1", "handle ::1"])
    }

    @Test func aThrowingHandleBecomesAFailedResultThroughHandleException() async throws {
        let result = try await run([["ip": "6.6.6.6"], ["ip": "10.0.0.1"]], config: ["server": "s", "token": "env:LAB_TOKEN"],
                                   environment: ["LAB_TOKEN": "s3cr3t-token"])
        #expect(result.actionResults.map(\.status) == [.failed, .success])
        #expect(result.actionResults[0].message == "scripted: server refused token ********")
        #expect(!JSONWriter.string(result.json).contains("s3cr3t-token"))
        #expect(await connector.log.calls.contains("handleException server refused token s3cr3t-token"))
    }

    @Test func finalizeFailureAddsAFailedResult() async throws {
        let c = ScriptedConnector(failFinalize: true)
        let result = try await run([["ip": "10.0.0.1"]], connector: c)
        #expect(result.actionResults.map(\.status) == [.success, .failed])
        #expect(result.actionResults[1].message == "finalize failed: scripted: cleanup failed")
    }

    @Test func invalidConfigurationStopsBeforeInitialize() async throws {
        let result = try await run([["ip": "10.0.0.1"]], config: ["server": "  ", "tokn": "x"])
        #expect(result.status == .failed)
        let message = result.actionResults[0].message
        #expect(message.contains("configuration.server: is required"))
        #expect(message.contains("did you mean 'token'?"))
        let calls = await connector.log.calls
        #expect(calls.count == 1 && calls[0].hasPrefix("handleException invalid configuration for app 'scripted'"), "\(calls)")
    }

    @Test func missingSecretNamesTheKeyButNotTheValue() async throws {
        let result = try await run([["ip": "10.0.0.1"]], config: ["server": "s", "token": "env:NOT_SET_ANYWHERE"])
        let message = result.actionResults[0].message
        #expect(result.status == .failed)
        #expect(message.contains("configuration.token") && message.contains("NOT_SET_ANYWHERE is not set"))

        let file = NSTemporaryDirectory() + "/intake-secret-\(UUID().uuidString)"
        try "from-a-file\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let ok = try await run([["ip": "6.6.6.6"]], config: ["server": "s", "token": .string("file:" + file)])
        #expect(ok.actionResults[0].message == "scripted: server refused token ********")
    }

    @Test func versionsSelectTheImplementationOrFailClearly() async throws {
        let v9 = try await run([["ip": "10.0.0.1"]], config: ["server": "s", "product_version": "9.1"])
        #expect(v9.status == .success)
        let none = try await run([["ip": "10.0.0.1"]], config: ["server": "s", "product_version": "9.2"])
        #expect(none.status == .failed)
        #expect(none.actionResults[0].message.contains("no implementation of 'lookup ip'"))
        #expect(none.actionResults[0].message.contains("'9.2'"))
    }

    @Test func theAssetLockTimesOutWithAClearError() async throws {
        let locks = LockRegistry()
        #expect(await locks.acquire("asset:lab", timeout: nil))
        let result = try await run([["ip": "10.0.0.1"]], locks: locks)
        #expect(result.status == .failed)
        #expect(result.actionResults[0].message.contains("timed out after 0.05s waiting for lock asset:lab"))
        // The v9 implementation disables its lock, so it runs although the asset is locked.
        let unlocked = try await run([["ip": "10.0.0.1"]], config: ["server": "s", "product_version": "9.1"], locks: locks)
        #expect(unlocked.status == .success)
        await locks.release("asset:lab")
        #expect(try await run([["ip": "10.0.0.1"]], locks: locks).status == .success)
        #expect(await !locks.isHeld("asset:lab"))
    }

    @Test func locksSerialiseInArrivalOrder() async {
        let locks = LockRegistry()
        let order = CallLog()
        #expect(await locks.acquire("x", timeout: nil))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                _ = try? await locks.withLock("x", timeout: nil, action: "second") { await order.add("second") }
            }
            // Release only once the waiter is queued, so the order is deterministic.
            while await !locks.hasWaiters("x") { await Task.yield() }
            await order.add("first")
            await locks.release("x")
        }
        #expect(await order.calls == ["first", "second"])
        #expect(await !locks.isHeld("x"))
    }

    @Test func lockNamesFollowTheDataPath() {
        let p: JSONObject = ["ip": "1.2.3.4"], c: JSONObject = ["server": "s1"]
        #expect(ActionLock().name(asset: "a", parameters: p, configuration: c) == "asset:a")
        #expect(ActionLock(dataPath: "parameters.ip").name(asset: "a", parameters: p, configuration: c) == "asset:a:parameters.ip=1.2.3.4")
        #expect(ActionLock(dataPath: "configuration.server").name(asset: "a", parameters: p, configuration: c)
            == "asset:a:configuration.server=s1")
        #expect(ActionLock(dataPath: "global-feed").name(asset: "a", parameters: p, configuration: c) == "name:global-feed")
        #expect(ActionLock(enabled: false).name(asset: "a", parameters: p, configuration: c) == nil)
    }

    @Test func aConnectorCanRegisterItsOwnContainsValidator() async throws {
        let c = ScriptedConnector(extraValidators: ["ip": { $0 == "not-an-ip-but-ok" }])
        let result = try await run([["ip": "not-an-ip-but-ok"], ["ip": "10.0.0.1"]], connector: c)
        #expect(result.actionResults.map(\.status) == [.success, .failed])
    }
}

extension ActionLifecycleTests {
    @Test func cancellingAWaiterGivesUpTheWaitAndLeavesTheLockUsable() async {
        let locks = LockRegistry()
        #expect(await locks.acquire("y", timeout: nil))
        let outcome = await withTaskGroup(of: String.self) { group in
            group.addTask {
                do throws(IntakeError) {
                    return try await locks.withLock("y", timeout: nil, action: "waiter") { "ran" }
                } catch {
                    return error.message
                }
            }
            while await !locks.hasWaiters("y") { await Task.yield() }
            group.cancelAll()
            return await group.next() ?? ""
        }
        #expect(outcome == "'waiter' was cancelled while waiting for lock y")
        await locks.release("y")
        #expect(await !locks.isHeld("y"))
        #expect(await locks.acquire("y", timeout: 1))
    }
}

// MARK: - The scripted connector and fixtures the tests above drive

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
