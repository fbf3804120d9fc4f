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
