extension ServiceConfiguration {
    /// Reads `intake.yaml`. Keys:
    /// - `store`: store URL (default `sqlite://data/intake.sqlite`, relative to the configuration directory)
    /// - `ca_bundle`: PEM bundle trusted by all assets (relative to the configuration directory)
    /// - `concurrency`: polls at once (default 4)
    /// - `metrics`: listen address for Prometheus metrics
    /// - `log_level`: default `info`
    /// - `health_failure_threshold`: consecutive failed polls of one asset that make `/healthz` unhealthy (default 3)
    public init(directory: String, document: YAMLDocument) throws(IntakeError) {
        self.init(directory: directory)
        let r = try ConfigReader(document)
        try r.checkKeys(["store", "ca_bundle", "concurrency", "metrics", "log_level", "health_failure_threshold"])
        if let s = try r.string("store") { store = s }
        caBundle = try r.string("ca_bundle").map(resolve)
        if let c = try r.int("concurrency", min: 1) { concurrency = Int(c) }
        metrics = try r.string("metrics")
        if let m = metrics { _ = try MetricsAddress(parsing: m, origin: r.location("metrics")) }
        if let t = try r.int("health_failure_threshold", min: 1) { healthFailureThreshold = Int(t) }
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
