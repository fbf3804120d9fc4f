/// The service-wide settings of `intake.yaml`, with their defaults.
public struct ServiceConfiguration: Sendable, Hashable {
    /// The default store: SQLite in `data/intake.sqlite` under the configuration directory.
    public static let defaultStore = "sqlite://data/intake.sqlite"

    /// The configuration directory (absolute); relative paths in the configuration resolve against it.
    public var directory: String
    /// The store URL: `sqlite:///abs.sqlite`, `sqlite://relative.sqlite`, or `postgres://user:pw@host:port/db`.
    public var store: String
    /// A CA bundle trusted by every asset that does not name its own.
    public var caBundle: String?
    /// How many polls may run at once.
    public var concurrency: Int
    /// Listen address for metrics, e.g. `127.0.0.1:9464`.
    public var metrics: String?
    /// Log level: trace, debug, info, notice, warning, error, critical.
    public var logLevel: String
    /// True when `intake.yaml` sets `log_level` (interactive commands otherwise log warnings only).
    public var logLevelIsSet = false
    /// Consecutive failed polls of one asset that turn `/healthz` unhealthy.
    public var healthFailureThreshold = 3
    /// `intake run`: the longest one poll may run before it is asked to stop after its current page.
    public var pollTimeout: IntakeDuration = .hours(1)
    /// `intake run`: how long an asset's lease lasts without renewal (a dead process's assets wait at most this).
    public var leaseTime: IntakeDuration = .seconds(30)

    public init(directory: String, store: String = ServiceConfiguration.defaultStore, caBundle: String? = nil,
                concurrency: Int = 4, metrics: String? = nil, logLevel: String = "info") {
        self.directory = directory
        self.store = store
        self.caBundle = caBundle
        self.concurrency = concurrency
        self.metrics = metrics
        self.logLevel = logLevel
    }

    /// The directory holding extra trusted CA certificates (`certs/*.pem`).
    public var certsDirectory: String { directory + "/certs" }

    /// Resolves a path relative to the configuration directory.
    public func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return directory + "/" + path
    }
}
