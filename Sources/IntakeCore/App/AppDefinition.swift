/// An app's metadata in the SOAR app JSON format (seed 002): what it connects to, the asset
/// configuration it takes and the actions it implements.
public struct AppDefinition: Sendable, Hashable {
    public var appid: String
    public var name: String
    public var description: String
    public var type: String
    public var productVendor: String
    public var productName: String
    public var productVersionRegex: String
    public var publisher: String
    public var license: String
    public var appVersion: String
    public var minPhantomVersion: String?
    public var logo: String?
    /// Asset configuration variables, in `order`.
    public var configuration: [ConfigurationVariable]
    public var actions: [AppAction]

    public init(appid: String, name: String, description: String, type: String, productVendor: String, productName: String,
                productVersionRegex: String, publisher: String, license: String, appVersion: String,
                minPhantomVersion: String? = nil, logo: String? = nil, configuration: [ConfigurationVariable] = [],
                actions: [AppAction] = []) {
        self.appid = appid
        self.name = name
        self.description = description
        self.type = type
        self.productVendor = productVendor
        self.productName = productName
        self.productVersionRegex = productVersionRegex
        self.publisher = publisher
        self.license = license
        self.appVersion = appVersion
        self.minPhantomVersion = minPhantomVersion
        self.logo = logo
        self.configuration = configuration
        self.actions = actions
    }

    /// The action with this identifier.
    public func action(identifier: String) -> AppAction? { actions.first { $0.identifier == identifier } }

    /// The configuration variable with this name.
    public func variable(_ name: String) -> ConfigurationVariable? { configuration.first { $0.name == name } }
}

/// SOAR's data types for configuration variables and parameters, plus Intake's `object`.
public enum AppDataType: String, Sendable, Hashable, CaseIterable {
    case string
    case password
    case numeric
    case boolean
    /// A placeholder that renders as a gap in SOAR's UI and carries no value.
    case ph
    /// Intake's one extension: a structured value (a YAML mapping or JSON object), e.g. request headers.
    case object
}

/// One asset configuration variable (`configuration.NAME` in the app JSON).
public struct ConfigurationVariable: Sendable, Hashable {
    public var name: String
    public var dataType: AppDataType
    public var description: String
    public var required: Bool
    public var valueList: [String]?
    public var defaultValue: JSONValue?
    public var order: Int?

    public init(name: String, dataType: AppDataType, description: String = "", required: Bool = false,
                valueList: [String]? = nil, defaultValue: JSONValue? = nil, order: Int? = nil) {
        self.name = name
        self.dataType = dataType
        self.description = description
        self.required = required
        self.valueList = valueList
        self.defaultValue = defaultValue
        self.order = order
    }
}
