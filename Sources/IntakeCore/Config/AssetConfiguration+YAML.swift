extension AssetConfiguration {
    /// Reads an asset file (`assets/NAME.yaml`). Top-level keys: `name`, `app`, `configuration`, `ingest`.
    /// `ingest` keys: `label`, `mapping`, `schedule` (`interval` or `cron`, `timezone`, `jitter`),
    /// `max_containers`, `max_artifacts`, `first_run` (`lookback`, `max_containers`), `lag`, `overlap`,
    /// `max_window`, `timezone`, `tenant`, `enabled`.
    public init(document: YAMLDocument, defaultName: String) throws(IntakeError) {
        let r = try ConfigReader(document)
        try r.checkKeys(["name", "app", "configuration", "ingest", "description"])
        let name = try r.string("name") ?? defaultName
        guard AssetConfiguration.isValidName(name) else {
            throw IntakeError(.configuration, "asset name '\(name)' may contain only letters, digits, '-', '_' and '.'",
                              at: r.location("name"))
        }
        let app = try r.requiredString("app")
        let configuration = try r.object("configuration") ?? [:]
        let i = try r.child("ingest")
        try i.checkKeys(["label", "mapping", "schedule", "max_containers", "max_artifacts", "first_run", "lag", "overlap",
                         "max_window", "timezone", "tenant", "enabled"])
        var ingest = IngestSettings()
        ingest.label = try i.string("label")
        ingest.mapping = try i.string("mapping")
        ingest.maxContainers = try i.int("max_containers", min: 1)
        ingest.maxArtifacts = try i.int("max_artifacts", min: 1)
        ingest.lag = try i.duration("lag") ?? .zero
        ingest.overlap = try i.duration("overlap") ?? .zero
        ingest.maxWindow = try i.duration("max_window")
        ingest.timezone = try i.string("timezone")
        ingest.tenant = try i.string("tenant")
        ingest.enabled = try i.bool("enabled") ?? true
        if i.has("first_run") {
            let f = try i.child("first_run")
            try f.checkKeys(["lookback", "max_containers"])
            ingest.firstRun = FirstRunSettings(lookback: try f.duration("lookback") ?? FirstRunSettings.defaultLookback,
                                               maxContainers: try f.int("max_containers", min: 1))
        }
        if i.has("schedule") {
            let s = try i.child("schedule")
            try s.checkKeys(["interval", "cron", "timezone", "jitter"])
            var schedule = ScheduleSettings(interval: try s.duration("interval"), cron: try s.string("cron"),
                                            timezone: try s.string("timezone"), jitter: try s.duration("jitter"))
            if schedule.cron != nil {
                schedule.cronLocation = document.location("ingest.schedule.cron")
                if let pos = document.positions["ingest.schedule.cron"] { schedule.cronColumn = pos.column + (pos.quoted ? 1 : 0) }
            }
            if schedule.timezone != nil { schedule.timezoneLocation = document.location("ingest.schedule.timezone") }
            if schedule.interval == nil && schedule.cron == nil {
                throw IntakeError(.configuration, "ingest.schedule needs 'interval' or 'cron'", at: document.location("ingest.schedule"))
            }
            if schedule.interval != nil && schedule.cron != nil {
                throw IntakeError(.configuration, "ingest.schedule takes 'interval' or 'cron', not both",
                                  at: document.location("ingest.schedule"))
            }
            if let iv = schedule.interval, iv.microseconds < 1_000_000 {
                throw IntakeError(.configuration, "ingest.schedule.interval must be at least 1s",
                                  at: document.location("ingest.schedule.interval"))
            }
            ingest.schedule = schedule
        }
        self.init(name: name, app: app, configuration: configuration, ingest: ingest, file: document.file)
        var locations = ["": document.location("configuration")]
        for key in configuration.keys { locations[key] = document.keyLocation("configuration.\(key)") }
        configurationLocations = locations
    }

    /// Where configuration `key` was written, else the configuration section, else the file.
    public func location(ofConfiguration key: String) -> String {
        configurationLocations[key] ?? configurationLocations[""] ?? (file.isEmpty ? "asset \(name)" : file)
    }

    /// Names become file names, lock names and metric labels, so they stay simple.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 128 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
            && !name.hasPrefix(".")
    }
}
