import IntakeCore
@testable import IntakeScheduler
import IntakeStore
import Synchronization
import Testing

/// The bounded queue between a poll's mapping and its store.
@Suite("PageQueue")
struct PageQueueTests {
    @Test("items come out in order, in batches of at most the asked size, then empty once closed and drained")
    func order() async {
        let q = PageQueue<Int>(capacity: 8)
        for i in 0..<5 { #expect(await q.send(i)) }
        q.close()
        #expect(await q.take(upTo: 2) == [0, 1])
        #expect(await q.take(upTo: 8) == [2, 3, 4])
        #expect(await q.take(upTo: 8) == [])
    }

    @Test("a full queue holds the producer back until the consumer takes; nothing is lost or reordered")
    func backPressure() async {
        let q = PageQueue<Int>(capacity: 2)
        let produced = 200
        @Sendable func produce() async -> Int {
            var n = 0
            for i in 0..<produced { if await q.send(i) { n += 1 } }
            q.close()
            return n
        }
        async let sent = produce()
        var got: [Int] = []
        while true {
            #expect(q.count <= 2, "never more than the capacity waits")
            let batch = await q.take(upTo: 3)
            if batch.isEmpty { break }
            #expect(batch.count <= 3)
            got += batch
        }
        #expect(await sent == produced)
        #expect(got == Array(0..<produced))
    }

    @Test("once the consumer stops, waiting and later sends are refused and queued items dropped")
    func stop() async {
        let q = PageQueue<Int>(capacity: 1)
        #expect(await q.send(1))
        async let blocked = q.send(2)
        q.stop()
        #expect(await blocked == false, "a producer waiting for room is released")
        #expect(await q.send(3) == false)
        #expect(q.count == 0)
        #expect(await q.take(upTo: 4) == [])
    }

    @Test("takeWaiting hands over the oldest waiting item without waiting, nil when none, and makes room for the producer")
    func takeWaiting() async {
        let q = PageQueue<Int>(capacity: 1)
        #expect(q.takeWaiting() == nil, "nothing waiting: nil at once")
        #expect(await q.send(1))
        async let second = q.send(2)  // waits for room
        while q.count == 1 && q.takeWaiting() == nil {}
        #expect(await second, "taking made room for the waiting producer")
        var got: Int?
        while got == nil { got = q.takeWaiting() }
        #expect(got == 2)
        #expect(q.takeWaiting() == nil)
        #expect(await q.send(3))
        q.stop()
        #expect(q.takeWaiting() == nil, "a stopped queue hands nothing over")
    }
}

/// What a transaction takes from the queue after the pages it started with.
@Suite("TransactionFeed")
struct TransactionFeedTests {
    typealias Feed = PollRunner.TransactionFeed

    static func page(_ n: Int, artifacts: Int) -> PollRunner.QueuedPage {
        let entry = PageWrite.Entry(container: ContainerDraft(label: "incident", name: "c", sourceDataIdentifier: "c\(n)"),
                                    artifacts: (0..<artifacts).map { ArtifactDraft(name: "a\($0)", sourceDataIdentifier: "s\($0)", cef: [:], data: .null) })
        return PollRunner.QueuedPage(write: PageWrite(asset: "a", appId: "x", runId: 1, entries: [entry], records: n),
                                     source: "page \(n)")
    }

    static func queue(_ pages: [PollRunner.QueuedPage]) async -> PageQueue<PollRunner.QueuedPage> {
        let q = PageQueue<PollRunner.QueuedPage>(capacity: 16)
        for p in pages { _ = await q.send(p) }
        return q
    }

    @Test("takes waiting pages until the artifact bound is reached, and reports every page in order")
    func artifactBound() async {
        let q = await Self.queue((1...5).map { Self.page($0, artifacts: 10) })
        let given = q.takeWaiting()!
        let feed = Feed(queue: q, given: [given], maxArtifacts: 30, maxDuration: .seconds(60), shouldStop: { false })
        var taken: [Int] = []
        while let p = feed.next() { taken.append(p.records) }
        #expect(taken == [2, 3], "10 given + 10 + 10 reaches 30: the fourth page stays queued")
        #expect(feed.pages.map(\.source) == ["page 1", "page 2", "page 3"])
        #expect(feed.pages.map(\.records) == [1, 2, 3])
        #expect(q.count == 2)
    }

    @Test("takes nothing once the time bound has passed or the poll should stop, and nil when the queue is empty")
    func otherBounds() async {
        let q = await Self.queue((1...3).map { Self.page($0, artifacts: 1) })
        #expect(Feed(queue: q, given: [], maxArtifacts: 100, maxDuration: .zero, shouldStop: { false }).next() == nil)
        let stop = Mutex(false)
        let feed = Feed(queue: q, given: [], maxArtifacts: 100, maxDuration: .seconds(60), shouldStop: { stop.withLock { $0 } })
        #expect(feed.next()?.records == 1)
        stop.withLock { $0 = true }
        #expect(feed.next() == nil, "a shutdown or timeout ends the transaction with the pages in hand")
        #expect(q.count == 2)
        stop.withLock { $0 = false }
        #expect(feed.next()?.records == 2)
        #expect(feed.next()?.records == 3)
        #expect(feed.next() == nil)
        #expect(feed.pages.map(\.records) == [1, 2, 3])
    }
}
