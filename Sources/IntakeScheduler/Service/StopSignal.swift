import Foundation

/// A flag a poll checks between pages: set on shutdown or when the poll's timeout passes, it makes
/// the poll stop after the page it is saving (committed), leaving the checkpoint where it was.
public final class StopSignal: @unchecked Sendable {
    // @unchecked: the one mutable field is only read and written under `lock`.
    private let lock = NSLock()
    private var reason: String?

    public init() {}

    /// Asks the poll to stop; the first reason wins.
    public func stop(_ why: String) {
        lock.lock()
        if reason == nil { reason = why }
        lock.unlock()
    }

    /// Why the poll was asked to stop, or nil.
    public var stopReason: String? {
        lock.lock()
        defer { lock.unlock() }
        return reason
    }

    public var isStopped: Bool { stopReason != nil }
}
