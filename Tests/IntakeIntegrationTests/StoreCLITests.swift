import Foundation
import IntakeCore
import IntakeStore
import Testing

/// Values that CEF must escape, as artifact cef values.
let trickyValues: JSONObject = [
    "msg": "pipe | equals = backslash \\ newline \n carriage \r end",
    "filePath": "C:\\temp\\",
    "request": "https://x.test/?a=1&b=2|3",
    "padded": "  two spaces around  ",
    "escaped": "\\n is not a newline, \\= is not an equals",
    "destinationPort": 443,
    "nested": ["list": [1, "x=y"], "flag": true],
]

/// Fills the fixture's store: asset `feed` with two containers (one with tricky CEF), asset `other`
/// with one, a finished run with a checkpoint, and two quarantined records (one that the current
/// mapping maps, one that still fails).
func populate(_ fixture: CLIFixture) async throws -> (quarantineGood: Int64, quarantineBad: Int64) {
    try await fixture.withStore { store in
        let t = utcTime(year: 2024, month: 5, day: 1, hour: 10)
        let run = try await store.beginRun(PollRunStart(asset: "feed", mode: .scheduled, windowStart: t, windowEnd: t, startedAt: t))
        let tricky = ArtifactDraft(name: "Tricky values", label: "event", sourceDataIdentifier: "e-tricky", startTime: t, severity: "high",
                                   cef: trickyValues, data: ["raw": "x"])
        let plain = ArtifactDraft(name: "Plain", label: "host", sourceDataIdentifier: "e-plain", startTime: t, severity: "low",
                                  cef: ["sourceAddress": "10.0.0.1"], data: ["raw": "y"])
        _ = try await store.save(PageWrite(asset: "feed", appId: "http_json", runId: run, entries: [
            .init(container: ContainerDraft(label: "incident", name: "INC 1", sourceDataIdentifier: "INC-1", data: ["id": "INC-1"]),
                  artifacts: [tricky, plain]),
            .init(container: ContainerDraft(label: "alert", name: "ALERT 2", sourceDataIdentifier: "AL-2", data: ["id": "AL-2"]),
                  artifacts: [ArtifactDraft(name: "A2", sourceDataIdentifier: "e-a2", cef: ["sourceAddress": "10.0.0.2"],
                                            data: [:])]),
        ], quarantine: [
            QuarantineEntry(asset: "feed", runId: run, record: goodRecord, error: "an old mapping failed here", createdAt: t),
            QuarantineEntry(asset: "feed", runId: run, record: badRecord, error: "_time is not a time", createdAt: t),
        ], records: 4))
        try await store.finishRun(PollRunFinish(runId: run, asset: "feed", mode: .scheduled, succeeded: true,
                                                finishedAt: t.adding(microseconds: 1_500_000), checkpoint: ["time": "2024-05-01T10:00:00.000000Z"]))
        let other = try await store.beginRun(PollRunStart(asset: "other", mode: .pollNow, windowStart: t, windowEnd: t, startedAt: t))
        _ = try await store.save(PageWrite(asset: "other", appId: "http_json", runId: other, entries: [
            .init(container: ContainerDraft(label: "incident", name: "O 1", sourceDataIdentifier: "O-1", data: [:]),
                  artifacts: [ArtifactDraft(name: "O", sourceDataIdentifier: "o1", cef: ["x": "1"], data: [:])]),
        ], records: 1))
        let ids = try await store.quarantineIds(asset: "feed")
        return (ids[0], ids[1])
    }
}

let goodRecord: JSONValue = ["incident_id": "INC-9", "rule_name": "Retried", "urgency": "high", "event_id": "e9",
                             "_time": "2024-05-01T10:00:00Z", "src": "10.9.9.9", "dest_port": 22]
let badRecord: JSONValue = ["incident_id": "INC-8", "rule_name": "Broken", "urgency": "high", "event_id": "e8",
                            "_time": "not a time at all", "src": "10.8.8.8", "dest_port": 22]

func parseJSON(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

@Suite("intake commands that read the store", .serialized,
       .enabled(if: FileManager.default.isExecutableFile(atPath: IntakeCLI.binary), "build the intake executable first (swift build)"))
struct StoreCLITests {
    @Test("containers list: filters, JSON in the seed schema, and clear errors")
    func containersList() async throws {
        let f = try CLIFixture()
        defer { f.remove() }
        _ = try await populate(f)
        let all = try f.cli.run(["containers", "list", "--json"])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(try parseJSON(all.stdout).arrayValue?.count == 3)
        let feed = try parseJSON(try f.cli.run(["containers", "list", "--asset", "feed", "--label", "alert", "--json"]).stdout)
        #expect(feed.arrayValue?.map { $0["source_data_identifier"]?.stringValue } == ["AL-2"])
        let human = try f.cli.run(["containers", "list", "--asset", "other"])
        #expect(human.status == 0)
        #expect(human.stdout.contains("O-1"))
        #expect(!human.stdout.contains("INC-1"))
        #expect(try parseJSON(try f.cli.run(["containers", "list", "--since", "+1h", "--json"]).stdout).arrayValue?.isEmpty == true)
        #expect(try parseJSON(try f.cli.run(["containers", "list", "--since", "2000-01-01T00:00:00Z", "--limit", "2", "--json"]).stdout)
            .arrayValue?.count == 2)

        let unknown = try f.cli.run(["containers", "list", "--asset", "nope"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no asset named 'nope'"))
        #expect(unknown.stderr.contains("feed"))
        let badSince = try f.cli.run(["containers", "list", "--since", "yesterday-ish"])
        #expect(badSince.status != 0)
        #expect(badSince.stderr.contains("--since 'yesterday-ish' is not a time"))
        let badLimit = try f.cli.run(["containers", "list", "--limit", "0"])
        #expect(badLimit.status != 0)
        #expect(badLimit.stderr.contains("--limit"))
    }

    @Test("containers show: the container with its artifacts; an unknown id is an error")
    func containersShow() async throws {
        let f = try CLIFixture()
        defer { f.remove() }
        _ = try await populate(f)
        let list = try parseJSON(try f.cli.run(["containers", "list", "--asset", "feed", "--label", "incident", "--json"]).stdout)
        guard case .int(let id)? = list.arrayValue?.first?["id"] else { Issue.record("no id"); return }
        let shown = try f.cli.run(["containers", "show", String(id), "--json"])
        #expect(shown.status == 0)
        let c = try parseJSON(shown.stdout)
        #expect(c["artifacts"]?.arrayValue?.count == 2)
        #expect(c["hash"]?.stringValue?.isEmpty == false)
        let human = try f.cli.run(["containers", "show", String(id)])
        #expect(human.stdout.contains("INC 1"))
        #expect(human.stdout.contains("Tricky values"))
        let missing = try f.cli.run(["containers", "show", "424242"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no container with id 424242"))
    }

    @Test("artifacts list: --asset, --label, --container, --since, --limit, and errors")
    func artifactsList() async throws {
        let f = try CLIFixture()
        defer { f.remove() }
        _ = try await populate(f)
        func sdis(_ args: [String]) throws -> [String] {
            let r = try f.cli.run(["artifacts", "list", "--json"] + args)
            #expect(r.status == 0, "\(r.stderr)")
            return try parseJSON(r.stdout).arrayValue?.compactMap { $0["source_data_identifier"]?.stringValue } ?? []
        }
        #expect(try sdis([]) == ["e-tricky", "e-plain", "e-a2", "o1"])
        #expect(try sdis(["--asset", "feed"]) == ["e-tricky", "e-plain", "e-a2"])
        #expect(try sdis(["--label", "host"]) == ["e-plain"])
        #expect(try sdis(["--asset", "other", "--label", "event"]) == ["o1"])
        #expect(try sdis(["--limit", "1"]) == ["e-tricky"])
        #expect(try sdis(["--since", "+1d"]) == [])
        let containers = try parseJSON(try f.cli.run(["containers", "list", "--label", "alert", "--json"]).stdout)
        guard case .int(let alert)? = containers.arrayValue?.first?["id"] else { Issue.record("no id"); return }
        #expect(try sdis(["--container", String(alert)]) == ["e-a2"])

        let missing = try f.cli.run(["artifacts", "list", "--container", "999999"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no container with id 999999"))
        let badSince = try f.cli.run(["artifacts", "list", "--since", "2024-13-45"])
        #expect(badSince.status != 0)
        #expect(badSince.stderr.contains("--since"))
        #expect(try f.cli.run(["artifacts", "list", "--asset", "ghost"]).status != 0)
    }

    @Test("runs: counts, status, duration; --asset filters; an unknown asset is an error")
    func runs() async throws {
        let f = try CLIFixture()
        defer { f.remove() }
        _ = try await populate(f)
        let r = try f.cli.run(["runs", "--asset", "feed", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let runs = try #require(try parseJSON(r.stdout).arrayValue)
        #expect(runs.count == 1)
        #expect(runs[0]["status"] == "success")
        #expect(runs[0]["duration_seconds"] == .double(1.5))
        #expect(runs[0]["summary"]?["records"] == 4)
        #expect(runs[0]["summary"]?["artifacts_new"] == 3)
        #expect(runs[0]["summary"]?["quarantined"] == 2)
        let human = try f.cli.run(["runs"])
        #expect(human.stdout.contains("DURATION"))
        #expect(human.stdout.contains("other"))
        #expect(try f.cli.run(["runs", "--asset", "ghost"]).status != 0)
        #expect(try f.cli.run(["runs", "--limit", "-1"]).status != 0)
    }

    @Test("quarantine list and show: the raw record and its error; unknown ids are errors")
    func quarantineListShow() async throws {
        let f = try CLIFixture()
        defer { f.remove() }
        let (good, _) = try await populate(f)
        let list = try parseJSON(try f.cli.run(["quarantine", "list", "--asset", "feed", "--json"]).stdout)
        #expect(list.arrayValue?.count == 2)
        #expect(try parseJSON(try f.cli.run(["quarantine", "list", "--asset", "other", "--json"]).stdout).arrayValue?.isEmpty == true)
        let show = try f.cli.run(["quarantine", "show", String(good), "--json"])
        #expect(show.status == 0)
        let entry = try parseJSON(show.stdout)
        #expect(entry["record"] == goodRecord)
        #expect(entry["error"] == "an old mapping failed here")
        let human = try f.cli.run(["quarantine", "show", String(good)])
        #expect(human.stdout.contains("\"rule_name\": \"Retried\""), "pretty-printed record")
        #expect(human.stdout.contains("an old mapping failed here"))
        let missing = try f.cli.run(["quarantine", "show", "31337"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no quarantined record with id 31337"))
        #expect(try f.cli.run(["quarantine", "list", "--asset", "ghost"]).status != 0)
    }

    @Test("quarantine retry: a record that now maps is saved and leaves the quarantine; one that fails stays with its new error")
    func quarantineRetry() async throws {
        let f = try CLIFixture()
        defer { f.remove() }
        let (good, bad) = try await populate(f)

        let ok = try f.cli.run(["quarantine", "retry", String(good), "--json"])
        #expect(ok.status == 0, "\(ok.stdout) \(ok.stderr)")
        let outcome = try parseJSON(ok.stdout).arrayValue?.first
        #expect(outcome?["status"] == "resolved")
        #expect(outcome?["summary"]?["containers_new"] == 1)
        #expect(outcome?["summary"]?["artifacts_new"] == 1)
        try await f.withStore { (store: SQLiteStore) async throws -> Void in
            #expect(try await store.quarantineEntry(id: good) == nil)
            let saved = try await store.containers(ContainerQuery(asset: "feed")).first { $0.sourceDataIdentifier == "INC-9" }
            #expect(saved?.label == "incident")
            #expect(saved?.artifactCount == 1)
        }
        // The same id again: gone.
        let again = try f.cli.run(["quarantine", "retry", String(good)])
        #expect(again.status != 0)
        #expect(again.stderr.contains("no quarantined record with id \(good)"))

        let failing = try f.cli.run(["quarantine", "retry", String(bad)])
        #expect(failing.status != 0)
        #expect(failing.stdout.contains("still fails"))
        try await f.withStore { (store: SQLiteStore) async throws -> Void in
            let kept = try #require(try await store.quarantineEntry(id: bad))
            #expect(kept.error != "_time is not a time", "the new error replaces the old one")
            #expect(kept.error.contains("mappings/feed.yaml"), "the error names the mapping location: \(kept.error)")
            #expect(kept.attempts == 1)
        }

        // Fix the mapping (no time), then retry the whole asset: the record maps and is saved once.
        try CLIFixture.mapping.replacingOccurrences(of: "start_time: \"{{ _time | time }}\"", with: "")
            .write(toFile: f.directory + "/mappings/feed.yaml", atomically: true, encoding: .utf8)
        let all = try f.cli.run(["quarantine", "retry", "--asset", "feed"])
        #expect(all.status == 0, "\(all.stdout) \(all.stderr)")
        #expect(all.stdout.contains("saved and removed from the quarantine"))
        try await f.withStore { (store: SQLiteStore) async throws -> Void in
            #expect(try await store.quarantineIds(asset: "feed").isEmpty)
            #expect(try await store.containers(ContainerQuery(asset: "feed")).contains { $0.sourceDataIdentifier == "INC-8" })
        }
        let none = try f.cli.run(["quarantine", "retry", "--asset", "feed"])
        #expect(none.status == 0)
        #expect(none.stdout.contains("no quarantined records"))

        // A record of an asset that is no longer configured stays as it was.
        let orphan: Int64 = try await f.withStore { store in
            _ = try await store.save(PageWrite(asset: "other", appId: "http_json", runId: 0, entries: [], quarantine: [
                QuarantineEntry(asset: "other", runId: nil, record: goodRecord, error: "original error", createdAt: Timestamp.now()),
            ], records: 1))
            return try await store.quarantineIds(asset: "other")[0]
        }
        let orphaned = try f.cli.run(["quarantine", "retry", String(orphan)])
        #expect(orphaned.status != 0)
        #expect(orphaned.stdout.contains("no asset named 'other'"))
        try await f.withStore { (store: SQLiteStore) async throws -> Void in
            let kept = try #require(try await store.quarantineEntry(id: orphan))
            #expect(kept.error == "original error")
            #expect(kept.attempts == 0)
        }
        // A broken mapping file: every record stays, and the message says where the mapping is broken.
        try "version: 1\ncontainer: [\n".write(toFile: f.directory + "/mappings/feed.yaml", atomically: true, encoding: .utf8)
        try await f.withStore { (store: SQLiteStore) async throws -> Void in
            _ = try await store.save(PageWrite(asset: "feed", appId: "http_json", runId: 0, entries: [], quarantine: [
                QuarantineEntry(asset: "feed", runId: nil, record: ["x": 1], error: "e", createdAt: Timestamp.now()),
            ], records: 1))
        }
        let broken = try f.cli.run(["quarantine", "retry", "--asset", "feed", "--json"])
        #expect(broken.status != 0)
        let brokenOutcome = try parseJSON(broken.stdout).arrayValue?.first
        #expect(brokenOutcome?["status"] == "failed")
        #expect(brokenOutcome?["error"]?.stringValue?.contains("feed.yaml") == true)

        #expect(try f.cli.run(["quarantine", "retry"]).status != 0, "neither an id nor --asset")
        #expect(try f.cli.run(["quarantine", "retry", "1", "--asset", "feed"]).status != 0, "both")
        #expect(try f.cli.run(["quarantine", "retry", "--asset", "ghost"]).status != 0)
    }

    @Test("state show and reset: checkpoint, first-run flag, runs; reset needs --yes off a terminal")
    func state() async throws {
        let f = try CLIFixture()
        defer { f.remove() }
        _ = try await populate(f)
        let shown = try f.cli.run(["state", "show", "feed", "--json"])
        #expect(shown.status == 0, "\(shown.stderr)")
        let s = try parseJSON(shown.stdout)
        #expect(s["first_run"] == false)
        #expect(s["checkpoint"]?["cursor"]?["time"] == "2024-05-01T10:00:00.000000Z")
        #expect(s["checkpoint"]?["last_success"]?.stringValue != nil)
        #expect(s["runs"]?.arrayValue?.count == 1)
        let human = try f.cli.run(["state", "show", "feed"])
        #expect(human.stdout.contains("2024-05-01T10:00:00.000000Z"))

        let refused = try f.cli.run(["state", "reset", "feed"], stdin: "y\n")
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--yes"))
        try await f.withStore { (store: SQLiteStore) async throws -> Void in #expect(try await store.checkpoint(asset: "feed") != nil) }

        let reset = try f.cli.run(["state", "reset", "feed", "--yes"])
        #expect(reset.status == 0, "\(reset.stderr)")
        #expect(reset.stdout.contains("next scheduled poll is a first run"))
        try await f.withStore { (store: SQLiteStore) async throws -> Void in #expect(try await store.checkpoint(asset: "feed") == nil) }
        let after = try parseJSON(try f.cli.run(["state", "show", "feed", "--json"]).stdout)
        #expect(after["first_run"] == true)
        #expect(after["checkpoint"] == .null)
        let twice = try f.cli.run(["state", "reset", "feed", "--yes"])
        #expect(twice.status == 0)
        #expect(twice.stdout.contains("nothing changed"))

        let unknown = try f.cli.run(["state", "show", "ghost"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no asset named 'ghost'"))
        #expect(try f.cli.run(["state", "reset", "ghost", "--yes"]).status != 0)
    }

    @Test("state reset on a terminal asks first: no keeps the checkpoint, yes resets it",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a pseudo-terminal"))
    func stateResetOnTerminal() async throws {
        let f = try CLIFixture()
        defer { f.remove() }
        _ = try await populate(f)
        // script(1) runs the command on a pseudo-terminal fed from our standard input.
        func onTerminal(_ answer: String) throws -> IntakeCLI.Result {
            let command = "\(IntakeCLI.binary) state reset feed --config \(f.directory)"
            return try IntakeCLI(configDirectory: f.directory).runProgram("/usr/bin/script", ["-qec", command, "/dev/null"], stdin: answer)
        }
        let declined = try onTerminal("n\n")
        #expect(declined.status != 0)
        #expect(declined.stdout.contains("[y/N]"))
        #expect(declined.stdout.contains("not reset"))
        try await f.withStore { (store: SQLiteStore) async throws -> Void in #expect(try await store.checkpoint(asset: "feed") != nil) }
        let accepted = try onTerminal("y\n")
        #expect(accepted.status == 0, "\(accepted.stdout)")
        #expect(accepted.stdout.contains("its next scheduled poll is a first run"))
        try await f.withStore { (store: SQLiteStore) async throws -> Void in #expect(try await store.checkpoint(asset: "feed") == nil) }
    }

    @Test("export ndjson: one line per container in the seed shape with its artifacts, filtered, to a file")
    func exportNDJSON() async throws {
        let f = try CLIFixture()
        defer { f.remove() }
        _ = try await populate(f)
        let r = try f.cli.run(["export", "--format", "ndjson"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        let first = try parseJSON(lines[0])
        #expect(first["source_data_identifier"] == "INC-1")
        #expect(first["artifacts"]?.arrayValue?.count == 2)
        #expect(first["artifacts"]?.arrayValue?.first?["cef"] == .object(trickyValues))
        for key in ["id", "version", "label", "name", "hash", "asset_name", "container_update_time", "artifact_count", "data"] {
            #expect(first[key] != nil, "container key \(key)")
        }
        #expect(try parseJSON(lines[1])["artifacts"]?.arrayValue?.count == 1)

        let out = f.directory + "/export.ndjson"
        let filtered = try f.cli.run(["export", "--format", "ndjson", "--asset", "feed", "--label", "alert", "--output", out])
        #expect(filtered.status == 0, "\(filtered.stderr)")
        #expect(filtered.stdout.isEmpty)
        #expect(filtered.stderr.contains("exported 1 containers and 1 artifacts"))
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.split(separator: "\n").count == 1)
        #expect(try parseJSON(String(text.dropLast()))["source_data_identifier"] == "AL-2")
        let mode = try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(!FileManager.default.fileExists(atPath: out + ".partial"))

        #expect(try f.cli.run(["export", "--format", "ndjson", "--since", "+1d"]).stdout.isEmpty)
        let badFormat = try f.cli.run(["export", "--format", "xml"])
        #expect(badFormat.status != 0)
        #expect(badFormat.stderr.contains("ndjson or cef"))
        #expect(try f.cli.run(["export", "--format", "cef", "--asset", "ghost"]).status != 0)
        #expect(try f.cli.run(["export", "--format", "cef", "--since", "soon"]).status != 0)
        let noDir = try f.cli.run(["export", "--format", "cef", "--output", f.directory + "/missing/dir/x.cef"])
        #expect(noDir.status != 0)
        #expect(noDir.stderr.contains("cannot create the export file"))
    }
}

/// A UTC time from valid civil fields.
private func utcTime(year: Int64, month: Int64, day: Int64, hour: Int64 = 0) -> Timestamp {
    guard let t = Timestamp.utc(year: year, month: month, day: day, hour: hour) else { preconditionFailure("invalid test date") }
    return t
}
