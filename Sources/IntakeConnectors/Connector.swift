import IntakeCore
import IntakeHTTP
import Logging

/// A connector type (an app): fetches raw records from a source for a poll window.
///
/// ``ActionLifecycle`` drives it as SOAR's BaseConnector drives an AppConnector (seed 001): the
/// configuration is validated first, then `initialize`, then each parameter set is validated and
/// handled, then `finalize`; a thrown error goes through `handleException`. The lifecycle hooks
/// have default implementations, so a connector implements only what it needs. The `handle` step
/// of the built-in actions is `testConnectivity` for `test_asset_connectivity` and `poll` for
/// `on_poll` (the poll runner maps and stores the pages it emits).
public protocol Connector: Sendable {
    /// The app id assets name in `app:`.
    static var appId: String { get }

    /// Called once per run after the configuration validated; throwing fails every parameter set.
    func initialize(_ context: ConnectorContext) async throws(IntakeError)

    /// Called once after every parameter set was handled, with their results; may summarise or
    /// amend them, and clean up. Throwing adds a failed result.
    func finalize(_ results: [ActionResult], context: ConnectorContext) async throws(IntakeError) -> [ActionResult]

    /// Sees every error of the run before it becomes a failed result: for cleanup, or to reword it.
    func handleException(_ error: IntakeError, context: ConnectorContext) async -> IntakeError

    /// The contains validators parameter validation uses: the standard ones plus the connector's own.
    var containsValidators: ContainsValidators { get }

    /// Validates one parameter set; the default checks required keys, data types, value lists and
    /// `containsValidators`. Overriding it replaces contains validation entirely.
    func validateParameters(_ parameters: JSONObject, action: AppAction) -> Result<JSONObject, IntakeError>

    /// Makes one real request and describes what answered (status, latency, TLS).
    func testConnectivity(_ context: ConnectorContext) async throws(IntakeError) -> ActionResult

    /// Fetches the records of a window page by page, handing each page to `emit` in source order.
    /// `emit` returns false when the poll should stop (a limit was reached); the connector then returns.
    func poll(_ parameters: PollParameters, context: ConnectorContext,
              emit: (ConnectorPage) async throws(IntakeError) -> Bool) async throws(IntakeError)
}

extension Connector {
    public func initialize(_ context: ConnectorContext) async throws(IntakeError) {}

    public func finalize(_ results: [ActionResult], context: ConnectorContext) async throws(IntakeError) -> [ActionResult] {
        results
    }

    public func handleException(_ error: IntakeError, context: ConnectorContext) async -> IntakeError { error }

    public var containsValidators: ContainsValidators { .standard }

    public func validateParameters(_ parameters: JSONObject, action: AppAction) -> Result<JSONObject, IntakeError> {
        ParameterValidator(action: action, validators: containsValidators).validate(parameters)
    }
}

/// One page of raw records as a connector fetched them.
public struct ConnectorPage: Sendable {
    public var records: [JSONValue]
    /// True for the last page of the window.
    public var isLast: Bool
    /// Where the page came from, for logs (URL without credentials, file name).
    public var source: String

    public init(records: [JSONValue], isLast: Bool, source: String) {
        self.records = records
        self.isLast = isLast
        self.source = source
    }
}

/// What a connector is given: the asset, service settings, a logger and a redactor for its secrets.
public struct ConnectorContext: Sendable {
    public var asset: AssetConfiguration
    public var service: ServiceConfiguration
    public var logger: Logger
    public var redactor: Redactor

    public init(asset: AssetConfiguration, service: ServiceConfiguration, logger: Logger, redactor: Redactor = Redactor()) {
        self.asset = asset
        self.service = service
        self.logger = logger
        self.redactor = redactor
    }

    /// The asset's configuration value for `key`, if set and not empty.
    public func config(_ key: String) -> JSONValue? {
        guard let v = asset.configuration[key], !v.isEmptyValue else { return nil }
        if case .string(let s) = v {
            let t = s.trimmingSpaces
            return t.isEmpty ? nil : .string(t)
        }
        return v
    }

    public func configString(_ key: String) -> String? { config(key)?.textValue }

    public func configBool(_ key: String, default value: Bool) throws(IntakeError) -> Bool {
        guard let v = config(key) else { return value }
        if let b = v.boolValue { return b }
        switch v.textValue.lowercased() {
        case "true", "yes", "1": return true
        case "false", "no", "0": return false
        default:
            throw IntakeError(.configuration, "configuration.\(key) must be true or false, found '\(v.textValue)'", at: asset.file)
        }
    }
}

/// The built-in connectors by app id.
public enum ConnectorRegistry {
    public static func connector(for app: String) -> (any Connector)? {
        switch app {
        case HTTPJSONConnector.appId: return HTTPJSONConnector()
        case FileConnector.appId: return FileConnector()
        default: return nil
        }
    }

    public static let appIds = [HTTPJSONConnector.appId, FileConnector.appId]
}
