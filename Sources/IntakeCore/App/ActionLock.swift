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
