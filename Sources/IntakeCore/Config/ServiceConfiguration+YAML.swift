extension ServiceConfiguration {
    /// Reads `intake.yaml`. Keys:
    /// - `store`: store URL (default `sqlite://data/intake.sqlite`, relative to the configuration directory)
    /// - `ca_bundle`: PEM bundle trusted by all assets (relative to the configuration directory)
    /// - `concurrency`: polls at once (default 4)
    /// - `metrics`: listen address for Prometheus metrics
    /// - `log_level`: default `info`
    /// - `poll_timeout`: longest scheduled poll in `intake run` (default 1h)
    /// - `lease_time`: how long an asset's lease lasts without renewal (default 30s)
    /// - `health_failure_threshold`: consecutive failed polls of one asset that make `/healthz` unhealthy (default 3)
    public init(directory: String, document: YAMLDocument) throws(IntakeError) {
        self.init(directory: directory)
        let r = try ConfigReader(document)
        try r.checkKeys(["store", "ca_bundle", "concurrency", "metrics", "log_level", "health_failure_threshold", "poll_timeout",
                         "lease_time"])
        if let s = try r.string("store") { store = s }
        caBundle = try r.string("ca_bundle").map(resolve)
        if let c = try r.int("concurrency", min: 1) { concurrency = Int(c) }
        metrics = try r.string("metrics")
        if let m = metrics { _ = try MetricsAddress(parsing: m, origin: r.location("metrics")) }
        if let t = try r.int("health_failure_threshold", min: 1) { healthFailureThreshold = Int(t) }
        if let t = try r.duration("poll_timeout") {
            guard t.microseconds >= 1_000_000 else {
                throw IntakeError(.configuration, "poll_timeout must be at least 1s, found '\(t)'", at: r.location("poll_timeout"))
            }
            pollTimeout = t
        }
        if let t = try r.duration("lease_time") {
            guard t.microseconds >= 1_000_000 else {
                throw IntakeError(.configuration, "lease_time must be at least 1s, found '\(t)'", at: r.location("lease_time"))
            }
            leaseTime = t
        }
        if let l = try r.string("log_level") {
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            guard levels.contains(l.lowercased()) else {
                throw IntakeError(.configuration, "log_level must be one of \(levels.joined(separator: ", ")), found '\(l)'",
                                  at: r.location("log_level"))
            }
            logLevel = l.lowercased()
            logLevelIsSet = true
        }
    }
}
