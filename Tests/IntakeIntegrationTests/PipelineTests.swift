import Foundation
import IntakeCore
import IntakeStore
import Testing

/// The poll's three stages (the connector fetching and parsing, the mapping, the store saving) run
/// at once; when saving stops, the stages before it stop too rather than reading the whole feed.
@Suite("the poll pipeline's stages", .serialized)
struct PipelineTests {
    /// Polls a 40-page feed of 400 records (one container per record) and checks the outcome.
    func pollFortyPages(_ mode: PollMode, containerCount: Int64? = nil,
                        check: (ActionResult, SQLiteStore, APIServer) async throws -> Void) async throws {
        let server = try APIServer(records: apiRecords(400), tls: true, certificate: .valid, perPage: 10)
        defer { server.stop() }
        let asset = try AssetDirectory(configuration: "base_url: \(server.baseURL)\npath: /page\npagination: page\npage_size: 10",
                                       trust: server.caFile)
        defer { asset.remove() }
        let (result, store) = try await asset.poll(mode, containerCount: containerCount)
        let r = try #require(result.actionResults.first)
        #expect(result.status == .success, "\(r.message)")
        try await check(r, store, server)
        await store.close()
    }

    @Test("a limit reached on the first page stops the connector within the pipeline's depth")
    func limitStopsTheConnector() async throws {
        // The 6th record meets a limit of 5 containers.
        try await pollFortyPages(.pollNow, containerCount: 5) { (r: ActionResult, store: SQLiteStore, server: APIServer) async throws in
            #expect(r.summary["containers_new"] == 5)
            #expect(try await store.artifacts(ArtifactQuery()).count == 5)
            #expect(try await store.containers(ContainerQuery()).count == 5)
            // Fetched at most: the page being saved, four mapped pages waiting for the store, the
            // page being mapped, one parsed page waiting for the mapping and the one the connector holds.
            #expect(server.requests.count <= 8, "\(server.requests.count) of 40 pages fetched")
        }
    }

    @Test("every page of a long feed is mapped and saved once, in order")
    func longFeed() async throws {
        try await pollFortyPages(.scheduled) { (r: ActionResult, store: SQLiteStore, server: APIServer) async throws in
            #expect(r.summary["records"] == 400)
            #expect(r.summary["artifacts_new"] == 400)
            #expect(server.requests.count == 41)
            // Saved in record order: artifact ids follow the records' ids.
            let sdis = try await store.artifacts(ArtifactQuery()).sorted { $0.id < $1.id }.map(\.sourceDataIdentifier)
            #expect(sdis == (1...400).map { "r\($0)" })
            #expect(try await store.checkpoint(asset: "feed")?.cursor?["time"] != nil)
        }
    }
}
