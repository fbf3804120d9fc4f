import Foundation
import IntakeCore

/// Wall-clock time to instants in one IANA time zone: none in a spring-forward gap, two in a
/// fall-back overlap. Times are whole seconds since 1970 (wall times read as if UTC).
struct ZoneRules: Sendable {
    let zone: TimeZone

    /// The zone's UTC offset in seconds at an instant.
    func offset(at instant: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))))
    }

    /// The wall-clock time of an instant.
    func wall(of instant: Int64) -> Int64 { instant + offset(at: instant) }

    /// True when no offset change happens within a day of the instant, so wall time maps one to one.
    func isStable(around instant: Int64) -> Bool {
        let o = offset(at: instant)
        return offset(at: instant - 86400) == o && offset(at: instant + 86400) == o
    }

    /// The instants that read as `wall`, earliest first: one normally, two when the clock repeats, none in a gap.
    func instants(of wall: Int64) -> [Int64] {
        let candidates = Set([offset(at: wall - 86400), offset(at: wall), offset(at: wall + 86400)])
        return candidates.map { wall - $0 }.filter { offset(at: $0) == wall - $0 }.sorted()
    }

    /// The first instant after a spring-forward gap that contains `wall`: the transition itself.
    func endOfGap(containing wall: Int64) -> Int64 {
        // Before the gap the offset is smaller; search between the two readings of `wall`.
        let lowOffset = min(offset(at: wall - 86400), offset(at: wall + 86400))
        let highOffset = max(offset(at: wall - 86400), offset(at: wall + 86400))
        var lo = wall - highOffset  // still in the old offset
        var hi = wall - lowOffset  // already in the new offset
        let before = offset(at: lo)
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if offset(at: mid) == before { lo = mid } else { hi = mid }
        }
        return hi
    }
}
