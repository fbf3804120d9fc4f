@testable import IntakeScheduler
import Testing

/// The bounded queue between a poll's mapping and its store.
@Suite("PageQueue")
struct PageQueueTests {
    @Test("items come out in order, in batches of at most the asked size, then empty once closed and drained")
    func order() async {
        let q = PageQueue<Int>(capacity: 8)
        for i in 0..<5 { #expect(await q.send(i)) }
        await q.close()
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
            await q.close()
            return n
        }
        async let sent = produce()
        var got: [Int] = []
        while true {
            #expect(await q.count <= 2, "never more than the capacity waits")
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
        await q.stop()
        #expect(await blocked == false, "a producer waiting for room is released")
        #expect(await q.send(3) == false)
        #expect(await q.count == 0)
        #expect(await q.take(upTo: 4) == [])
    }
}
