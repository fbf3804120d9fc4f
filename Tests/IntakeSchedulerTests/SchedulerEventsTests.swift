import IntakeCore
@testable import IntakeScheduler
import Testing

@Suite("The scheduler loop's inbox")
struct SchedulerEventsTests {
    static func names(_ events: [Scheduler.Event]) -> [String] {
        events.map { e in
            switch e {
            case .tick: return "tick"
            case .reload: return "reload"
            case .finished(let n): return "finished:\(n)"
            case .skipped(let n): return "skipped:\(n)"
            case .shutdown: return "shutdown"
            }
        }
    }

    @Test("events come out in the order sent; a tick already waiting is not queued twice")
    func orderAndTicks() async {
        let inbox = SchedulerEvents()
        inbox.send(.tick)
        inbox.send(.finished("a"))
        inbox.send(.tick)
        inbox.send(.skipped("b"))
        inbox.send(.reload)
        #expect(Self.names(await inbox.take()) == ["tick", "finished:a", "skipped:b", "reload"])
        // Once the loop has taken the tick, the next one is queued again.
        inbox.send(.tick)
        inbox.send(.shutdown)
        inbox.send(.tick)
        #expect(Self.names(await inbox.take()) == ["tick", "shutdown"])
    }

    @Test("the loop waits for the next event, and gets every event sent from many tasks")
    func waitsAndGetsAll() async {
        let inbox = SchedulerEvents()
        async let first = inbox.take()
        try? await Task.sleep(for: .milliseconds(50))
        inbox.send(.finished("late"))
        #expect(Self.names(await first) == ["finished:late"])

        await withTaskGroup(of: Void.self) { group in
            for i in 0..<200 { group.addTask { inbox.send(.finished("p\(i)")) } }
        }
        var seen: [String] = []
        var iterator = inbox.makeAsyncIterator()
        while seen.count < 200, let e = await iterator.next() { seen += Self.names([e]) }
        #expect(Set(seen) == Set((0..<200).map { "finished:p\($0)" }))
    }
}

@Suite("The scheduler's timer")
struct SchedulerTimerTests {
    static let now = Timestamp(microseconds: 1_800_000_000_000_000)
    static let tick = IntakeDuration(microseconds: 100_000)

    @Test("it sleeps until the next fire, at most a tick; a fire it already ticked for is looked at again shortly, not at once")
    func deadlines() {
        let now = Self.now, tick = Self.tick
        #expect(Scheduler.timerDeadline(now: now, wake: nil, ticked: nil, tick: tick) == now.adding(tick))
        #expect(Scheduler.timerDeadline(now: now, wake: now.adding(.seconds(5)), ticked: nil, tick: tick) == now.adding(tick))
        let soon = now.adding(IntakeDuration(microseconds: 30_000))
        #expect(Scheduler.timerDeadline(now: now, wake: soon, ticked: nil, tick: tick) == soon)
        // A fire that has come and not been ticked for: at once.
        let past = now.subtracting(IntakeDuration(microseconds: 5_000))
        #expect(Scheduler.timerDeadline(now: now, wake: past, ticked: nil, tick: tick) == now)
        #expect(Scheduler.timerDeadline(now: now, wake: past, ticked: now.subtracting(.seconds(60)), tick: tick) == now)
        // The same fire again while the loop has not yet taken it: not at once (that was a busy loop).
        #expect(Scheduler.timerDeadline(now: now, wake: past, ticked: past, tick: tick) == now.adding(SchedulerEvents.recheck))
        #expect(SchedulerEvents.recheck.microseconds > 0 && SchedulerEvents.recheck < tick)
    }
}

@Suite("The scheduler loop's inbox and cancellation")
struct SchedulerEventsCancellationTests {
    @Test("a loop waiting for events ends when its task is cancelled, whether it was waiting already or not")
    func cancellationEndsTheLoop() async {
        let inbox = SchedulerEvents()
        let waiting = Task { () -> Int in
            var n = 0
            for await _ in inbox { n += 1 }
            return n
        }
        inbox.send(.reload)
        try? await Task.sleep(for: .milliseconds(50))  // the loop has taken the event and waits again
        waiting.cancel()
        #expect(await waiting.value == 1)

        let cancelledFirst = Task { () -> Int in
            withUnsafeCurrentTask { $0?.cancel() }
            var n = 0
            for await _ in inbox { n += 1 }
            return n
        }
        #expect(await cancelledFirst.value == 0)
    }
}
