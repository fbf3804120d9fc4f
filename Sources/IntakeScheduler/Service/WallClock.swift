import IntakeCore

/// The scheduler's clock: what time it is and how to wait. Injected so tests can drive time.
public protocol WallClock: Sendable {
    func now() -> Timestamp
    /// Waits until `deadline`; throws `CancellationError` when the task is cancelled.
    func sleep(until deadline: Timestamp) async throws
}

/// The real clock.
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Timestamp { Timestamp.now() }
    public func sleep(until deadline: Timestamp) async throws {
        let delta = deadline.microseconds - Timestamp.now().microseconds
        if delta > 0 { try await Task.sleep(for: .microseconds(delta)) }
    }
}
