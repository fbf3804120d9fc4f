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
}
