import IntakeCore
import IntakeHTTP
import Logging

/// A connector type (an app): fetches raw records from a source for a poll window.
public protocol Connector: Sendable {
    /// The app id assets name in `app:`.
    static var appId: String { get }

    /// Makes one real request and describes what answered (status, latency, TLS).
    func testConnectivity(_ context: ConnectorContext) async throws(IntakeError) -> ActionResult

    /// Fetches the records of a window page by page, handing each page to `emit` in source order.
    /// `emit` returns false when the poll should stop (a limit was reached); the connector then returns.
    func poll(_ parameters: PollParameters, context: ConnectorContext,
              emit: (ConnectorPage) async throws(IntakeError) -> Bool) async throws(IntakeError)
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
