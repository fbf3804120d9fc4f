import IntakeCore

/// Named in-process locks for actions (seed 002's `lock`): actions that lock on one name run one
/// at a time, in arrival order; a waiter may give up after a timeout.
public actor LockRegistry {
    /// The process's registry: every lifecycle in the process shares it, so two polls of one asset never overlap.
    public static let shared = LockRegistry()

    private enum Waiter {
        case waiting(CheckedContinuation<Bool, Never>?)
        case granted
        case expired
    }

    private var held: Set<String> = []
    private var queues: [String: [UInt64]] = [:]
    private var waiters: [UInt64: Waiter] = [:]
    private var nextId: UInt64 = 0

    public init() {}

    /// Runs `body` holding lock `name`; fails with a clear error when `timeout` (seconds) passes first
    /// or the task is cancelled while waiting.
    public nonisolated func withLock<T: Sendable>(_ name: String, timeout: Double?, action: String,
                                                  _ body: () async -> T) async throws(IntakeError) -> T {
        guard await acquire(name, timeout: timeout) else {
            if Task.isCancelled { throw IntakeError(.cancelled, "'\(action)' was cancelled while waiting for lock \(name)") }
            throw IntakeError(.connector, "'\(action)' timed out after \(LockRegistry.seconds(timeout ?? 0)) waiting for lock \(name)",
                              hint: "another action holds the lock; raise lock.timeout or wait for it to finish")
        }
        let result = await body()
        await release(name)
        return result
    }

    static func seconds(_ s: Double) -> String { s == s.rounded() ? "\(Int(s))s" : "\(s)s" }

    /// Takes the lock, waiting at most `timeout` seconds (nil: until it is free); false when the wait
    /// timed out or the task was cancelled.
    public nonisolated func acquire(_ name: String, timeout: Double?) async -> Bool {
        guard let id = await enqueue(name) else { return true }
        // The waiter and a sleeper race in a structured group; the sleeper also wakes on cancellation.
        // Expiring a waiter that was already granted is a no-op, so the sleeper may always expire it.
        let seconds = min(max(0, timeout ?? 1e9), 1e9)
        return await withTaskGroup(of: Bool?.self) { group in
            group.addTask { await self.wait(id) }
            group.addTask {
                try? await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
                await self.expire(id, name)
                return nil
            }
            var outcome = false
            while let r = await group.next() {
                if let r {
                    outcome = r
                    group.cancelAll()
                    break
                }
            }
            return outcome
        }
    }

    /// Releases the lock, handing it to the oldest waiter still waiting.
    public func release(_ name: String) {
        var queue = queues[name] ?? []
        while !queue.isEmpty {
            let id = queue.removeFirst()
            switch waiters[id] {
            case .waiting(let c)?:
                waiters[id] = .granted
                queues[name] = queue
                c?.resume(returning: true)
                if c != nil { waiters[id] = nil }
                return
            default:
                waiters[id] = nil
            }
        }
        queues[name] = nil
        held.remove(name)
    }

    /// True when someone holds `name` (for tests and status).
    public func isHeld(_ name: String) -> Bool { held.contains(name) }

    /// True when someone waits for `name`.
    public func hasWaiters(_ name: String) -> Bool { !(queues[name]?.isEmpty ?? true) }

    /// Takes the lock at once (nil) or queues a waiter and returns its id.
    private func enqueue(_ name: String) -> UInt64? {
        if !held.contains(name) {
            held.insert(name)
            return nil
        }
        nextId += 1
        waiters[nextId] = .waiting(nil)
        queues[name, default: []].append(nextId)
        return nextId
    }

    private func wait(_ id: UInt64) async -> Bool {
        switch waiters[id] {
        case .granted?:
            waiters[id] = nil
            return true
        case .expired?, nil:
            waiters[id] = nil
            return false
        case .waiting?:
            return await withCheckedContinuation { c in waiters[id] = .waiting(c) }
        }
    }

    private func expire(_ id: UInt64, _ name: String) {
        guard case .waiting(let c)? = waiters[id] else { return }
        queues[name]?.removeAll { $0 == id }
        if let c {
            waiters[id] = nil
            c.resume(returning: false)
        } else {
            waiters[id] = .expired
        }
    }
}
