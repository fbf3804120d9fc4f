import IntakeCore
import IntakeStore
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// `intake run`'s scheduler: polls every enabled asset with a schedule when it is due, at most
/// `concurrency` at once, never one asset twice at once, each within `pollTimeout`. With a shared
/// PostgreSQL store, several processes share the assets through leases: a due poll is done by the
/// process that claims the asset's lease. SIGHUP reloads the assets; graceful shutdown (SIGTERM,
/// SIGINT through the `ServiceGroup`) stops each running poll after the page it is saving.
public struct Scheduler: Service {
    /// Settings of the scheduler, with defaults suited to a service.
    public struct Settings: Sendable {
        /// The longest the loop sleeps: it wakes at the next fire time, and at least this often to
        /// catch fires that moved earlier while it slept.
        public var tick = IntakeDuration(microseconds: 100_000)
        /// How long a claimed lease lasts without renewal; a dead process's assets wait at most this long.
        public var leaseTime: IntakeDuration = .seconds(30)
        /// Longest one poll may run before it is asked to stop after its current page.
        public var pollTimeout: IntakeDuration = .hours(1)
        /// Reload the assets on SIGHUP.
        public var reloadOnSIGHUP = true
        /// This process's name in the leases table.
        public var holder: String
        /// Told about every poll (metrics); none by default.
        public var observers: [any PollObserver] = []

        public init(holder: String) { self.holder = holder }
    }

    enum Event: Sendable {
        case tick
        case reload
        case finished(String)
        case skipped(String)
        case shutdown
    }

    public let loader: ConfigLoader
    public let service: ServiceConfiguration
    public let store: any Store
    public let logger: Logger
    public let clock: any WallClock
    public let settings: Settings

    public init(loader: ConfigLoader, service: ServiceConfiguration, store: any Store, logger: Logger,
                clock: any WallClock = SystemWallClock(), settings: Settings) {
        self.loader = loader
        self.service = service
        self.store = store
        self.logger = logger
        self.clock = clock
        self.settings = settings
    }

    public func run() async throws {
        let events = SchedulerEvents()
        var table = ScheduleTable()
        await reload(&table)
        // The next fire time, published by the loop for the timer task.
        let wake = NextWake()
        logger.info("scheduler started", metadata: ["assets": "\(table.entries.count)", "concurrency": "\(service.concurrency)",
                                                    "holder": "\(settings.holder)"])
        await withGracefulShutdownHandler {
            // A discarding group: a plain task group keeps every finished child task until it is
            // awaited, and this one starts a task per poll for as long as the service runs (about
            // 40 KB kept per poll: 1.6 GB after 38,000 polls of 10,000 assets).
            await withDiscardingTaskGroup { group in
                let clock = self.clock, tick = settings.tick
                group.addTask {
                    // The wake time this timer last ticked for, once it had come.
                    var ticked: Timestamp? = nil
                    while !Task.isCancelled {
                        let now = clock.now(), time = wake.time.withLock { $0 }
                        let until = Scheduler.timerDeadline(now: now, wake: time, ticked: ticked, tick: tick)
                        do { try await clock.sleep(until: until) } catch { return }
                        if let time, time <= until { ticked = time }
                        events.send(.tick)
                    }
                }
                if settings.reloadOnSIGHUP {
                    group.addTask {
                        for await _ in await UnixSignalsSequence(trapping: .sighup) { events.send(.reload) }
                    }
                }
                // Look for due polls at once, not only after the first tick.
                events.send(.tick)
                var inFlight: [String: StopSignal] = [:]
                var stopping = false
                for await event in events {
                    switch event {
                    case .tick:
                        break
                    case .reload:
                        logger.info("reloading the configuration")
                        await reload(&table)
                    case .finished(let name):
                        inFlight[name] = nil
                        table.finished(name, now: clock.now())
                    case .skipped(let name):
                        inFlight[name] = nil
                        table.skipped(name, now: clock.now())
                    case .shutdown:
                        stopping = true
                        logger.info("shutting down: running polls stop after the page they are saving",
                                    metadata: ["running": "\(inFlight.count)"])
                        for signal in inFlight.values { signal.stop("the service is shutting down") }
                    }
                    if stopping {
                        // Nothing fires any more. The wake time must not be left at a fire that
                        // has passed: the timer would tick without sleeping until the last poll
                        // ends, and those ticks kept the polls themselves from running.
                        wake.time.withLock { $0 = nil }
                        if inFlight.isEmpty { break }
                        continue
                    }
                    let free = service.concurrency - inFlight.count
                    if free > 0 {
                        for name in table.takeDue(now: clock.now(), limit: free) {
                            let signal = StopSignal()
                            inFlight[name] = signal
                            let fire = table.entries[name]?.running ?? clock.now()
                            group.addTask {
                                let polled = await self.pollClaimed(name, fire: fire, stop: signal)
                                events.send(polled ? .finished(name) : .skipped(name))
                            }
                        }
                    }
                    // With every slot taken (counted after the polls just started) the next fire
                    // waits for a finished poll, not the timer: a due fire left waiting for a slot
                    // would otherwise wake the timer at once, again and again.
                    let next = service.concurrency > inFlight.count ? table.nextWake : nil
                    wake.time.withLock { $0 = next }
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            events.send(.shutdown)
        }
        logger.info("scheduler stopped")
    }

    /// Until when the loop's timer sleeps before its next tick: the wake time the loop published,
    /// at most `tick` away. A wake time already ticked for and still published means the loop has
    /// not yet taken that fire (the tick is waiting for it): the timer looks again in a moment
    /// rather than spinning, which took a core from the loop itself.
    static func timerDeadline(now: Timestamp, wake: Timestamp?, ticked: Timestamp?, tick: IntakeDuration) -> Timestamp {
        let cap = now.adding(tick)
        guard let wake else { return cap }
        if wake <= now && wake == ticked { return now.adding(SchedulerEvents.recheck) }
        return max(now, min(wake, cap))
    }

    /// Re-reads the asset files: new ones are scheduled, changed ones rescheduled, removed or disabled
    /// ones dropped. A broken asset file is logged and skipped; the others keep running.
    func reload(_ table: inout ScheduleTable) async {
        let now = clock.now()
        var seen = Set<String>()
        for name in loader.assetNames() {
            let asset: AssetConfiguration
            let schedule: Schedule
            do {
                asset = try loader.asset(named: name)
                guard asset.ingest.enabled, let settings = asset.ingest.schedule else { continue }
                schedule = try Schedule(settings: settings, asset: asset.name, location: asset.file)
            } catch {
                logger.error("asset not scheduled", metadata: ["asset": "\(name)", "error": "\(error)"])
                continue
            }
            seen.insert(name)
            let lastSuccess = try? await store.checkpoint(asset: name)?.lastSuccess
            table.set(asset, schedule: schedule, lastSuccess: lastSuccess ?? nil, now: now)
        }
        for name in table.entries.keys where !seen.contains(name) {
            logger.info("asset no longer scheduled", metadata: ["asset": "\(name)"])
            table.remove(name)
        }
    }
}

/// The scheduler loop's next fire time, shared with its timer task.
private final class NextWake: Sendable {
    let time = Mutex<Timestamp?>(nil)
}
