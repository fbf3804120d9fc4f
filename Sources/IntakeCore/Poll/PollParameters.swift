/// The parameters of SOAR's `on_poll` action (seed 001), as one parameter set.
public struct PollParameters: Sendable, Hashable {
    /// SOAR's "no limit" value for a scheduled poll. Connectors clamp it before it reaches a remote API.
    public static let scheduledSentinel: Int64 = 4_294_967_295

    /// Source ids to limit the ingestion to (SOAR's `container_id`, comma-separated there).
    public var containerIds: [String]
    public var startTime: Timestamp
    public var endTime: Timestamp
    public var containerCount: Int64
    public var artifactCount: Int64

    public init(containerIds: [String] = [], startTime: Timestamp, endTime: Timestamp,
                containerCount: Int64, artifactCount: Int64) {
        self.containerIds = containerIds
        self.startTime = startTime
        self.endTime = endTime
        self.containerCount = containerCount
        self.artifactCount = artifactCount
    }

    /// True when the container count is the scheduled "no limit" sentinel (or not positive).
    public var isUnlimited: Bool { containerCount >= PollParameters.scheduledSentinel || containerCount <= 0 }

    /// The container count a connector may pass to a remote API: the sentinel clamped to `ceiling`.
    public func clampedContainerCount(ceiling: Int64 = 10_000) -> Int64 {
        isUnlimited ? ceiling : min(containerCount, ceiling)
    }

    /// The parameter set as SOAR prints it in an action result (times in epoch milliseconds).
    public var json: JSONValue {
        [
            "container_id": containerIds.isEmpty ? .null : .string(containerIds.joined(separator: ",")),
            "start_time": .int(startTime.milliseconds),
            "end_time": .int(endTime.milliseconds),
            "container_count": .int(containerCount),
            "artifact_count": .int(artifactCount),
        ]
    }
}
