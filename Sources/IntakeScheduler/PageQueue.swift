import Synchronization

/// A bounded first-in first-out queue between a poll's producer (fetching, parsing and mapping
/// pages) and its consumer (saving them), so both run at once on different cores.
///
/// Back-pressure: ``send(_:)`` waits while `capacity` items are queued, so a fast producer never
/// holds more than `capacity` pages ahead of the store. One producer and one consumer.
///
/// The state sits behind a lock rather than in an actor so that the consumer can also take what
/// is already waiting without suspending (``takeWaiting()``): a store's writer does that from
/// inside an open transaction, on a thread that cannot await.
final class PageQueue<Element: Sendable>: Sendable {
    private struct State {
        /// At most `capacity` items (a handful of pages): removing from the front is cheap, and
        /// nothing taken stays referenced here.
        var items: [Element] = []
        /// The producer is done: the consumer drains what is left, then gets an empty batch.
        var closed = false
        /// The consumer is done (a limit stopped the poll, or saving failed): sends are refused.
        var stopped = false
        var waitingSenders: [CheckedContinuation<Void, Never>] = []
        var waitingReceiver: CheckedContinuation<Void, Never>?

        var count: Int { items.count }

        mutating func removeFirst(_ n: Int) -> [Element] {
            defer { items.removeFirst(n) }
            return Array(items.prefix(n))
        }

        /// The senders to resume now that there may be room (resumed outside the lock).
        mutating func takeSenders() -> [CheckedContinuation<Void, Never>] {
            defer { waitingSenders.removeAll() }
            return waitingSenders
        }
    }

    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0, "a page queue needs room for at least one page")
        self.capacity = capacity
    }

    /// The number of items waiting.
    var count: Int { state.withLock { $0.count } }

    /// Appends `item` once there is room. Returns false, without appending, when the consumer has
    /// stopped: the producer should stop too.
    func send(_ item: Element) async -> Bool {
        while true {
            let sent: (Bool, CheckedContinuation<Void, Never>?)? = state.withLock { s in
                if s.stopped { return (false, nil) }
                guard s.count < capacity else { return nil }
                s.items.append(item)
                defer { s.waitingReceiver = nil }
                return (true, s.waitingReceiver)
            }
            if let (ok, receiver) = sent {
                receiver?.resume()
                return ok
            }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                // Room may have appeared between the check above and now: look again before waiting.
                let waits = state.withLock { s in
                    guard s.count >= capacity && !s.stopped else { return false }
                    s.waitingSenders.append(c)
                    return true
                }
                if !waits { c.resume() }
            }
        }
    }

    /// Up to `limit` waiting items, oldest first, waiting for at least one; empty once the producer
    /// has closed the queue and everything is taken, or the consumer has stopped.
    func take(upTo limit: Int) async -> [Element] {
        while true {
            let taken: (batch: [Element], senders: [CheckedContinuation<Void, Never>])? = state.withLock { s in
                if s.stopped { return ([], []) }
                if s.count == 0 && !s.closed { return nil }
                return (s.removeFirst(min(limit, s.count)), s.takeSenders())
            }
            if let taken {
                for c in taken.senders { c.resume() }
                return taken.batch
            }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let waits = state.withLock { s in
                    guard s.count == 0 && !s.closed && !s.stopped else { return false }
                    s.waitingReceiver = c
                    return true
                }
                if !waits { c.resume() }
            }
        }
    }

    /// The oldest waiting item, or nil when none is waiting; never waits.
    func takeWaiting() -> Element? {
        let taken: (item: Element, senders: [CheckedContinuation<Void, Never>])? = state.withLock { s in
            guard !s.stopped && s.count > 0 else { return nil }
            return (s.items.removeFirst(), s.takeSenders())
        }
        guard let taken else { return nil }
        for c in taken.senders { c.resume() }
        return taken.item
    }

    /// The producer will send nothing more.
    func close() {
        let receiver = state.withLock { s in
            s.closed = true
            defer { s.waitingReceiver = nil }
            return s.waitingReceiver
        }
        receiver?.resume()
    }

    /// The consumer takes nothing more: waiting and later sends return false, queued items are dropped.
    func stop() {
        let (senders, receiver) = state.withLock { s in
            s.stopped = true
            s.items.removeAll()
            defer { s.waitingReceiver = nil }
            return (s.takeSenders(), s.waitingReceiver)
        }
        for c in senders { c.resume() }
        receiver?.resume()
    }
}
