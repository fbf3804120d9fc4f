import IntakeCore
import IntakeStore
import Logging

extension Scheduler {
    /// The lease name of an asset's scheduled polls.
    static func leaseName(_ asset: String) -> String { "poll:" + asset }

    /// Claims the asset's lease, polls it while renewing the lease, and hands the lease back so that
    /// it keeps other processes off this fire. Returns false when another process holds the lease.
    func pollClaimed(_ name: String, fire: Timestamp, stop: StopSignal) async -> Bool {
        // How late the poll starts after its fire time: the scheduler's precision, logged with the
        // poll and observed (metrics: `intake_schedule_delay_seconds`).
        let delay = IntakeDuration(microseconds: max(0, clock.now().microseconds - fire.microseconds))
        for observer in settings.observers { observer.fired(asset: name, at: fire, delay: delay) }
        var assetLogger = logger
        assetLogger[metadataKey: "asset"] = "\(name)"
        assetLogger[metadataKey: "fire_delay_ms"] = "\(delay.microseconds / 1000)"
        let log = assetLogger
        let lease = Scheduler.leaseName(name)
        let holder = settings.holder
        do {
            guard try await store.claimLease(name: lease, holder: holder, duration: settings.leaseTime) else {
                log.debug("another process holds the asset's lease; skipping this fire")
                return false
            }
        } catch {
            log.error("cannot claim the asset's lease", metadata: ["error": "\(error)"])
            return false
        }
        let started = clock.now()
        await withTaskGroup(of: Void.self) { group in
            let clock = self.clock, store = self.store, settings = self.settings
            // Renew the lease while the poll runs, and stop the poll when its timeout passes.
            // Once the timeout has passed (or the lease is lost) the poll is told once and the task
            // goes on renewing every third of the lease time until the poll has saved its page:
            // waking at the passed deadline again would renew and warn without ever sleeping.
            group.addTask {
                let deadline = started.adding(settings.pollTimeout)
                let every = IntakeDuration(microseconds: max(settings.leaseTime.microseconds / 3, 1000))
                var timedOut = false, lost = false
                while !Task.isCancelled {
                    let next = clock.now().adding(every)
                    do { try await clock.sleep(until: timedOut ? next : min(next, deadline)) } catch { return }
                    if !timedOut && clock.now() >= deadline {
                        timedOut = true
                        stop.stop("the poll ran longer than poll_timeout (\(settings.pollTimeout))")
                        log.warning("poll timed out; it stops after the page it is saving")
                    }
                    let held = (try? await store.renewLease(name: lease, holder: holder, duration: settings.leaseTime)) ?? false
                    if !held && !lost {
                        lost = true
                        stop.stop("the asset's lease was lost")
                        log.warning("lost the asset's lease; the poll stops after the page it is saving")
                    }
                }
            }
            var runner = PollRunner(loader: loader, service: service, store: store, logger: logger, clock: { clock.now() })
            runner.shouldStop = { stop.isStopped }
            runner.observers = settings.observers
            let result = await runner.poll(assetName: name, options: PollOptions(mode: .scheduled))
            for r in result.actionResults {
                log.log(level: r.status == .success ? .info : .error, "scheduled poll: \(r.status.rawValue): \(r.message)")
            }
            group.cancelAll()
        }
        // Keep the lease until shortly before the next fire, so no other process repeats this one.
        let now = clock.now()
        var hold = IntakeDuration.zero
        if let table = try? loader.asset(named: name).ingest.schedule,
           let schedule = try? Schedule(settings: table, asset: name), let next = schedule.next(after: started) {
            hold = IntakeDuration(microseconds: max(0, next.microseconds - now.microseconds - settings.tick.microseconds * 2))
        }
        do {
            try await store.releaseLease(name: lease, holder: holder, keepFor: hold)
        } catch {
            log.warning("cannot release the asset's lease; it expires on its own", metadata: ["error": "\(error)"])
        }
        return true
    }
}
