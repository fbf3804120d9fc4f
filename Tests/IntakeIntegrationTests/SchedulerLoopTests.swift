import Foundation
import IntakeCore
import IntakeScheduler
import IntakeStore
import Logging
import ServiceLifecycle
import Testing

/// A clock the test moves by hand: sleepers wake only when it is advanced past their deadline.
final class ManualClock: WallClock, @unchecked Sendable {
    // @unchecked: `current` and `sleepers` are only touched under `lock`.
    private let lock = NSLock()
    private var current: Timestamp
    private var sleepers: [(deadline: Timestamp, id: UUID, continuation: CheckedContinuation<Void, any Error>)] = []
    private var immediate = 0

    /// Sleeps asked for a time already reached, which return at once.
    var immediateWakes: Int {
        lock.lock()
        defer { lock.unlock() }
        return immediate
    }

    init(_ start: Timestamp) { current = start }

    func now() -> Timestamp {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    func sleep(until deadline: Timestamp) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                lock.lock()
                if deadline <= current || Task.isCancelled {
                    if deadline <= current { immediate += 1 }
                    lock.unlock()
                    c.resume()
                    return
                }
                sleepers.append((deadline, id, c))
                lock.unlock()
            }
        } onCancel: {
            lock.lock()
            let cancelled = sleepers.filter { $0.id == id }
            sleepers.removeAll { $0.id == id }
            lock.unlock()
            for s in cancelled { s.continuation.resume(throwing: CancellationError()) }
        }
        try Task.checkCancellation()
    }

    func advance(by d: IntakeDuration) {
        lock.lock()
        current = current.adding(d)
        let now = current
        let due = sleepers.filter { $0.deadline <= now }
        sleepers.removeAll { $0.deadline <= now }
        lock.unlock()
        for s in due { s.continuation.resume() }
    }
}

/// The scheduler loop in process with an injected clock: a real file asset, a real SQLite store.
@Suite("scheduler loop with an injected clock", .serialized)
struct SchedulerLoopTests {
    /// One second past the last whole minute: one-minute interval schedules fire on whole minutes,
    /// so the clock moves a few seconds in these tests without reaching a fire.
    static func justAfterAMinute() -> Timestamp {
        Timestamp(microseconds: Timestamp.now().microseconds / 60_000_000 * 60_000_000 + 1_000_000)
    }

    static func line(_ id: String, at time: Timestamp) -> String { #"{"id": "\#(id)", "time": "\#(time.iso8601)"}"# + "\n" }

    @Test("polls at once, then at each fire of its schedule, windows end to end; graceful shutdown ends the loop")
    func loop() async throws {
        let t0 = Timestamp.now()
        let f = try FileAsset("path: logs/events.ndjson\ntimestamp_field: time")
        defer { f.asset.remove() }
        let assetFile = f.directory + "/assets/feed.yaml"
        try (String(contentsOfFile: assetFile, encoding: .utf8) + "\n  schedule: { interval: 1m }\n")
            .write(toFile: assetFile, atomically: true, encoding: .utf8)
        try f.write("events.ndjson", (1...3).map { Self.line("r\($0)", at: t0.subtracting(.minutes(5))) }.joined())

        let clock = ManualClock(t0)
        let loader = ConfigLoader(directory: f.directory)
        let store = try await SQLiteStore(path: f.asset.storePath)
        var settings = Scheduler.Settings(holder: "test")
        settings.tick = .seconds(1)
        settings.reloadOnSIGHUP = false
        let scheduler = Scheduler(loader: loader, service: try loader.service(), store: store, logger: Logger(label: "test"),
                                  clock: clock, settings: settings)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [scheduler], logger: Logger(label: "test")))

        func runs() async throws -> [PollRun] {
            try await store.runs(asset: "feed", limit: 100).filter { $0.status == "success" }.sorted { $0.id < $1.id }
        }
        func waitForRuns(_ n: Int) async throws {
            var waited = 0
            while try await runs().count < n && waited < 3000 {
                try await Task.sleep(for: .milliseconds(10))
                waited += 1
            }
        }

        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // A new asset is polled at once.
            try await waitForRuns(1)
            #expect(try await runs().count == 1)
            #expect(try await store.artifacts(ArtifactQuery()).count == 3)

            // Nothing more until its next fire, however often the loop ticks.
            try f.append("events.ndjson", Self.line("r4", at: t0.adding(.seconds(30))) + Self.line("r5", at: t0.adding(.seconds(40))))
            let nextFire = try #require(Schedule(kind: .interval(.minutes(1))).next(after: t0))
            let beforeFire = IntakeDuration(microseconds: nextFire.microseconds - t0.microseconds - 1_000_000)
            clock.advance(by: beforeFire)
            clock.advance(by: .zero)
            #expect(try await runs().count == 1)

            clock.advance(by: .seconds(62))
            try await waitForRuns(2)
            let polled = try await runs()
            #expect(polled.count == 2)
            #expect(polled.last?.windowStart == polled.first?.windowEnd, "the second window starts where the first ended")
            #expect(try await store.artifacts(ArtifactQuery()).count == 5)

            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        await store.close()
    }

    /// Assets `names` on one-minute schedules whose one request waits 2 s at a loopback server; the
    /// scheduler runs over them with a manual clock and captured logs while `body` drives it.
    static func withHangingAssets(_ names: [String], concurrency: Int = 4, configure: (inout Scheduler.Settings) -> Void,
                                  _ body: (ManualClock, LogCapture, ServiceGroup, APIServer) async throws -> Void) async throws -> [PollRun] {
        let server = try APIServer(records: apiRecords(1), tls: false)
        defer { server.stop() }
        let a = try AssetDirectory(name: names[0], configuration: "base_url: \(server.baseURL)\npath: /hang?seconds=2\npagination: none")
        defer { a.remove() }
        let text = try String(contentsOfFile: a.directory + "/assets/\(names[0]).yaml", encoding: .utf8) + "\n  schedule: { interval: 1m }\n"
        for name in names {
            try text.replacingOccurrences(of: "name: \(names[0])", with: "name: \(name)")
                .write(toFile: a.directory + "/assets/\(name).yaml", atomically: true, encoding: .utf8)
        }
        try "store: sqlite://data/intake.sqlite\nconcurrency: \(concurrency)\n"
            .write(toFile: a.directory + "/intake.yaml", atomically: true, encoding: .utf8)

        let clock = ManualClock(Self.justAfterAMinute())
        let loader = ConfigLoader(directory: a.directory)
        let store = try await SQLiteStore(path: a.storePath)
        var settings = Scheduler.Settings(holder: "test")
        settings.reloadOnSIGHUP = false
        configure(&settings)
        let logs = LogCapture()
        let scheduler = Scheduler(loader: loader, service: try loader.service(), store: store, logger: logs.logger(),
                                  clock: clock, settings: settings)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [scheduler], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await waitFor("a poll is waiting on the server") { server.requests.contains { $0.contains("/hang") } }
            try await body(clock, logs, group, server)
            try await tasks.waitForAll()
        }
        let runs = try await store.runs(asset: nil, limit: 10)
        await store.close()
        return runs
    }

    static func waitFor(_ what: String, _ condition: () -> Bool) async throws {
        for _ in 0..<3000 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
        #expect(condition(), "\(what)")
    }

    @Test("a shutdown while a fire waits for a slot: the timer sleeps, no poll starts, the loop ends with the last poll")
    func shutdownWithWaitingFire() async throws {
        // Two assets due at once and one slot: the second waits, its fire already past.
        var wakes = -1, text = ""
        let runs = try await Self.withHangingAssets(["slow-a", "slow-b"], concurrency: 1, configure: { $0.tick = .seconds(1) }) {
            clock, logs, group, _ in
            await group.triggerGracefulShutdown()
            try await Self.waitFor("the loop took the shutdown") { logs.text.contains("shutting down") }
            // The timer wakes from its first sleep. Before the fix it found the waiting fire's time
            // (already past) and ticked without sleeping until the running poll ended.
            clock.advance(by: .seconds(1))
            try await Self.waitFor("the poll finished") { logs.text.contains("scheduled poll:") }
            wakes = clock.immediateWakes
            text = logs.text
        }
        #expect(wakes == 0, "the timer never woke at once after the shutdown")
        #expect(!text.contains("slow-b"), "the waiting fire did not start after the shutdown: \(text)")
        #expect(runs.map(\.asset) == ["slow-a"])
    }

    @Test("a poll past poll_timeout is told once and stops after its page; the lease task goes back to sleeping")
    func pollTimeout() async throws {
        var wakes = -1, text = ""
        let runs = try await Self.withHangingAssets(["slow"], configure: { $0.tick = .seconds(5); $0.pollTimeout = .seconds(1) }) {
            clock, logs, group, _ in
            clock.advance(by: .seconds(2))  // past the timeout, while the poll still waits for its page
            try await Self.waitFor("the poll finished") { logs.text.contains("scheduled poll:") }
            wakes = clock.immediateWakes
            text = logs.text
            await group.triggerGracefulShutdown()
        }
        #expect(text.components(separatedBy: "poll timed out").count == 2, "warned once: \(text)")
        #expect(wakes == 0, "nothing woke at once: the lease task slept after the timeout")
        #expect(runs.map(\.status) == ["success"], "the page in hand was saved: \(runs) \(text)")
    }
}
