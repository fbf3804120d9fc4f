import Foundation
import IntakeCore
import IntakeStore

/// A configuration directory with one asset (`feed`, mapping `mappings/feed.yaml`) and a SQLite store
/// filled directly through ``SQLiteStore``.
struct CLIFixture {
    let directory: String
    let storePath: String
    var cli: IntakeCLI { IntakeCLI(configDirectory: directory) }

    init() throws {
        directory = try makeTemporaryDirectory("cli")
        storePath = directory + "/data/intake.sqlite"
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory + "/assets", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: directory + "/mappings", withIntermediateDirectories: true)
        try "store: sqlite://data/intake.sqlite\n".write(toFile: directory + "/intake.yaml", atomically: true, encoding: .utf8)
        try """
            name: feed
            app: http_json
            configuration:
              base_url: https://127.0.0.1:9
              path: /alerts
            ingest:
              label: incident
              mapping: mappings/feed.yaml
            """.write(toFile: directory + "/assets/feed.yaml", atomically: true, encoding: .utf8)
        try CLIFixture.mapping.write(toFile: directory + "/mappings/feed.yaml", atomically: true, encoding: .utf8)
    }

    static let mapping = """
        version: 1
        container:
          group_by: "{{ incident_id }}"
          name: "{{ rule_name }}"
          severity: "{{ urgency }}"
        artifacts:
          - name: alert
            source_data_identifier: "{{ event_id }}"
            start_time: "{{ _time | time }}"
            cef: { sourceAddress: "{{ src }}", destinationPort: "{{ dest_port | int }}" }
        """

    func withStore<T>(_ body: (SQLiteStore) async throws -> T) async throws -> T {
        let store = try await SQLiteStore(path: storePath)
        do {
            let r = try await body(store)
            await store.close()
            return r
        } catch {
            await store.close()
            throw error
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}
