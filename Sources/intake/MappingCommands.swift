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
                let artifacts = r.artifacts.map { JSONValue.object($0.json) }
                if let i = containers.firstIndex(where: { $0.0 == key }) {
                    var arr = containers[i].1["artifacts"]?.arrayValue ?? []
                    arr.append(contentsOf: artifacts)
                    containers[i].1["artifacts"] = .array(arr)
                } else {
                    var o = r.container.json
                    o["artifacts"] = .array(artifacts)
                    containers.append((key, o))
                }
            } catch {
                quarantine.append(["record": record, "error": .string(error.description)])
            }
        }
        printJSON(["containers": .array(containers.map { .object($0.1) }), "quarantine": .array(quarantine)])
    }
}
