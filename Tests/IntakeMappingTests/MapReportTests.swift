import IntakeCore
import IntakeMapping
import Testing

@Suite("intake map output")
struct MapReportTests {
    static let mapping = try! Mapping.compile(text: """
        container:
          group_by: "{{ g | required }}"
          name: "Group {{ g }}"
        artifacts:
          - name: "{{ n }}"
            source_data_identifier: "{{ n }}"
            cef: { sourceAddress: "{{ ip }}" }
          - name: unidentified
            when: "{{ raw_too }}"
        """, file: "m.yaml")
    static let records: [JSONValue] = [["g": "A", "n": "1", "ip": "10.0.0.1"], ["g": "B", "n": "2"], ["n": "3"],
                                       ["g": "A", "n": "1", "ip": "10.0.0.1"], ["g": "A", "n": "4", "raw_too": true]]

    @Test("the JSON of SPEC §10: containers with their artifacts, quarantine with record and error, and a summary")
    func json() throws {
        let batch = MappedBatch(mapping: MapReportTests.mapping, records: MapReportTests.records,
                                context: MappingContext(now: Timestamp(microseconds: 0)))
        let report = MapReport(batch: batch, unreadable: [["record": .null, "error": "r.json:7:1: bad"]])
        let json = report.json
        let containers = try #require(json["containers"]?.arrayValue)
        #expect(containers.map { $0["source_data_identifier"] } == ["A", "B"])
        #expect(containers[0]["artifacts"]?.arrayValue?.map { $0["name"] } == ["1", "1", "4", "unidentified"])
        #expect(containers[0]["artifacts"]?.arrayValue?.first?["cef"] == ["sourceAddress": "10.0.0.1"])
        #expect(containers[0]["store"] == nil, "no store, no outcome")
        let quarantine = try #require(json["quarantine"]?.arrayValue)
        #expect(quarantine.count == 2)
        #expect(quarantine[1]["record"] == ["n": "3"])
        #expect(quarantine[1]["index"] == 2)
        #expect(quarantine[1]["error"]?.stringValue?.hasPrefix("m.yaml:2:13: required value is missing or empty") == true)
        #expect(json["summary"] == ["records": 6, "containers": 2, "artifacts": 5, "quarantined": 2])
        #expect(report.text.contains("container events/A: Group A\n"))
        #expect(report.text.contains("quarantine: record 3: m.yaml:2:13: required value is missing or empty"))
    }

    @Test("with stored ids: new, duplicate of the stored id, duplicate of an earlier record; no SDI is always new")
    func outcomes() throws {
        let batch = MappedBatch(mapping: MapReportTests.mapping, records: MapReportTests.records,
                                context: MappingContext(now: Timestamp(microseconds: 0)))
        // Container A is stored (#7) with artifact "1" (#70); container B is new.
        let stored = StoredIDs(containers: [7, nil], artifacts: [[70, 70, nil, nil], [nil]])
        let json = MapReport(batch: batch, stored: stored).json
        let containers = try #require(json["containers"]?.arrayValue)
        #expect(containers.map { $0["store"] } == [["outcome": "duplicate", "id": 7], ["outcome": "new"]])
        #expect(containers[0]["artifacts"]?.arrayValue?.map { $0["store"] } == [
            ["outcome": "duplicate", "id": 70], ["outcome": "duplicate", "id": 70], ["outcome": "new"], ["outcome": "new"],
        ])
        let fresh = MapReport(batch: batch, stored: StoredIDs(containers: [nil, nil], artifacts: [[nil, nil, nil, nil], [nil]])).json
        #expect(fresh["containers"]?.arrayValue?.first?["artifacts"]?.arrayValue?.map { $0["store"] } == [
            ["outcome": "new"], ["outcome": "duplicate", "of": "an earlier record of this input"], ["outcome": "new"], ["outcome": "new"],
        ])
        #expect(fresh["summary"]?["artifacts_duplicate"] == 1)
        #expect(fresh["summary"]?["containers_new"] == 2)
    }
}
