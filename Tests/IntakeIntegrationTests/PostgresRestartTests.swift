import Foundation
import IntakeCore
import IntakeScheduler
import IntakeStore
import IntakeTestSupport
import Logging
import Testing

/// A private cluster restarted (`pg_ctl restart -m fast`) 400 ms into a poll. Before `PostgresSession`,
/// one run in three never returned: postgres-nio leaves a statement written to a closed connection
/// unanswered. Now the save in flight is rolled back with its connection and runs again on a new one.
@Suite("PostgreSQL restarting under a poll", .serialized, .enabled(if: postgresURL != nil, "INTAKE_TEST_POSTGRES_URL is not set"))
struct PostgresRestartTests {
    @Test("a restart mid-poll fails the poll cleanly or is ridden out; nothing is half-saved and a re-poll completes")
    func restartMidPoll() async throws {
        let pg = try PrivatePostgres()
        defer { pg.stop() }
        let total = 3000
        let server = try FeedServer(records: sampleRecords(total), perPage: 20)
        defer { server.stop() }
        let config = try TestConfig(server: server, trustCA: server.caFile, store: pg.url)
        defer { config.remove() }

        let loader = ConfigLoader(directory: config.directory)
        let service = try loader.service()
        let store = try await PostgresStore(url: pg.url)
        let runner = PollRunner(loader: loader, service: service, store: store, logger: Logger(label: "test"))
        async let result = runner.poll(assetName: "feed", options: PollOptions(mode: .scheduled))
        try await Task.sleep(for: .milliseconds(400))
        try pg.restart()
        let first = await result
        await store.close()

        let check = try await PostgresStore(url: pg.url)
        let containers = try await check.containers(ContainerQuery(asset: "feed"))
        var stored = 0
        for c in containers {
            let n = try await check.artifacts(ArtifactQuery(container: c.id, limit: 100_000)).count
            #expect(c.artifactCount == n, "container \(c.sourceDataIdentifier): counter \(c.artifactCount), rows \(n): a page was half-saved")
            stored += n
        }
        if first.status == .failed {
            let message = first.actionResults.first?.message ?? first.message
            #expect(message.contains("PostgreSQL") || message.contains("store"), "\(message)")
            #expect(!message.contains(try #require(pg.url.split(separator: ":")[2].split(separator: "@").first).description),
                    "the password must not appear")
            let cp = try await check.checkpoint(asset: "feed")
            #expect(cp?.cursor == nil || stored == total, "a failed poll must not move the checkpoint past unsaved records")
        }
        await check.close()

        let loader2 = ConfigLoader(directory: config.directory)
        let again = try await PostgresStore(url: pg.url)
        let runner2 = PollRunner(loader: loader2, service: try loader2.service(), store: again, logger: Logger(label: "test"))
        let second = await runner2.poll(assetName: "feed", options: PollOptions(mode: .scheduled))
        #expect(second.status == .success, "\(second.actionResults.first?.message ?? second.message)")
        var final = 0
        for c in try await again.containers(ContainerQuery(asset: "feed")) {
            final += try await again.artifacts(ArtifactQuery(container: c.id, limit: 100_000)).count
        }
        await again.close()
        #expect(final == total)
    }
}
