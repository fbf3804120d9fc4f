/// A bounded first-in first-out queue between a poll's producer (fetching, parsing and mapping
/// pages) and its consumer (saving them), so both run at once on different cores.
///
/// Back-pressure: ``send(_:)`` waits while `capacity` items are queued, so a fast producer never
/// holds more than `capacity` pages ahead of the store. One producer and one consumer.
actor PageQueue<Element: Sendable> {
    private var items: [Element] = []
    private var head = 0
    private let capacity: Int
    /// The producer is done: the consumer drains what is left, then gets an empty batch.
    private var closed = false
    /// The consumer is done (a limit stopped the poll, or saving failed): sends are refused.
    private var stopped = false
    private var waitingSenders: [CheckedContinuation<Void, Never>] = []
    private var waitingReceiver: CheckedContinuation<Void, Never>?

    init(capacity: Int) {
        precondition(capacity > 0, "a page queue needs room for at least one page")
        self.capacity = capacity
    }

    /// The number of items waiting.
    var count: Int { items.count - head }

    /// Appends `item` once there is room. Returns false, without appending, when the consumer has
    /// stopped: the producer should stop too.
    func send(_ item: Element) async -> Bool {
        while count >= capacity && !stopped {
            await withCheckedContinuation { waitingSenders.append($0) }
        }
        if stopped { return false }
        items.append(item)
        wakeReceiver()
        return true
    }

    /// Up to `limit` waiting items, oldest first, waiting for at least one; empty once the producer
    /// has closed the queue and everything is taken, or the consumer has stopped.
    func take(upTo limit: Int) async -> [Element] {
        while count == 0 && !closed && !stopped {
            await withCheckedContinuation { waitingReceiver = $0 }
        }
        if stopped { return [] }
        let n = min(limit, count)
        let batch = Array(items[head..<(head + n)])
        head += n
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        }
        wakeSenders()
        return batch
    }

    /// The producer will send nothing more.
    func close() {
        closed = true
        wakeReceiver()
    }

    /// The consumer takes nothing more: waiting and later sends return false, queued items are dropped.
    func stop() {
        stopped = true
        items.removeAll()
        head = 0
        wakeSenders()
        wakeReceiver()
    }

    private func wakeReceiver() {
        waitingReceiver?.resume()
        waitingReceiver = nil
    }

    private func wakeSenders() {
        let senders = waitingSenders
        waitingSenders.removeAll()
        for s in senders { s.resume() }
    }
}
