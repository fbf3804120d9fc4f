import IntakeCore
import IntakeScheduler
import Synchronization

/// `intake poll`'s progress: on a terminal one live line, rewritten after each page and cleared at
/// the end; elsewhere one plain line per page, with no control characters.
public final class PollProgress: PollObserver {
    let terminal: Bool
    let write: @Sendable (String) -> Void
    let clock: @Sendable () -> Timestamp
    private let shown = Mutex(false)

    /// - Parameters:
    ///   - terminal: whether `write` goes to a terminal (then the line is redrawn in place).
    ///   - write: receives the text to write (standard error in `intake poll`).
    public init(terminal: Bool, clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() },
                write: @escaping @Sendable (String) -> Void) {
        self.terminal = terminal
        self.write = write
        self.clock = clock
    }

    public func pageSaved(_ event: PollPageSaved) {
        let seconds = Double(clock().microseconds - event.startedAt.microseconds) / 1_000_000
        let text = PollProgress.line(asset: event.asset, summary: event.summary, seconds: seconds)
        if terminal {
            shown.withLock { $0 = true }
            write("\r\u{1B}[K" + text)
        } else {
            write(text + "\n")
        }
    }

    public func pollFinished(_ event: PollFinished) {
        if terminal && shown.withLock({ $0 }) { write("\r\u{1B}[K") }
    }

    /// `feed: 3 pages, 30 records (10.0/s), containers 7 new 0 dup, artifacts 30 new 0 dup, 0 quarantined`.
    public static func line(asset: String, summary s: PollSummary, seconds: Double) -> String {
        let rate = seconds > 0 ? Double(s.records) / seconds : 0
        return "\(asset): \(s.pages) page\(s.pages == 1 ? "" : "s"), \(s.records) record\(s.records == 1 ? "" : "s") "
            + "(\(formatRate(rate))/s), containers \(s.containersNew) new \(s.containersDuplicate) dup, "
            + "artifacts \(s.artifactsNew) new \(s.artifactsDuplicate) dup, \(s.quarantined) quarantined"
    }

    static func formatRate(_ r: Double) -> String {
        if r >= 100 { return String(Int(r.rounded())) }
        let tenths = Int((r * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
