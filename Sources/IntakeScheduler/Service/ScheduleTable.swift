import HeapModule
import IntakeCore

/// Which asset polls when: the scheduler's decisions, without I/O or a clock of its own.
///
/// - An asset never seen before, or one that missed a fire while the service was down, is due at
///   once: one catch-up poll, whose window covers the whole gap.
/// - An asset is never polled twice at once; a fire that passes while it runs is not doubled: one
///   poll starts right after it ends. A fire that passed before a late poll started (every slot was
///   busy) is covered by that poll's window and does not poll again.
public struct ScheduleTable: Sendable {
    public struct Entry: Sendable {
        public var schedule: Schedule
        /// The asset configuration it was built from, to tell a changed asset on reload.
        public var asset: AssetConfiguration
        /// The next fire time.
        public var next: Timestamp?
        /// The fire time of the poll running now, if one runs.
        public var running: Timestamp?
        /// When the poll running now was taken: later than its fire when it waited for a slot.
        public var started: Timestamp?
    }

    public private(set) var entries: [String: Entry] = [:]
    /// How many polls run now.
    public private(set) var runningCount = 0
    /// Fire times of assets, earliest first, so finding what is due costs O(log n) per poll rather
    /// than a scan of every asset (10,000 assets on one-minute schedules fire 167 times a second).
    /// An item whose asset has since changed, started running or gone is stale and skipped when met.
    private var queue = Heap<Pending>()

    struct Pending: Comparable, Sendable {
        let fire: Timestamp
        let name: String
        static func < (a: Pending, b: Pending) -> Bool { (a.fire, a.name) < (b.fire, b.name) }
    }

    public init() {}

    private func isCurrent(_ item: Pending) -> Bool {
        guard let entry = entries[item.name] else { return false }
        return entry.running == nil && entry.next == item.fire
    }

    private mutating func enqueue(_ name: String) {
        if let entry = entries[name], entry.running == nil, let next = entry.next { queue.insert(Pending(fire: next, name: name)) }
    }

    /// Drops stale items from the front of the queue.
    private mutating func prune() {
        while let top = queue.min, !isCurrent(top) { queue.removeMin() }
    }

    /// The first fire of a newly scheduled asset: now when it never succeeded or missed a fire since
    /// its last success, else its next fire.
    public static func firstFire(_ schedule: Schedule, lastSuccess: Timestamp?, now: Timestamp) -> Timestamp? {
        guard let lastSuccess else { return now }
        guard let missed = schedule.next(after: lastSuccess) else { return nil }
        return missed <= now ? now : missed
    }

    /// Adds or replaces an asset's schedule. An unchanged asset keeps its next fire; a running poll
    /// stays marked as running.
    public mutating func set(_ asset: AssetConfiguration, schedule: Schedule, lastSuccess: Timestamp?, now: Timestamp) {
        if let old = entries[asset.name], old.asset == asset { return }
        let running = entries[asset.name]?.running
        var next = ScheduleTable.firstFire(schedule, lastSuccess: lastSuccess, now: now)
        if entries[asset.name] != nil, lastSuccess != nil { next = schedule.next(after: now) }  // changed: its new schedule from now
        entries[asset.name] = Entry(schedule: schedule, asset: asset, next: next, running: running)
        enqueue(asset.name)
    }

    /// Forgets an asset; a poll of it that is running finishes on its own.
    public mutating func remove(_ name: String) {
        if entries[name]?.running != nil { runningCount -= 1 }
        entries[name] = nil
    }

    /// The names of the assets due at `now` and not running, earliest fire first, at most `limit`;
    /// they are marked as running.
    public mutating func takeDue(now: Timestamp, limit: Int) -> [String] {
        var due: [String] = []
        while due.count < limit, let top = queue.min, top.fire <= now {
            queue.removeMin()
            guard isCurrent(top) else { continue }
            entries[top.name]?.running = top.fire
            entries[top.name]?.started = now
            runningCount += 1
            due.append(top.name)
        }
        return due
    }

    /// A poll ended at `now`: the next fire is the first one after the poll started (its window
    /// reached that far); if that passed while the poll ran, the asset is due once, now.
    public mutating func finished(_ name: String, now: Timestamp) {
        guard var entry = entries[name] else { return }
        let fired = entry.running ?? now
        if entry.running != nil { runningCount -= 1 }
        let from = max(fired, entry.started ?? fired, entry.next ?? fired)
        entry.running = nil
        entry.started = nil
        if let next = entry.schedule.next(after: from) {
            entry.next = next <= now ? now : next
        } else {
            entry.next = nil
        }
        entries[name] = entry
        enqueue(name)
    }

    /// A fire was skipped (another process holds the asset's lease): the next one after it.
    public mutating func skipped(_ name: String, now: Timestamp) {
        finished(name, now: now)
        if let entry = entries[name], let n = entry.next, n <= now {
            entries[name]?.next = entry.schedule.next(after: now)
            enqueue(name)
        }
    }

    /// The earliest next fire among assets not running.
    public var nextWake: Timestamp? {
        mutating get {
            prune()
            return queue.min?.fire
        }
    }
}
