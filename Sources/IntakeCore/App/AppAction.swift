/// One action of an app (seed 002's `actions` entry).
public struct AppAction: Sendable, Hashable {
    /// SOAR's action types; `ingest` is the type of `on poll`.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case contain, correct, generic, investigate, test, ingest
    }

    /// The action's name as users say it, e.g. `on poll`.
    public var action: String
    /// What the connector dispatches on, e.g. `on_poll`; longer than 5 characters.
    public var identifier: String
    public var description: String
    public var type: Kind
    public var readOnly: Bool
    /// Which product versions this implementation supports, e.g. `EQ(*)`.
    public var versions: VersionExpression
    /// Parameters in `order`.
    public var parameters: [ActionParameter]
    public var lock: ActionLock

    public init(action: String, identifier: String, description: String = "", type: Kind, readOnly: Bool = true,
                versions: VersionExpression = .any, parameters: [ActionParameter] = [], lock: ActionLock = ActionLock()) {
        self.action = action
        self.identifier = identifier
        self.description = description
        self.type = type
        self.readOnly = readOnly
        self.versions = versions
        self.parameters = parameters
        self.lock = lock
    }

    public func parameter(_ name: String) -> ActionParameter? { parameters.first { $0.name == name } }
}

/// One action parameter (`parameters.NAME`).
public struct ActionParameter: Sendable, Hashable {
    public var name: String
    public var dataType: AppDataType
    public var description: String
    /// Kinds of content (`ip`, `domain`, `sha256`, …); a value passes if any validator accepts it.
    public var contains: [String]
    public var required: Bool
    public var primary: Bool
    public var valueList: [String]?
    public var defaultValue: JSONValue?
    public var order: Int?
    /// The parameter takes several comma-separated values, each validated on its own.
    public var allowList: Bool

    public init(name: String, dataType: AppDataType, description: String = "", contains: [String] = [], required: Bool = false,
                primary: Bool = false, valueList: [String]? = nil, defaultValue: JSONValue? = nil, order: Int? = nil,
                allowList: Bool = false) {
        self.name = name
        self.dataType = dataType
        self.description = description
        self.contains = contains
        self.required = required
        self.primary = primary
        self.valueList = valueList
        self.defaultValue = defaultValue
        self.order = order
        self.allowList = allowList
    }
}

/// How an action is serialised against others (seed 002's `lock`). Without a `lock` section the
/// asset is the lock, so two actions on one asset never overlap.
public struct ActionLock: Sendable, Hashable {
    public var enabled: Bool
    /// `parameters.X`, `configuration.X`, or a constant lock name; nil means the asset.
    public var dataPath: String?
    /// Seconds to wait for the lock before the action fails; nil waits as long as it takes.
    public var timeout: Double?

    public init(enabled: Bool = true, dataPath: String? = nil, timeout: Double? = nil) {
        self.enabled = enabled
        self.dataPath = dataPath
        self.timeout = timeout
    }

    /// The lock's name for one run: namespaced by asset so that equal values on different assets do not collide
    /// unless the data path is a constant. Nil when disabled.
    public func name(asset: String, parameters: JSONObject, configuration: JSONObject) -> String? {
        guard enabled else { return nil }
        guard let path = dataPath, !path.isEmpty else { return "asset:\(asset)" }
        if path.hasPrefix("parameters.") {
            let key = String(path.dropFirst("parameters.".count))
            return "asset:\(asset):parameters.\(key)=\(parameters[key]?.textValue ?? "")"
        }
        if path.hasPrefix("configuration.") {
            let key = String(path.dropFirst("configuration.".count))
            return "asset:\(asset):configuration.\(key)=\(configuration[key]?.textValue ?? "")"
        }
        return "name:\(path)"
    }
}
