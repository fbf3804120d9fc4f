import ArgumentParser
import Foundation
import IntakeCore
import IntakeMapping

/// `intake mapping check FILE`.
struct MappingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mapping", abstract: "Work with mapping files.",
                                                    subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate a mapping file; errors print as FILE:LINE:COLUMN: message.")
        @Argument(help: "The mapping file.") var file: String

        func run() async throws {
            do {
                let m = try Mapping.load(path: file)
                for w in m.warnings { print(w.description) }
                print("\(file): ok")
            } catch {
                for d in error.diagnostics { print(d.description) }
                throw ExitCode(1)
            }
        }
    }
}

/// `intake map MAPPING RECORDS`: what raw records become.
struct MapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "map", abstract: "Show what raw records become under a mapping (JSON).")
    @Argument(help: "The mapping file.") var mapping: String
    @Argument(help: "Records: a JSON array, NDJSON, or one object.") var records: String
    @Flag(help: "JSON output (the default and only format).") var json = false

    func run() async throws {
        let m: Mapping
        do {
            m = try Mapping.load(path: mapping)
        } catch {
            for d in error.diagnostics { printError(d.description) }
            throw ExitCode(1)
        }
        guard let data = FileManager.default.contents(atPath: records) else {
            printError("\(records): cannot read the records file")
            throw ExitCode(1)
        }
        let bytes = [UInt8](data)
        var items: [JSONValue] = []
        var quarantine: [JSONValue] = []
        do {
            switch try JSONParser.parse(bytes) {
            case .array(let a): items = a
            case let v: items = [v]
            }
        } catch {
            for (i, r) in JSONParser.parseLines(bytes).enumerated() {
                switch r {
                case .success(let v): items.append(v)
                case .failure(let f):
                    quarantine.append(["record": .null, "error": .string("\(records):\(f.line):\(f.column): \(f.message)"),
                                       "index": .int(Int64(i))])
                }
            }
        }
        var containers: [(String, JSONObject)] = []
        let context = MappingContext()
        for record in items {
            do {
                let r = try m.apply(record, context: context)
                let key = r.container.label + "\u{1F}" + r.container.sourceDataIdentifier
                let artifacts = r.artifacts.map(MapCommand.artifactJSON)
                if let i = containers.firstIndex(where: { $0.0 == key }) {
                    var arr = containers[i].1["artifacts"]?.arrayValue ?? []
                    arr.append(contentsOf: artifacts)
                    containers[i].1["artifacts"] = .array(arr)
                } else {
                    var o = MapCommand.containerJSON(r.container)
                    o["artifacts"] = .array(artifacts)
                    containers.append((key, o))
                }
            } catch {
                quarantine.append(["record": record, "error": .string(error.description)])
            }
        }
        printJSON(["containers": .array(containers.map { .object($0.1) }), "quarantine": .array(quarantine)])
    }

    static func containerJSON(_ c: ContainerDraft) -> JSONObject {
        ["label": .string(c.label), "name": .string(c.name), "source_data_identifier": .string(c.sourceDataIdentifier),
         "description": .optional(c.description), "status": .string(c.status), "sensitivity": .string(c.sensitivity),
         "severity": .string(c.severity), "start_time": .optional(c.startTime), "end_time": .optional(c.endTime),
         "due_time": .optional(c.dueTime), "kill_chain": .optional(c.killChain), "owner": .optional(c.owner),
         "tags": .array(c.tags.map(JSONValue.string)), "hash": .string(c.dataHash), "data": c.data,
         "custom_fields": .object(c.customFields)]
    }

    static func artifactJSON(_ a: ArtifactDraft) -> JSONValue {
        ["name": .string(a.name), "label": .string(a.label), "source_data_identifier": .optional(a.sourceDataIdentifier),
         "start_time": .optional(a.startTime), "end_time": .optional(a.endTime), "severity": .string(a.severity),
         "type": .optional(a.type), "kill_chain": .optional(a.killChain), "hash": .string(a.hash), "cef": .object(a.cef),
         "cef_types": .object(a.cefTypes), "description": .optional(a.description), "tags": .array(a.tags.map(JSONValue.string)),
         "data": a.data]
    }
}
