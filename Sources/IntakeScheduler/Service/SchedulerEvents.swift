import IntakeCore
import Synchronization

/// The scheduler loop's inbox: the timer, SIGHUP, shutdown and every finished poll send events;
/// the loop alone receives them, in the order sent.
///
/// It replaces an `AsyncStream`: the standard library's stream is generic code that is not
/// specialised for the caller, and in a 10,000-asset fleet its buffer handling (runtime generic
/// metadata look-ups on every event), with the timer's ticks, took about a fifth of the service's
/// CPU. Here an event costs a lock, an append and, when the loop is waiting, one resumption. A
/// tick already waiting is not queued again: the loop looks for due polls after every event anyway.
final class SchedulerEvents: Sendable, AsyncSequence {
    typealias Element = Scheduler.Event

    private struct State {
        var items: [Scheduler.Event] = []
        var tickWaiting = false
        var receiver: UnsafeContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// How soon the timer looks again at a wake time it has already ticked for, while the loop is
    /// still busy with that tick.
    static let recheck = IntakeDuration(microseconds: 1_000)

    /// Queues an event and wakes the loop if it is waiting.
    func send(_ event: Scheduler.Event) {
        let receiver: UnsafeContinuation<Void, Never>? = state.withLock { s in
            if case .tick = event {
                if s.tickWaiting { return nil }
                s.tickWaiting = true
            }
            s.items.append(event)
            defer { s.receiver = nil }
            return s.receiver
        }
        receiver?.resume()
    }

    /// Every waiting event, oldest first, waiting for one when there is none; empty only when the
    /// task is cancelled (then the loop ends, as it would at the end of an `AsyncStream`).
    func take() async -> [Scheduler.Event] {
        while true {
            let batch: [Scheduler.Event] = state.withLock { s in
                guard !s.items.isEmpty else { return [] }
                s.tickWaiting = false
                defer { s.items = [] }
                return s.items
            }
            if !batch.isEmpty { return batch }
            if Task.isCancelled { return [] }
            await withTaskCancellationHandler {
                await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in
                    // An event or a cancellation may have come since the looks above: look again
                    // (under the lock the cancellation handler takes too) before waiting.
                    let waits = state.withLock { s in
                        guard s.items.isEmpty && !Task.isCancelled else { return false }
                        s.receiver = c
                        return true
                    }
                    if !waits { c.resume() }
                }
            } onCancel: {
                let receiver = state.withLock { s in
                    defer { s.receiver = nil }
                    return s.receiver
                }
                receiver?.resume()
            }
        }
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let events: SchedulerEvents
        var batch: [Scheduler.Event] = []
        var at = 0

        /// The next event; nil once the task is cancelled.
        mutating func next() async -> Scheduler.Event? {
            if at == batch.count {
                batch = await events.take()
                at = 0
                if batch.isEmpty { return nil }
            }
            defer { at += 1 }
            return batch[at]
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(events: self) }
}
