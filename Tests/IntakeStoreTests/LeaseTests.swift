import IntakeCore
import IntakeStore
import IntakeTestSupport
import Testing

/// Leases share scheduled polls between `intake run` processes; each backend must grant one holder at a time.
@Suite("Leases, on every backend")
struct LeaseTests {
    @Test("a lease is held by one holder until it is released or expires", arguments: Backend.enabled)
    func oneHolder(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { (store: any Store, _: String) async throws in
            let minute = IntakeDuration.minutes(1)
            #expect(try await store.claimLease(name: "poll:a", holder: "p1", duration: minute))
            #expect(try await !store.claimLease(name: "poll:a", holder: "p2", duration: minute))
            #expect(try await store.claimLease(name: "poll:b", holder: "p2", duration: minute), "leases are per name")
            #expect(try await store.claimLease(name: "poll:a", holder: "p1", duration: minute), "the holder may claim again")
            #expect(try await store.renewLease(name: "poll:a", holder: "p1", duration: minute))
            #expect(try await !store.renewLease(name: "poll:a", holder: "p2", duration: minute))

            // Released while kept for a minute: still not claimable by others.
            try await store.releaseLease(name: "poll:a", holder: "p1", keepFor: minute)
            #expect(try await !store.claimLease(name: "poll:a", holder: "p2", duration: minute))
            // Released at once: the next claimer gets it, and the old holder lost it.
            try await store.releaseLease(name: "poll:a", holder: "p1", keepFor: .zero)
            #expect(try await store.claimLease(name: "poll:a", holder: "p2", duration: minute))
            #expect(try await !store.renewLease(name: "poll:a", holder: "p1", duration: minute))
            // A release by someone who does not hold it changes nothing.
            try await store.releaseLease(name: "poll:a", holder: "p1", keepFor: .zero)
            #expect(try await !store.claimLease(name: "poll:a", holder: "p3", duration: minute))
        }
    }

    @Test("a lease that was not renewed expires and another holder takes it", arguments: Backend.enabled)
    func expiry(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { (store: any Store, _: String) async throws in
            // A zero duration is already expired: the process that claimed it "died" at once.
            #expect(try await store.claimLease(name: "poll:a", holder: "dead", duration: .zero))
            #expect(try await store.claimLease(name: "poll:a", holder: "alive", duration: .minutes(1)))
            #expect(try await !store.renewLease(name: "poll:a", holder: "dead", duration: .minutes(1)))
        }
    }

    @Test("of many processes claiming one lease at once, exactly one gets it", arguments: Backend.enabled)
    func concurrentClaims(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { (store: any Store, _: String) async throws in
            let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<16 {
                    group.addTask { try await store.claimLease(name: "poll:shared", holder: "p\(i)", duration: .minutes(1)) }
                }
                var n = 0
                for try await won in group where won { n += 1 }
                return n
            }
            #expect(winners == 1)
        }
    }
}
