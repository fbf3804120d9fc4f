import Foundation
import IntakeCore

/// When an asset is polled: a fixed interval or a cron expression in an IANA time zone, shifted by
/// a jitter that is fixed per asset (so restarts do not reshuffle the fleet).
public struct Schedule: Sendable {
    public enum Kind: Sendable, Hashable {
        /// Every `interval`, aligned to the Unix epoch (so every process computes the same fire times).
        case interval(IntakeDuration)
        case cron(CronExpression)
    }

    public let kind: Kind
    public let timeZone: TimeZone
    /// This asset's share of the jitter, added to every fire time (microseconds, 0 ≤ offset < jitter).
    public let jitterOffset: Int64
    let zone: ZoneRules

    public init(kind: Kind, timeZone: TimeZone = TimeZone(identifier: "UTC")!, jitterOffset: Int64 = 0) {
        self.kind = kind
        self.timeZone = timeZone
        self.jitterOffset = jitterOffset
        self.zone = ZoneRules(zone: timeZone)
    }

    /// The next fire time strictly after `instant`, or nil when the expression never fires again (e.g. `0 0 30 2 *`).
    public func next(after instant: Timestamp) -> Timestamp? {
        let shifted = instant.adding(microseconds: -jitterOffset)
        let base: Timestamp?
        switch kind {
        case .interval(let d):
            let step = max(d.microseconds, 1)
            let t = shifted.microseconds
            let k = t >= 0 ? t / step + 1 : -((-t) / step) + ((-t) % step == 0 ? 1 : 0)
            base = Timestamp(microseconds: k * step)
        case .cron(let cron):
            base = nextCron(cron, after: shifted)
        }
        return base?.adding(microseconds: jitterOffset)
    }

    /// The next `count` fire times after `instant`.
    public func upcoming(_ count: Int, after instant: Timestamp) -> [Timestamp] {
        var out: [Timestamp] = []
        var t = instant
        while out.count < count, let n = next(after: t) {
            out.append(n)
            t = n
        }
        return out
    }

    /// Cron in a zone with cronie's DST rules: a fixed-time job skipped by a spring-forward fires once
    /// at the end of the gap, and once (the first time) when its wall time repeats; a job whose hour is
    /// `*` or a step fires at every real instant that reads as a matching wall time.
    func nextCron(_ cron: CronExpression, after instant: Timestamp) -> Timestamp? {
        // Whole seconds: the first candidate second strictly after the instant.
        let t = instant.microseconds >= 0 ? instant.microseconds / 1_000_000 : (instant.microseconds - 999_999) / 1_000_000
        let stable = zone.isStable(around: t)
        // Near a DST change a later instant can read as an earlier wall time, so look back by the largest shift.
        var wall = stable ? zone.wall(of: t) + 1 : zone.wall(of: t) - 3 * 3600
        var best: (instant: Int64, wall: Int64)? = nil
        while let w = cron.nextWallTime(atOrAfter: wall) {
            if let b = best, w > b.wall + 3 * 3600 { break }
            let readings = zone.instants(of: w)
            var fires: [Int64]
            if readings.isEmpty {
                fires = cron.isWildcardHour ? [] : [zone.endOfGap(containing: w)]
            } else {
                fires = cron.isWildcardHour ? readings : [readings[0]]
            }
            fires = fires.filter { $0 > t }
            if let f = fires.min(), f < (best?.instant ?? .max) {
                best = (f, w)
                if zone.isStable(around: f) { break }
            }
            wall = w + 1
        }
        return best.map { Timestamp(microseconds: $0.instant * 1_000_000) }
    }
}
