import Foundation
import IntakeCore

/// The zone in which a mapping reads times written without an offset: the asset's `timezone`
/// (an IANA name, daylight saving included), a fixed offset, or UTC. Never the machine's zone.
public struct MappingTimeZone: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case fixed(Int)
        case named(TimeZone)
    }
    let kind: Kind

    /// UTC, the default.
    public static let utc = MappingTimeZone(kind: .fixed(0))

    /// A fixed offset, in seconds east of UTC.
    public static func fixed(secondsEast: Int) -> MappingTimeZone { MappingTimeZone(kind: .fixed(secondsEast)) }

    /// An IANA zone such as `Europe/Berlin`; nil when the name is unknown.
    public init?(identifier: String) {
        if identifier == "UTC" || identifier == "Etc/UTC" || identifier == "Z" {
            kind = .fixed(0)
            return
        }
        guard let tz = TimeZone(identifier: identifier) else { return nil }
        kind = .named(tz)
    }

    init(kind: Kind) { self.kind = kind }

    /// The offset east of UTC that applies to a wall-clock time in this zone, given that wall time
    /// read as if it were UTC. In a daylight-saving gap the offset before the gap is used, and in a
    /// repeated hour the first occurrence wins.
    func offset(forWallClock naive: Timestamp) -> Int {
        switch kind {
        case .fixed(let s): return s
        case .named(let tz):
            let wall = Double(naive.microseconds) / 1_000_000
            func offset(at seconds: Double) -> Int { tz.secondsFromGMT(for: Date(timeIntervalSince1970: seconds)) }
            // The offsets a day before and after bracket any transition near this wall time.
            let before = offset(at: wall - 86_400)
            let after = offset(at: wall + 86_400)
            let valid = Set([before, after]).filter { offset(at: wall - Double($0)) == $0 }
            // A repeated wall time (fall-back): the first occurrence, i.e. the larger offset.
            if let best = valid.max() { return best }
            // A wall time skipped by a spring-forward: read with the offset before the gap.
            return before
        }
    }

    /// Turns a wall-clock time (parsed as if UTC) into the instant it names in this zone.
    func instant(forWallClock naive: Timestamp) -> Timestamp {
        naive.adding(microseconds: -Int64(offset(forWallClock: naive)) * 1_000_000)
    }
}
