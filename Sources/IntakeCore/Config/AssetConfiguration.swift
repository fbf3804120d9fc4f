/// A configured instance of an app: its connector configuration plus how Intake ingests from it.
public struct AssetConfiguration: Sendable, Hashable {
    /// The asset's name, unique in the configuration directory (the file is `assets/NAME.yaml`).
    public var name: String
    /// The built-in app id, e.g. `http_json`.
    public var app: String
    /// Connector configuration, validated against the app JSON's `configuration` section.
    public var configuration: JSONObject
    public var ingest: IngestSettings
    /// The file the asset was read from, for error messages.
    public var file: String
    /// Where each configuration key was written (`FILE:LINE:COLUMN`), by key; `""` is the `configuration` section itself.
    public var configurationLocations: [String: String] = [:]

    public init(name: String, app: String, configuration: JSONObject = [:], ingest: IngestSettings = IngestSettings(),
                file: String = "") {
        self.name = name
        self.app = app
        self.configuration = configuration
        self.ingest = ingest
        self.file = file
    }
}

/// How an asset is polled and what its containers look like.
public struct IngestSettings: Sendable, Hashable {
    /// The container label; when set, it wins over the mapping's label.
    public var label: String?
    /// The mapping file, relative to the configuration directory.
    public var mapping: String?
    public var schedule: ScheduleSettings?
    /// Cap on containers per scheduled poll.
    public var maxContainers: Int64?
    /// Cap on artifacts per container per scheduled poll.
    public var maxArtifacts: Int64?
    public var firstRun: FirstRunSettings
    /// How far behind now the window ends, for sources that index late.
    public var lag: IntakeDuration
    /// How far the window start is rewound; deduplication absorbs the overlap.
    public var overlap: IntakeDuration
    /// The largest window one poll covers; a larger backlog is split into contiguous sub-windows.
    public var maxWindow: IntakeDuration?
    /// The zone in which times without an offset are read (IANA name), default UTC.
    public var timezone: String?
    /// A tenant tag added to every container.
    public var tenant: String?
    public var enabled: Bool

    public init(label: String? = nil, mapping: String? = nil, schedule: ScheduleSettings? = nil,
                maxContainers: Int64? = nil, maxArtifacts: Int64? = nil, firstRun: FirstRunSettings = FirstRunSettings(),
                lag: IntakeDuration = .zero, overlap: IntakeDuration = .zero, maxWindow: IntakeDuration? = nil,
                timezone: String? = nil, tenant: String? = nil, enabled: Bool = true) {
        self.label = label
        self.mapping = mapping
        self.schedule = schedule
        self.maxContainers = maxContainers
        self.maxArtifacts = maxArtifacts
        self.firstRun = firstRun
        self.lag = lag
        self.overlap = overlap
        self.maxWindow = maxWindow
        self.timezone = timezone
        self.tenant = tenant
        self.enabled = enabled
    }
}

/// The first scheduled poll of an asset: how far back it looks and how much it may take.
public struct FirstRunSettings: Sendable, Hashable {
    /// SOAR's default first-poll window is the past 10 days (seed 001).
    public static let defaultLookback = IntakeDuration.days(10)
    public var lookback: IntakeDuration
    public var maxContainers: Int64?

    public init(lookback: IntakeDuration = FirstRunSettings.defaultLookback, maxContainers: Int64? = nil) {
        self.lookback = lookback
        self.maxContainers = maxContainers
    }
}

/// When an asset is polled: an interval or a cron expression, in a time zone, with jitter.
public struct ScheduleSettings: Sendable, Hashable {
    public var interval: IntakeDuration?
    public var cron: String?
    public var timezone: String?
    /// A fixed delay in [0, jitter) added to every fire time, derived from the asset name.
    public var jitter: IntakeDuration?
    /// Where `cron` was written (`FILE:LINE:COLUMN`), for errors; nil when it did not come from a file.
    public var cronLocation: String?
    /// The column of the cron expression's first character, so an error can point at the bad field.
    public var cronColumn: Int?
    /// Where `timezone` was written (`FILE:LINE:COLUMN`).
    public var timezoneLocation: String?

    public init(interval: IntakeDuration? = nil, cron: String? = nil, timezone: String? = nil, jitter: IntakeDuration? = nil) {
        self.interval = interval
        self.cron = cron
        self.timezone = timezone
        self.jitter = jitter
    }
}
