import IntakeCore

extension MappingContext {
    /// The context a poll of `asset` maps with: `$asset`, the ingest label and tenant, and the
    /// asset's `timezone` for times written without an offset.
    public init(asset: AssetConfiguration, now: Timestamp, customSeverities: [String] = []) throws(IntakeError) {
        var zone = MappingTimeZone.utc
        if let name = asset.ingest.timezone {
            guard let z = MappingTimeZone(identifier: name) else {
                throw IntakeError(.configuration, "unknown time zone '\(name)' in ingest.timezone (use an IANA name such as Europe/Berlin)",
                                  at: asset.file)
            }
            zone = z
        }
        self.init(asset: ["name": .string(asset.name), "app": .string(asset.app), "label": .optional(asset.ingest.label),
                          "tenant": .optional(asset.ingest.tenant)],
                  now: now, labelOverride: asset.ingest.label, tenant: asset.ingest.tenant, timeZone: zone,
                  customSeverities: customSeverities)
    }

    /// A severity name normalised to low, medium or high, or kept when the asset defines it; nil when unknown.
    func severity(_ raw: String) -> String? {
        // Fast path for values that are already SOAR's (most mappings value-map to them).
        if customSeverities.isEmpty, raw == Severity.low || raw == Severity.medium || raw == Severity.high { return raw }
        let s = raw.trimmingSpaces.lowercased()
        if customSeverities.contains(s) { return s }
        return Severity.normalise(s)
    }
}
