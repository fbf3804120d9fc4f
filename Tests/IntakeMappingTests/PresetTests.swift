import Foundation
import IntakeCore
import IntakeMapping
import Testing

/// The preset mappings (`samples/mappings/<name>.yaml`) on their sample records
/// (`samples/records/<name>.json`), against golden output in `Golden/<name>.json`.
///
/// The golden JSON is what `intake map --json` prints, minus the raw records (`data`), which
/// the `hash` of each container and artifact still covers. Set INTAKE_UPDATE_GOLDEN=1 to rewrite
/// the files after a deliberate change, then review the diff.
@Suite("Preset mappings")
struct PresetTests {
    static let presets = ["splunk-notable", "elastic-alerts", "crowdstrike-detections", "guardduty-findings", "suricata-eve"]
    static let root = #filePath.components(separatedBy: "/Tests/")[0]
    static let golden = #filePath.components(separatedBy: "/PresetTests.swift")[0] + "/Golden"
    static let context = MappingContext(asset: ["name": "preset"], now: Timestamp(microseconds: 1_763_700_000_000_000))

    static func mapping(_ name: String) throws -> Mapping {
        try Mapping.load(path: "\(root)/samples/mappings/\(name).yaml", displayName: "samples/mappings/\(name).yaml")
    }

    static func records(_ name: String) throws -> [JSONValue] {
        let text = try String(contentsOfFile: "\(root)/samples/records/\(name).json", encoding: .utf8)
        return try #require(try JSONParser.parse(text).arrayValue)
    }

    static func render(_ batch: MappedBatch) -> JSONValue {
        let containers: [JSONValue] = batch.groups.map { g in
            var c = g.container.json
            c["data"] = nil
            c["artifacts"] = .array(g.artifacts.map { a in
                var o = a.json
                o["data"] = nil
                return .object(o)
            })
            return .object(c)
        }
        let quarantine: [JSONValue] = batch.quarantine.map { ["index": .int(Int64($0.index)), "error": .string($0.error.description)] }
        return ["containers": .array(containers), "quarantine": .array(quarantine)]
    }

    @Test("each preset compiles without warnings and maps its samples exactly as the golden file says", arguments: presets)
    func golden(name: String) throws {
        let m = try PresetTests.mapping(name)
        #expect(m.warnings.isEmpty, "\(m.warnings)")
        let records = try PresetTests.records(name)
        #expect((5...12).contains(records.count))
        let batch = MappedBatch(mapping: m, records: records, context: PresetTests.context)
        #expect(batch.quarantine.isEmpty, "\(batch.quarantine.map(\.error))")
        #expect(batch.groups.count < records.count, "some records share a container, so group_by matters")
        let actual = JSONWriter.string(PresetTests.render(batch), style: .pretty) + "\n"
        let path = "\(PresetTests.golden)/\(name).json"
        if ProcessInfo.processInfo.environment["INTAKE_UPDATE_GOLDEN"] != nil {
            try actual.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        #expect(actual == expected, "golden mismatch for \(name); rerun with INTAKE_UPDATE_GOLDEN=1 and review the diff")
    }

    @Test("every preset artifact has a stable, distinct source data identifier", arguments: presets)
    func stableIdentifiers(name: String) throws {
        let m = try PresetTests.mapping(name)
        let records = try PresetTests.records(name)
        let a = MappedBatch(mapping: m, records: records, context: PresetTests.context)
        let b = MappedBatch(mapping: try PresetTests.mapping(name), records: records,
                            context: MappingContext(asset: ["name": "preset"], now: Timestamp(microseconds: 0)))
        let sdis = a.groups.flatMap { $0.artifacts.compactMap(\.sourceDataIdentifier) }
        #expect(sdis.count == a.groups.reduce(0) { $0 + $1.artifacts.count })
        #expect(Set(sdis).count == sdis.count, "two artifacts share an SDI")
        #expect(sdis == b.groups.flatMap { $0.artifacts.compactMap(\.sourceDataIdentifier) })
        #expect(a.groups.flatMap { $0.artifacts.map(\.hash) } == b.groups.flatMap { $0.artifacts.map(\.hash) })
    }

    @Test("a record without the fields that identify its container is set aside or kept alone, never merged with others",
          arguments: presets)
    func unidentifiedRecordsNotMerged(name: String) throws {
        // Records of the source's shape with their identifying fields missing (a truncated export,
        // a wrong index): each must land in a container of its own or in quarantine. A container
        // id made of fixed text around an empty value (`flow-{{ flow_id }}`) would merge them all.
        let records: [JSONValue] = [[:], ["x": 1], ["x": 2, "message": "unrelated"]]
        let batch = MappedBatch(mapping: try PresetTests.mapping(name), records: records, context: PresetTests.context)
        let placed = batch.groups.flatMap(\.records) + batch.quarantine.map(\.index)
        #expect(placed.sorted() == [0, 1, 2])
        for g in batch.groups { #expect(g.records.count == 1, "records \(g.records) share container '\(g.container.sourceDataIdentifier)'") }
        for f in batch.quarantine { #expect(f.error.message.contains("required"), "\(f.error)") }
    }

    @Test("preset severities are SOAR's", arguments: presets)
    func severities(name: String) throws {
        let batch = MappedBatch(mapping: try PresetTests.mapping(name), records: try PresetTests.records(name), context: PresetTests.context)
        for g in batch.groups {
            #expect(Severity.builtIn.contains(g.container.severity))
            for a in g.artifacts { #expect(Severity.builtIn.contains(a.severity)) }
        }
    }
}
