import Foundation
import IntakeCore
import IntakeMapping
import Testing

@Suite("Mapping files")
struct MappingTests {
    static let record: JSONValue = try! JSONParser.parse(#"""
        {"event_id": "E-1", "rule_name": "Brute Force", "dest": null, "urgency": "critical", "src": "10.0.0.5",
         "dest_port": "443", "_time": 1714521603, "file": {"sha256": "ABCD"}, "tags": ["a", "b"],
         "iocs": [{"value": "EVIL.example"}, {"value": "bad.example"}], "dotted.key": "yes"}
        """#)

    func map(_ yaml: String, _ record: JSONValue = MappingTests.record, label: String? = nil) throws -> MappedRecord {
        let m = try Mapping.compile(text: yaml, file: "m.yaml")
        return try m.apply(record, context: MappingContext(now: Timestamp(microseconds: 0), labelOverride: label))
    }

    @Test("container fields, defaults, value maps and severity normalisation")
    func container() throws {
        let r = try map("""
            container:
              name: "{{ rule_name }} on {{ dest | default: 'unknown host' }}"
              label: incident
              source_data_identifier: "{{ event_id }}"
              severity: { value: "{{ urgency }}", map: { critical: high }, default: medium }
              start_time: "{{ _time | time }}"
              tags: [siem, "{{ tags[*] }}"]
            artifacts: []
            """)
        #expect(r.container.name == "Brute Force on unknown host")
        #expect(r.container.label == "incident")
        #expect(r.container.sourceDataIdentifier == "E-1")
        #expect(r.container.severity == "high")
        #expect(r.container.startTime?.iso8601 == "2024-05-01T00:00:03.000000Z")
        #expect(r.container.tags == ["siem", "a", "b"])
        #expect(r.container.status == "open" && r.container.sensitivity == "amber")
    }

    @Test("the asset's label wins over the mapping's")
    func labelOverride() throws {
        #expect(try map("container: { label: mapped }\nartifacts: []", label: "asset-label").container.label == "asset-label")
    }

    @Test("a lone expression keeps its JSON type; text with expressions is a string")
    func types() throws {
        let r = try map("""
            artifacts:
              - name: "Port {{ dest_port }}"
                cef:
                  destinationPort: "{{ dest_port | int }}"
                  sourceAddress: "{{ src }}"
                  fileHashSha256: "{{ file.sha256 | lower }}"
                  cs1: "{{ $raw[\\"dotted.key\\"] }}"
                  requestURL: "{{ missing.path }}"
            """)
        let a = try #require(r.artifacts.first)
        #expect(a.name == "Port 443")
        #expect(a.cef["destinationPort"] == .int(443))
        #expect(a.cef["fileHashSha256"] == .string("abcd"))
        #expect(a.cef["deviceCustomString1"] == .string("yes"))
        #expect(a.cef["requestURL"] == nil, "empty CEF values are dropped")
        #expect(a.data == MappingTests.record, "the raw record is kept beside the CEF")
    }

    @Test("when skips an artifact; for_each makes one per element with $item and $index")
    func whenAndForEach() throws {
        let r = try map("""
            artifacts:
              - name: skipped
                when: "{{ dest }}"
                cef: { sourceAddress: "{{ src }}" }
              - name: "IOC {{ $index }}"
                for_each: "{{ iocs }}"
                cef: { destinationDnsDomain: "{{ $item.value | lower }}" }
            """)
        #expect(r.artifacts.map(\.name) == ["IOC 0", "IOC 1"])
        #expect(r.artifacts.map { $0.cef["destinationDnsDomain"] } == [.string("evil.example"), .string("bad.example")])
    }

    @Test("default source ids are stable across runs and differ between records and rules")
    func defaultSDIs() throws {
        let yaml = "artifacts:\n  - cef: { sourceAddress: \"{{ src }}\" }\n  - cef: { sourceAddress: \"{{ src }}\" }\n"
        let a = try map(yaml)
        let b = try map(yaml)
        #expect(a.container.sourceDataIdentifier == b.container.sourceDataIdentifier)
        #expect(a.artifacts.map(\.sourceDataIdentifier) == b.artifacts.map(\.sourceDataIdentifier))
        #expect(a.artifacts.map(\.hash) == b.artifacts.map(\.hash))
        #expect(a.artifacts[0].sourceDataIdentifier != a.artifacts[1].sourceDataIdentifier)
        var other = MappingTests.record.objectValue!
        other["event_id"] = "E-2"
        let c = try map(yaml, .object(other))
        #expect(c.artifacts[0].sourceDataIdentifier != a.artifacts[0].sourceDataIdentifier)
    }

    @Test("ArcSight short keys normalise to the long CEF names")
    func shortKeys() throws {
        let r = try map("artifacts:\n  - cef: { src: \"{{ src }}\", dpt: \"{{ dest_port | int }}\", suser: bob }\n")
        #expect(r.artifacts[0].cef.keys == ["sourceAddress", "destinationPort", "sourceUserName"])
    }

    @Test("a value that cannot convert fails the record with the mapping location")
    func runtimeFailure() throws {
        let m = try Mapping.compile(text: "artifacts:\n  - cef:\n      destinationPort: \"{{ src | int }}\"\n", file: "m.yaml")
        do {
            _ = try m.apply(MappingTests.record, context: MappingContext())
            Issue.record("converted an IP address to an integer")
        } catch {
            #expect(error.location == "m.yaml:3:24")
            #expect(error.message.contains("cannot convert '10.0.0.5' to an integer"))
        }
    }

    @Test("load errors give FILE:LINE:COLUMN and the offending expression, all of them", arguments: [
        ("artifacts:\n  - cef: { sourceAddress: \"{{ src | lowr }}\" }\n", "m.yaml:2:37: unknown filter 'lowr'; did you mean 'lower'? in {{ src | lowr }}"),
        ("container:\n  name: \"{{ rule_name \"\n", "m.yaml:2:10: unclosed '{{' (expected '}}')"),
        ("container:\n  nmae: x\n", "m.yaml:2:3: unknown key 'nmae'; did you mean 'name'?"),
        ("container:\n  name: \"{{ a | default }}\"\n", "m.yaml:2:17: filter 'default' takes 1 argument, got 0 in {{ a | default }}"),
        ("container:\n  name: \"{{ $foo }}\"\n", "m.yaml:2:13: unknown variable '$foo'; known: $raw, $item, $index, $asset, $now in {{ $foo }}"),
        ("artifacts: nope\n", "m.yaml:1:12: 'artifacts' must be a list of artifact rules"),
        ("version: 2\n", "m.yaml:1:10: unsupported mapping version 2; this Intake reads version 1"),
    ])
    func loadErrors(yaml: String, expected: String) {
        do {
            _ = try Mapping.compile(text: yaml, file: "m.yaml")
            Issue.record("compiled a broken mapping")
        } catch {
            #expect(error.diagnostics.first?.description == expected)
        }
    }

    @Test("every error in a file is reported, not just the first")
    func allErrors() {
        do {
            _ = try Mapping.compile(text: "container:\n  nmae: x\n  label: \"{{ a | nope }}\"\nartifacts:\n  - cef: 3\n", file: "m.yaml")
            Issue.record("compiled a broken mapping")
        } catch {
            #expect(error.diagnostics.count == 3)
        }
    }

    @Test("the sample mapping compiles and maps the sample feed without quarantine")
    func sampleMapping() throws {
        let root = #filePath.components(separatedBy: "/Tests/")[0]
        let m = try Mapping.load(path: root + "/samples/mappings/sample-siem.yaml")
        let feed = try JSONParser.parse(try String(contentsOfFile: root + "/samples/feed/alerts.json", encoding: .utf8))
        var artifacts = 0
        for r in feed.arrayValue ?? [] { artifacts += try m.apply(r, context: MappingContext(labelOverride: "incident")).artifacts.count }
        #expect(artifacts == 35)
    }
}

@Suite("Mapping files are read again at every load")
struct MappingReloadTests {
    @Test("an edit of the same length and modification time is compiled at the next load; a broken one fails every time")
    func editSeen() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("intake-mapping-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/m.yaml"
        func mapping(_ field: String) -> String {
            "container:\n  name: \"{{ id }}\"\n  source_data_identifier: \"{{ id }}\"\nartifacts:\n  - name: e\n    cef:\n      message: \"{{ \(field) }}\"\n"
        }
        func rewrite(_ text: String) throws {
            let before = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate]
            try text.write(toFile: path, atomically: false, encoding: .utf8)
            if let before { try FileManager.default.setAttributes([.modificationDate: before], ofItemAtPath: path) }
        }
        let record: JSONValue = ["id": "1", "ix": "2"]
        func message() throws -> JSONValue? {
            try Mapping.load(path: path, displayName: "m.yaml").apply(record, context: MappingContext(labelOverride: "events"))
                .artifacts.first?.cef["message"]
        }
        try mapping("id").write(toFile: path, atomically: false, encoding: .utf8)
        #expect(try message() == .string("1"))
        #expect(try message() == .string("1"))
        try rewrite(mapping("ix"))
        #expect(try message() == .string("2"))
        try rewrite(mapping("i|"))
        for _ in 0..<2 {
            do {
                _ = try Mapping.load(path: path, displayName: "m.yaml")
                Issue.record("a broken mapping loaded")
            } catch {
                #expect(error.diagnostics.first?.location.hasPrefix("m.yaml:7:") == true, "\(error.diagnostics)")
            }
        }
        try rewrite(mapping("id"))
        #expect(try message() == .string("1"))
    }
}
