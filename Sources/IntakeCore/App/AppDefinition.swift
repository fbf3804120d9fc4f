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
