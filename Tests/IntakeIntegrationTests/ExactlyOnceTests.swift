import Foundation
import IntakeCore
import IntakeStore
import IntakeTestSupport
import Testing

/// The store's promise under the worst conditions: processes killed mid-save and processes saving the
/// same records at once. Each case runs the real `intake` binary against a loopback HTTPS feed.
@Suite("Exactly once: SIGKILL and concurrent writers", .serialized)
struct ExactlyOnceTests {
    /// Every artifact of `asset`'s containers, as (count, distinct source ids).
    static func stored(_ store: any Store, asset: String) async throws -> (count: Int, distinct: Int) {
        var sdis: [String] = []
        for c in try await store.containers(ContainerQuery(asset: asset, limit: 100_000)) {
            sdis += try await store.artifacts(ArtifactQuery(container: c.id, limit: 1_000_000)).map { $0.sourceDataIdentifier ?? "" }
        }
        return (sdis.count, Set(sdis).count)
    }

    @Test("a poll killed with SIGKILL at 20 random instants, then re-polled, stores every record exactly once",
          arguments: Backend.enabled)
    func sigkill(_ backend: Backend) async throws {
        // 40 pages of 25: many commit points to land between, few enough records to repeat 20 times.
        // Each page served 15 ms late, so that a poll lasts over 600 ms whatever the machine's speed:
        // without it, a fast poll finished before most kills aimed at its later pages arrived. The
        // store saves a page while the next is fetched, so kills still land in saves as well as waits.
        let total = 1000
        let server = try FeedServer(records: sampleRecords(total), perPage: 25, pageDelayMilliseconds: 15)
        defer { server.stop() }
        try await withTemporaryStoreURL(backend) { url, _ in
            let config = try TestConfig(server: server, trustCA: server.caFile, store: url)
            defer { config.remove() }
            var generator = SystemRandomNumberGenerator()
            var killedMidway = 0
            let watcher = try await openStore(url)
            for k in 1...20 {
                let asset = "crash-\(k)"
                try config.addAsset(named: asset)
                let child = try IntakeProcess(["poll", asset, "--scheduled", "--config", config.directory])
                // A random instant of the save: once the run has saved a random share of the records
                // (the run's counters commit with each page), or at once for a share of zero. The shares
                // are spread: kill k aims at a random point of the k-th twentieth of 0…80%.
                let share = (Double(k - 1) + Double.random(in: 0..<1, using: &generator)) / 20 * 0.8
                let target = Int(Double(total) * share)
                while child.process.isRunning {
                    let saved = try await watcher.runs(asset: asset, limit: 1).first?.summary.records ?? 0
                    if saved >= target { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                child.kill(SIGKILL)
                let status = await child.wait(timeout: 30)
                if status != 0 { killedMidway += 1 }
                let instant = "after \(target) records"

                let store = try await openStore(url)
                let afterKill = try await Self.stored(store, asset: asset)
                let checkpoint = try await store.checkpoint(asset: asset)
                await store.close()
                #expect(afterKill.count == afterKill.distinct, "kill \(k) \(instant): duplicates after the kill")
                if checkpoint?.cursor != nil {
                    #expect(afterKill.count == total, "kill \(k): the checkpoint moved past records that are not stored")
                }

                let again = try await IntakeProcess.run(["poll", asset, "--scheduled", "--config", config.directory])
                #expect(again.status == 0, "re-poll after kill \(k): \(again.stderr)")
                let final = try await openStore(url)
                let after = try await Self.stored(final, asset: asset)
                let cp = try await final.checkpoint(asset: asset)
                await final.close()
                #expect(after.count == total && after.distinct == total, "kill \(k) \(instant): \(after) stored of \(total)")
                #expect(cp?.cursor != nil && cp?.firstRun == false, "kill \(k): the checkpoint after a complete poll")
            }
            await watcher.close()
            // A kill aimed near the end can still land after the poll finished; most must not.
            #expect(killedMidway >= 10, "the kills should land while the poll runs (\(killedMidway) of 20 did)")
        }
    }

    @Test("two processes ingesting the same 10,000 records at once store exactly 10,000 artifacts", arguments: Backend.enabled)
    func concurrentWriters(_ backend: Backend) async throws {
        let total = 10_000
        let server = try FeedServer(records: sampleRecords(total), perPage: 250)
        defer { server.stop() }
        try await withTemporaryStoreURL(backend) { url, _ in
            let config = try TestConfig(server: server, trustCA: server.caFile, store: url)
            defer { config.remove() }
            let a = try IntakeProcess(["poll", "feed", "--json", "--config", config.directory])
            let b = try IntakeProcess(["poll", "feed", "--json", "--config", config.directory])
            defer { for p in [a, b] where p.process.isRunning { p.kill() } }
            let sa = await a.wait(), sb = await b.wait()
            #expect(sa == 0, "\(a.stderr)")
            #expect(sb == 0, "\(b.stderr)")
            let store = try await openStore(url)
            let stored = try await Self.stored(store, asset: "feed")
            let containers = try await store.containers(ContainerQuery(asset: "feed"))
            await store.close()
            #expect(stored.count == total && stored.distinct == total)
            #expect(containers.count == 7)
            #expect(containers.reduce(0) { $0 + $1.artifactCount } == total, "artifact_count stays true under concurrency")
            // Between them the two runs saw every artifact once as new.
            let newA = try Self.artifactsNew(a.stdout), newB = try Self.artifactsNew(b.stdout)
            #expect(newA + newB == total, "new: \(newA) + \(newB)")
        }
    }

    static func artifactsNew(_ output: String) throws -> Int {
        let result = try JSONParser.parse(output)
        return Int(result["action_results"]?.arrayValue?.first?["summary"]?["artifacts_new"]?.intValue ?? -1)
    }
}
