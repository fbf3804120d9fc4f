import IntakeCore
import IntakeMapping
import Testing

/// Golden values for every construct and filter of the mapping language (SPEC §4): each row is a
/// template as written in a mapping and the exact JSON it gives for ``ConstructTests/record``.
@Suite("Mapping constructs and filters")
struct ConstructTests {
    static let record: JSONValue = try! JSONParser.parse(#"""
        {"event_id": "E-1", "rule_name": "Brute Force", "dest": null, "urgency": "critical", "src": "10.0.0.5",
         "dest_port": "443", "_time": 1714521603, "ms": 1714521603123, "iso": "2024-05-01T10:00:00.5+02:00",
         "offset4": "2024-05-01T10:00:00.123456+0000", "nanos": "2024-05-01T10:00:00.123456789Z",
         "local": "2024-05-01 10:00:00", "winter": "2024-01-15T10:00:00", "rfc": "Wed, 01 May 2024 10:00:00 +0000",
         "rfc_zone": "Wed, 01 May 2024 10:00:00 EDT", "clf": "01/May/2024:10:00:00 +0200", "epoch_text": "1714521603.25", "epoch_padded": " 1714521603.25\n",
         "file": {"sha256": "ABCD"}, "tags": ["a", "b"], "iocs": [{"value": "EVIL.example"}, {"value": "bad.example"}],
         "dotted.key": "yes", "csv": "a,b,,c", "padded": "  x  ", "num": "3.7", "flag": "yes", "n": 42, "f": 2.5,
         "obj": {"k": [1, 2]}, "empty": "", "nested": {"list": [{"v": 1}, {"v": 2}]}, "@timestamp": "t", "big": 1234567890123456789}
        """#)

    static let context = MappingContext(asset: ["name": "acme", "label": "incident"], now: Timestamp(microseconds: 1_700_000_000_000_000))

    /// The value a template gives, as the `cef` value `v` of a one-artifact mapping that keeps empty values.
    static func value(_ template: JSONValue, context: MappingContext = ConstructTests.context,
                      record: JSONValue = ConstructTests.record) throws -> JSONValue {
        let doc: JSONValue = ["artifacts": [["keep_empty": true, "cef": ["v": template], "cef_types": ["v": []]]]]
        let m = try Mapping.compile(text: JSONWriter.string(doc), file: "m.json")
        let r = try m.apply(record, context: context)
        return try #require(r.artifacts.first?.cef["v"])
    }

    @Test("templates, paths, variables and literals", arguments: [
        ("literal text", #""literal text""#),
        ("{{ src }}", #""10.0.0.5""#),
        ("{{ n }}", "42"),
        ("{{ f }}", "2.5"),
        ("{{ big }}", "1234567890123456789"),
        ("{{ obj }}", #"{"k":[1,2]}"#),
        ("{{ tags }}", #"["a","b"]"#),
        ("n={{ n }}, f={{ f }}", #""n=42, f=2.5""#),
        ("{{ src }}:{{ missing }}", #""10.0.0.5:""#),
        ("{{ file.sha256 }}", #""ABCD""#),
        ("{{ tags[0] }}", #""a""#),
        ("{{ tags[-1] }}", #""b""#),
        ("{{ tags[5] }}", "null"),
        ("{{ iocs[*].value }}", #"["EVIL.example","bad.example"]"#),
        ("{{ nested.list[*].v }}", "[1,2]"),
        ("{{ obj.* }}", "[[1,2]]"),
        (#"{{ ["dotted.key"] }}"#, #""yes""#),
        (#"{{ $raw["dotted.key"] }}"#, #""yes""#),
        ("{{ $raw.src }}", #""10.0.0.5""#),
        ("{{ @timestamp }}", #""t""#),
        ("{{ $asset.name }}", #""acme""#),
        ("{{ $now }}", #""2023-11-14T22:13:20.000000Z""#),
        ("{{ 'quoted' }}", #""quoted""#),
        (#"{{ "it's" }}"#, #""it's""#),
        ("{{ 7 }}", "7"),
        ("{{ missing.path }}", "null"),
        ("{{ src.deeper }}", "null"),
        ("{{ dest }}", "null"),
    ])
    func constructs(template: String, expected: String) throws {
        #expect(try ConstructTests.value(.string(template)) == JSONParser.parse(expected))
    }

    @Test("every filter", arguments: [
        ("{{ dest | default: 'none' }}", #""none""#),
        ("{{ empty | default: src }}", #""10.0.0.5""#),
        ("{{ src | default: 'x' }}", #""10.0.0.5""#),
        ("{{ missing | default: 0 }}", "0"),
        ("{{ src | required }}", #""10.0.0.5""#),
        ("{{ rule_name | lower }}", #""brute force""#),
        ("{{ rule_name | upper }}", #""BRUTE FORCE""#),
        ("{{ padded | trim }}", #""x""#),
        ("{{ dest_port | int }}", "443"),
        ("{{ num | int }}", "3"),
        ("{{ f | int }}", "2"),
        ("{{ empty | int }}", "null"),
        ("{{ dest_port | float }}", "443.0"),
        ("{{ num | float }}", "3.7"),
        ("{{ n | string }}", #""42""#),
        ("{{ flag | bool }}", "true"),
        ("{{ n | bool }}", "true"),
        ("{{ empty | bool }}", "false"),
        ("{{ csv | split }}", #"["a","b","","c"]"#),
        ("{{ rule_name | split: ' ' }}", #"["Brute","Force"]"#),
        ("{{ tags | join }}", #""a,b""#),
        ("{{ tags | join: ' + ' }}", #""a + b""#),
        ("{{ tags | first }}", #""a""#),
        ("{{ tags | last }}", #""b""#),
        ("{{ src | replace: '.', '-' }}", #""10-0-0-5""#),
        (#"{{ src | regex: '^(\d+)\.' }}"#, #""10""#),
        (#"{{ rule_name | regex: 'F\w+' }}"#, #""Force""#),
        ("{{ rule_name | regex: 'nomatch' }}", "null"),
        ("{{ _time | time }}", #""2024-05-01T00:00:03.000000Z""#),
        ("{{ ms | time }}", #""2024-05-01T00:00:03.123000Z""#),
        ("{{ epoch_text | time }}", #""2024-05-01T00:00:03.250000Z""#),
        ("{{ epoch_padded | time }}", #""2024-05-01T00:00:03.250000Z""#),
        ("{{ iso | time }}", #""2024-05-01T08:00:00.500000Z""#),
        ("{{ offset4 | time }}", #""2024-05-01T10:00:00.123456Z""#),
        ("{{ nanos | time }}", #""2024-05-01T10:00:00.123456Z""#),
        ("{{ local | time }}", #""2024-05-01T10:00:00.000000Z""#),
        ("{{ rfc | time }}", #""2024-05-01T10:00:00.000000Z""#),
        ("{{ rfc_zone | time }}", #""2024-05-01T14:00:00.000000Z""#),
        ("{{ clf | time: '%d/%b/%Y:%H:%M:%S %z' }}", #""2024-05-01T08:00:00.000000Z""#),
        ("{{ '2024-122 10:00' | time: '%Y-%j %H:%M' }}", #""2024-05-01T10:00:00.000000Z""#),
        ("{{ '1714521603' | time: '%s' }}", #""2024-05-01T00:00:03.000000Z""#),
        ("{{ iso | time_ms }}", "1714550400500"),
        ("{{ _time | time_ms }}", "1714521603000"),
        ("{{ src | sha256 }}", #""0546412d61ba57f140cbc562c81ed83fb1b8aae26b57bb1ac00d5eddc798ac0f""#),
        ("{{ src | md5 }}", #""0669df0f031fb83e345267a9679bbc6a""#),
        ("{{ obj | json }}", #""{\"k\":[1,2]}""#),
        ("{{ tags | upper }}", #"["A","B"]"#),
        ("{{ iocs[*].value | lower | join: ';' }}", #""evil.example;bad.example""#),
        ("{{ missing | lower }}", "null"),
    ])
    func filters(template: String, expected: String) throws {
        #expect(try ConstructTests.value(.string(template)) == JSONParser.parse(expected))
    }

    @Test("value maps: mapped, passed through, defaulted, nested in lists")
    func valueMaps() throws {
        let map: JSONValue = ["value": "{{ urgency }}", "map": ["critical": "high"], "default": "medium"]
        #expect(try ConstructTests.value(map) == "high")
        #expect(try ConstructTests.value(["value": "{{ src }}", "map": ["x": "y"]]) == "10.0.0.5")
        #expect(try ConstructTests.value(["value": "{{ missing }}", "map": ["x": "y"], "default": "{{ event_id }}"]) == "E-1")
        #expect(try ConstructTests.value(["value": "{{ missing }}", "map": ["x": "y"]]) == .null)
        #expect(try ConstructTests.value(["value": "{{ urgency | upper }}", "map": ["critical": 3]]) == 3, "keys match case-insensitively")
        #expect(try ConstructTests.value([map, "{{ tags }}"]) == ["high", "a", "b"], "a list spliced with a[*] stays flat")
        #expect(try ConstructTests.value(["k": "{{ n }}", "fixed": true]) == ["k": 42, "fixed": true])
    }

    @Test("times without a zone are read in the asset's time zone, never the machine's", arguments: [
        ("Europe/Berlin", "{{ local | time }}", "2024-05-01T08:00:00.000000Z"),
        ("Europe/Berlin", "{{ winter | time }}", "2024-01-15T09:00:00.000000Z"),
        ("America/New_York", "{{ local | time }}", "2024-05-01T14:00:00.000000Z"),
        ("Asia/Kolkata", "{{ local | time }}", "2024-05-01T04:30:00.000000Z"),
        ("Europe/Berlin", "{{ iso | time }}", "2024-05-01T08:00:00.500000Z"),
        ("Europe/Berlin", "{{ _time | time }}", "2024-05-01T00:00:03.000000Z"),
        ("Europe/Berlin", "{{ 'Wed, 01 May 2024 10:00:00' | time }}", "2024-05-01T08:00:00.000000Z"),
        ("Europe/Berlin", "{{ '2024-05-01 10:00' | time: '%Y-%m-%d %H:%M' }}", "2024-05-01T08:00:00.000000Z"),
        // Daylight saving: the skipped 02:30 is read before the gap; the repeated 02:30 is its first occurrence.
        ("Europe/Berlin", "{{ '2024-03-31T02:30:00' | time }}", "2024-03-31T01:30:00.000000Z"),
        ("Europe/Berlin", "{{ '2024-10-27T02:30:00' | time }}", "2024-10-27T00:30:00.000000Z"),
        ("UTC", "{{ local | time }}", "2024-05-01T10:00:00.000000Z"),
    ])
    func zones(zone: String, template: String, expected: String) throws {
        var context = ConstructTests.context
        context.timeZone = try #require(MappingTimeZone(identifier: zone))
        #expect(try ConstructTests.value(.string(template), context: context) == .string(expected))
    }

    @Test("a container's start time without a zone follows the asset's zone too")
    func containerZone() throws {
        let m = try Mapping.compile(text: "container:\n  start_time: \"{{ local }}\"\nartifacts: []\n", file: "m.yaml")
        var context = ConstructTests.context
        context.timeZone = try #require(MappingTimeZone(identifier: "Europe/Berlin"))
        #expect(try m.apply(ConstructTests.record, context: context).container.startTime?.iso8601 == "2024-05-01T08:00:00.000000Z")
        #expect(MappingTimeZone(identifier: "Mars/Olympus_Mons") == nil)
    }

    @Test("severity: SOAR's names, common vocabularies, the asset's custom values, medium by default", arguments: [
        ("critical", [String](), "high"), ("High", [], "high"), ("informational", [], "low"), ("warning", [], "medium"),
        ("8", [], "high"), ("2", [], "low"), ("bogus", [], "medium"), ("", [], "medium"),
        ("critical", ["critical"], "critical"), ("P1", ["p1"], "p1"), ("Urgent", ["p1"], "high"),
    ])
    func severities(value: String, custom: [String], expected: String) throws {
        let m = try Mapping.compile(text: "container:\n  severity: \"{{ s }}\"\nartifacts:\n  - name: a\n", file: "m.yaml")
        var context = ConstructTests.context
        context.customSeverities = custom
        let r = try m.apply(["s": .string(value)], context: MappingContext(now: context.now, customSeverities: custom))
        #expect(r.container.severity == expected)
        #expect(r.artifacts[0].severity == expected, "an artifact inherits the container's severity")
    }

    @Test("container fields: every one, with the asset's label and tenant")
    func containerFields() throws {
        let m = try Mapping.compile(text: """
            container:
              name: "{{ rule_name }}"
              label: mapped
              source_data_identifier: "{{ event_id }}"
              description: "{{ rule_name }} from {{ src }}"
              severity: "{{ urgency }}"
              sensitivity: red
              status: new
              start_time: "{{ _time }}"
              end_time: "{{ ms | time }}"
              due_time: "2024-06-01T00:00:00Z"
              kill_chain: Delivery
              owner: admin
              tags: [x, "{{ tags }}", "{{ missing }}"]
              data: { id: "{{ event_id }}" }
              custom_fields: { ticket: "{{ event_id }}", port: "{{ dest_port | int }}" }
            artifacts: []
            """, file: "m.yaml")
        let r = try m.apply(ConstructTests.record, context: MappingContext(now: ConstructTests.context.now, labelOverride: "incident", tenant: "t1"))
        let c = r.container
        #expect(c.label == "incident")
        #expect(c.name == "Brute Force" && c.sourceDataIdentifier == "E-1" && c.description == "Brute Force from 10.0.0.5")
        #expect(c.severity == "high" && c.sensitivity == "red" && c.status == "new")
        #expect(c.startTime?.iso8601 == "2024-05-01T00:00:03.000000Z" && c.endTime?.iso8601 == "2024-05-01T00:00:03.123000Z")
        #expect(c.dueTime?.iso8601 == "2024-06-01T00:00:00.000000Z")
        #expect(c.killChain == "Delivery" && c.owner == "admin")
        #expect(c.tags == ["x", "a", "b", "t1"])
        #expect(c.data == ["id": "E-1"])
        #expect(c.customFields == ["ticket": "E-1", "port": 443])
    }

    @Test("artifact fields: every one, with for_each, when, cef_types and tags")
    func artifactFields() throws {
        let m = try Mapping.compile(text: """
            container: { severity: low }
            artifacts:
              - name: "IOC {{ $index }}: {{ $item.value }}"
                label: indicator
                type: network
                severity: high
                source_data_identifier: "{{ event_id }}-{{ $index }}"
                start_time: "{{ _time }}"
                end_time: "{{ ms }}"
                kill_chain: Command and Control
                description: "{{ $item.value | lower }}"
                tags: [ioc, "{{ urgency }}"]
                for_each: "{{ iocs }}"
                when: "{{ $item.value }}"
                cef: { destinationDnsDomain: "{{ $item.value | lower }}", iocIndex: "{{ $index }}" }
                cef_types: { iocIndex: [number] }
              - name: never
                when: "{{ dest }}"
              - name: false flag
                when: "{{ 'false' | bool }}"
            """, file: "m.yaml")
        let r = try m.apply(ConstructTests.record, context: ConstructTests.context)
        #expect(r.artifacts.count == 2)
        let a = r.artifacts[1]
        #expect(a.name == "IOC 1: bad.example" && a.label == "indicator" && a.type == "network" && a.severity == "high")
        #expect(a.sourceDataIdentifier == "E-1-1")
        #expect(a.startTime?.iso8601 == "2024-05-01T00:00:03.000000Z" && a.endTime?.iso8601 == "2024-05-01T00:00:03.123000Z")
        #expect(a.killChain == "Command and Control" && a.description == "bad.example" && a.tags == ["ioc", "critical"])
        #expect(a.cef == ["destinationDnsDomain": "bad.example", "iocIndex": 1])
        #expect(a.cefTypes == ["iocIndex": ["number"]])
        #expect(a.data == ConstructTests.record)
    }

    @Test("when: empty, false, zero and the text `bool` reads as false skip the artifact; anything else makes it")
    func whenValues() throws {
        let m = try Mapping.compile(text: "artifacts:\n  - name: made\n    when: \"{{ w }}\"\n", file: "m.yaml")
        func made(_ w: JSONValue) throws -> Bool { try m.apply(["w": w], context: ConstructTests.context).artifacts.count == 1 }
        for skip: JSONValue in [.null, "", "  ", "false", "FALSE", " no ", "n", "0", "off", "f", "            false           ", .bool(false), .int(0), .double(0), [], [:]] {
            #expect(try !made(skip), "\(JSONWriter.string(skip))")
        }
        for keep: JSONValue in ["true", "yes", "1", "x", "falsehood", "0.0.0.0", "no way", .bool(true), .int(2), .double(0.5), [0], ["a": 1],
                                "a value longer than sixteen bytes"] {
            #expect(try made(keep), "\(JSONWriter.string(keep))")
        }
        // A record without the value at all skips it too.
        #expect(try m.apply(["other": 1], context: ConstructTests.context).artifacts.isEmpty)
    }

    @Test("an integer beyond Int64 keeps its digits through paths, filters, the artifact and its hash")
    func bigIntegers() throws {
        let m = try Mapping.compile(text: """
            artifacts:
              - source_data_identifier: "{{ id }}"
                cef: { deviceExternalId: "{{ id }}", cs1: "{{ id | string }}", cs2: "{{ id | int }}", cs3: "{{ id | float }}",
                       cs4: "id {{ id }}", cs5: "{{ ids[*] }}" }
            """, file: "m.yaml")
        let record = try JSONParser.parse(#"{"id": 18446744073709551615, "ids": [18446744073709551616, 1]}"#)
        let a = try #require(try m.apply(record, context: ConstructTests.context).artifacts.first)
        #expect(a.sourceDataIdentifier == "18446744073709551615")
        #expect(a.cef == ["deviceExternalId": .bigInt("18446744073709551615"), "deviceCustomString1": "18446744073709551615",
                          "deviceCustomString2": .bigInt("18446744073709551615"), "deviceCustomString3": .double(18446744073709551616.0),
                          "deviceCustomString4": "id 18446744073709551615", "deviceCustomString5": [.bigInt("18446744073709551616"), 1]])
        let body = String(decoding: JSONWriter.canonicalBytes(.object(a.body)), as: UTF8.self)
        #expect(body.contains(#""data":{"id":18446744073709551615,"ids":[18446744073709551616,1]}"#), "\(body)")
        #expect(a.hash == Digest.sha256Hex(body))
    }

    @Test("a for_each over a single value makes one artifact; over nothing, none")
    func forEachShapes() throws {
        let m = try Mapping.compile(text: "artifacts:\n  - name: \"{{ $item }}\"\n    for_each: \"{{ v }}\"\n", file: "m.yaml")
        #expect(try m.apply(["v": "one"], context: ConstructTests.context).artifacts.map(\.name) == ["one"])
        #expect(try m.apply(["v": []], context: ConstructTests.context).artifacts.isEmpty)
        #expect(try m.apply(["v": .null], context: ConstructTests.context).artifacts.isEmpty)
    }

    @Test("group_by: records with the same key share a container whose SDI defaults to the key")
    func groupBy() throws {
        let m = try Mapping.compile(text: "container:\n  group_by: \"{{ g }}\"\nartifacts:\n  - name: \"{{ n }}\"\n", file: "m.yaml")
        let batch = MappedBatch(mapping: m, records: [["g": "A", "n": 1], ["g": "B", "n": 2], ["g": "A", "n": 3]],
                                context: ConstructTests.context)
        #expect(batch.groups.map(\.container.sourceDataIdentifier) == ["A", "B"])
        #expect(batch.groups.map { $0.artifacts.map(\.name) } == [["1", "3"], ["2"]])
        #expect(batch.groups.map(\.records) == [[0, 2], [1]])
        let ungrouped = try Mapping.compile(text: "artifacts:\n  - name: x\n", file: "m.yaml")
        let sdi = try ungrouped.apply(["g": "A"], context: ConstructTests.context).container.sourceDataIdentifier
        #expect(sdi == Digest.canonicalSHA256(["g": "A"]), "without group_by the SDI is the record's canonical hash")
    }
}

@Suite("Mapping context from an asset")
struct AssetContextTests {
    @Test("the asset gives $asset, the label, the tenant and the zone for zone-less times")
    func fromAsset() throws {
        let asset = AssetConfiguration(name: "acme", app: "http_json",
                                       ingest: IngestSettings(label: "incident", timezone: "Europe/Berlin", tenant: "blue"),
                                       file: "assets/acme.yaml")
        let context = try MappingContext(asset: asset, now: Timestamp(microseconds: 0))
        let m = try Mapping.compile(text: "container:\n  name: \"{{ $asset.name }}/{{ $asset.tenant }}\"\n  start_time: \"{{ t }}\"\nartifacts: []\n",
                                    file: "m.yaml")
        let r = try m.apply(["t": "2024-01-15 10:00:00"], context: context)
        #expect(r.container.name == "acme/blue" && r.container.label == "incident" && r.container.tags == ["blue"])
        #expect(r.container.startTime?.iso8601 == "2024-01-15T09:00:00.000000Z")
    }

    @Test("an unknown asset time zone is a configuration error naming the asset file")
    func badZone() {
        let asset = AssetConfiguration(name: "acme", app: "http_json", ingest: IngestSettings(timezone: "Europe/Atlantis"),
                                       file: "assets/acme.yaml")
        #expect(throws: IntakeError(.configuration, "unknown time zone 'Europe/Atlantis' in ingest.timezone (use an IANA name such as Europe/Berlin)",
                                    at: "assets/acme.yaml")) {
            _ = try MappingContext(asset: asset, now: Timestamp(microseconds: 0))
        }
    }
}
