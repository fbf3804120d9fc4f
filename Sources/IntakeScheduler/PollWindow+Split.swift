import IntakeCore
import IntakeStore

extension PollWindow {
    /// Contiguous sub-windows of at most `maxWindow`, oldest first; the window itself when it fits
    /// (or no maximum is set). Only the first keeps the first-run flag: later ones continue its checkpoint.
    public func split(maxWindow: IntakeDuration?) -> [PollWindow] {
        guard let maxWindow, maxWindow.microseconds > 0, end.microseconds - start.microseconds > maxWindow.microseconds else {
            return [self]
        }
        var windows: [PollWindow] = []
        var from = start
        while from < end {
            let to = min(from.adding(maxWindow), end)
            windows.append(PollWindow(start: from, end: to, isFirstRun: isFirstRun && windows.isEmpty))
            from = to
        }
        return windows
    }

    /// The checkpoint when a limit stops a page at entry `i`: the time of the earliest record not fully
    /// saved (so the next poll reads it again and deduplication absorbs the rest), never before this
    /// window's start nor after its end. A resumable connector's position at that record is unknown,
    /// so for one (`resumable`) the checkpoint is left where it was.
    public func checkpointAtEntry(_ entries: [PageWrite.Entry], resumable: Bool) -> (@Sendable (Int) -> JSONValue?)? {
        if resumable { return nil }
        let times = entries.map(PollWindow.recordTime)
        let start = self.start, end = self.end
        return { i in
            var earliest = end
            for t in times[min(i, times.count)...] {
                guard let t else {
                    earliest = start  // a record with no time: resume from the window start
                    break
                }
                earliest = min(earliest, t)
            }
            return ["time": .string(max(start, earliest).iso8601)]
        }
    }

    /// A mapped record's time: its earliest artifact start time, else its container's start time.
    static func recordTime(_ entry: PageWrite.Entry) -> Timestamp? {
        entry.artifacts.compactMap(\.startTime).min() ?? entry.container.startTime
    }
}
