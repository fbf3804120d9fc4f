import IntakeStore
import Synchronization

extension PollRunner {
    /// What a store's transaction may take from a poll's queue after the pages it started with:
    /// pages already mapped and waiting, one at a time, never waiting for one.
    ///
    /// While the store is the slowest stage (a first ingest into SQLite) pages keep arriving as it
    /// saves, and one transaction takes them until `maxArtifacts` artifacts or `maxDuration` have
    /// gone into it. Fewer, larger commits make SQLite write far less: every commit writes each page
    /// it touched to the WAL again, and the artifact hash index is touched at random. When the store
    /// keeps up (a re-ingest), nothing is waiting and transactions stay as they were. Nothing more
    /// is taken once the poll should stop (shutdown, timeout, a lost lease), so a stop still comes
    /// after the pages already in hand.
    final class TransactionFeed: Sendable {
        /// What the poll reports for each page the transaction saved, in order.
        struct Taken: Sendable {
            var source: String
            var records: Int
        }

        private struct State {
            var taken: [Taken]
            var artifacts: Int
        }

        private let queue: PageQueue<QueuedPage>
        private let state: Mutex<State>
        private let maxArtifacts: Int
        private let deadline: ContinuousClock.Instant
        private let shouldStop: @Sendable () -> Bool

        /// `given`: the pages the transaction starts with, counted against its bounds.
        init(queue: PageQueue<QueuedPage>, given: [QueuedPage], maxArtifacts: Int, maxDuration: Duration,
             shouldStop: @escaping @Sendable () -> Bool) {
            self.queue = queue
            self.maxArtifacts = maxArtifacts
            self.deadline = .now + maxDuration
            self.shouldStop = shouldStop
            state = Mutex(State(taken: given.map { Taken(source: $0.source, records: $0.write.records) },
                                artifacts: given.reduce(0) { $0 + $1.write.artifactCount }))
        }

        /// The next waiting page, or nil: none is waiting, a bound is reached, or the poll should stop.
        /// Keeps only what the poll reports of the page, so a page taken is freed once saved.
        func next() -> PageWrite? {
            guard state.withLock({ $0.artifacts < maxArtifacts }), ContinuousClock.now < deadline, !shouldStop(),
                  let page = queue.takeWaiting() else { return nil }
            state.withLock {
                $0.taken.append(Taken(source: page.source, records: page.write.records))
                $0.artifacts += page.write.artifactCount
            }
            return page.write
        }

        /// Every page handed to the transaction, the given ones first.
        var pages: [Taken] { state.withLock { $0.taken } }
    }
}

extension PageWrite {
    /// The artifacts the page's entries carry.
    var artifactCount: Int { entries.reduce(0) { $0 + $1.artifacts.count } }
}
