import IntakeCore
import IntakeStore
import IntakeTestSupport
import Testing

@Suite("Store lookups for intake map --store, on every backend")
struct LookupTests {
    @Test("a stored container is found by (asset, label, SDI) and nothing else", arguments: Backend.enabled)
    func containerLookup(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { store, _ in
            let saved = try await store.savePage([.init(container: draft("INC-1"), artifacts: [artifact("10.0.0.1")])], asset: "one")
            let id = saved.containers[0].id
            #expect(try await store.containerID(asset: "one", label: "incident", sourceDataIdentifier: "INC-1") == id)
            #expect(try await store.containerID(asset: "two", label: "incident", sourceDataIdentifier: "INC-1") == nil)
            #expect(try await store.containerID(asset: "one", label: "event", sourceDataIdentifier: "INC-1") == nil)
            #expect(try await store.containerID(asset: "one", label: "incident", sourceDataIdentifier: "INC-2") == nil)
        }
    }

    @Test("a stored artifact is found by its hash within its container; one without an SDI never is", arguments: Backend.enabled)
    func artifactLookup(_ backend: Backend) async throws {
        try await withTemporaryStore(backend) { store, _ in
            let a = artifact("10.0.0.1")
            let noSDI = artifact("10.0.0.9", sdi: nil)
            let saved = try await store.savePage([.init(container: draft("INC-1"), artifacts: [a, noSDI])])
            let cid = saved.containers[0].id
            let other = try await store.savePage([.init(container: draft("INC-2"), artifacts: [])])
            #expect(try await store.artifactID(containerID: cid, hash: a.hash) == saved.artifacts[0][0].id)
            #expect(try await store.artifactID(containerID: other.containers[0].id, hash: a.hash) == nil)
            #expect(try await store.artifactID(containerID: cid, hash: artifact("10.0.0.2").hash) == nil)
            #expect(try await store.artifactID(containerID: cid, hash: noSDI.hash) == nil)
        }
    }
}
