import ArgumentParser
import Foundation
import IntakeCore
import IntakeMapping
import IntakeStore

/// `intake mapping check FILE`.
struct MappingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mapping", abstract: "Work with mapping files.",
                                                    subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a mapping file; problems print as FILE:LINE:COLUMN: message.",
            discussion: "Exits 0 when the mapping compiles (warnings, such as custom CEF keys without cef_types, "
                + "are printed but do not fail it unless --strict), 1 otherwise. Every error is listed, not just the first.")
        @Argument(help: "The mapping file (YAML or JSON).") var file: String
        @Flag(help: "Treat warnings as errors.") var strict = false

        func run() async throws {
            do {
                let m = try Mapping.load(path: file)
                for w in m.warnings { print(w.description) }
                if strict && !m.warnings.isEmpty { throw ExitCode(1) }
                print("\(file): ok" + (m.warnings.isEmpty ? "" : " (\(m.warnings.count) warning\(m.warnings.count == 1 ? "" : "s"))"))
            } catch let error as MappingLoadError {
                for d in error.diagnostics + error.warnings { print(d.description) }
                throw ExitCode(1)
            }
        }
    }
}

/// `intake map MAPPING RECORDS`: what raw records become, and with `--store` what is new.
struct MapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map", abstract: "Show what raw records become under a mapping.",
        discussion: """
            RECORDS is a JSON array, NDJSON (one object per line) or a single object; '-' reads standard input. \
            Records that fail to map are listed under "quarantine" with their error; the rest go on. \
            With --store (and --asset), each container and artifact is marked new or duplicate of what the store holds, \
            with the stored id. Nothing is written.
            """)
    @Argument(help: "The mapping file.") var mapping: String
    @Argument(help: "Records: a JSON array, NDJSON, or one object ('-' for standard input).") var records: String
    @Flag(help: "Print JSON: {\"containers\": [... with \"artifacts\"], \"quarantine\": [{\"record\", \"error\"}]} (the default).")
    var json = false
    @Flag(help: "Print a readable summary instead of JSON.") var text = false
    @Option(help: "Map as this configured asset would: its label, tenant and timezone (and its store identity with --store).")
    var asset: String?
    @Option(help: "IANA zone for times written without an offset (default: the asset's timezone, else UTC).")
    var timezone: String?
    @Option(help: "The time $now stands for (ISO-8601; default: the current time).") var now: String?
    @Flag(help: "Compare with the configured store: is each container and artifact new or a duplicate?") var store = false
    @Option(name: .customLong("store-url"), help: "Store URL, overriding intake.yaml (with --store).") var storeURL: String?
    @Option(help: "Configuration directory (default: $INTAKE_CONFIG or ./config).") var config: String?

    func validate() throws {
        if store && asset == nil {
            throw ValidationError("--store needs --asset NAME: a container's identity is (asset, label, source_data_identifier)")
        }
    }

    func run() async throws {
        let m: Mapping
        do {
            m = try Mapping.load(path: mapping)
        } catch {
            for d in error.diagnostics { printError(d.description) }
            throw ExitCode(1)
        }
        let (items, unreadable) = try readRecords()
        var context = MappingContext()
        var environment: CommandEnvironment? = nil
        if asset != nil || store {
            var args: [String] = []
            if let config { args += ["--config", config] }
            if let storeURL { args += ["--store", storeURL] }
            environment = try CommandEnvironment(try GlobalOptions.parse(args))
        }
        let moment: Timestamp
        if let now {
            guard let t = Timestamp(iso8601: now) else { throw ValidationError("--now: '\(now)' is not an ISO-8601 time") }
            moment = t
        } else {
            moment = .now()
        }
        if let asset, let environment {
            context = try MappingContext(asset: try environment.loader.asset(named: asset), now: moment)
        } else {
            context.now = moment
        }
        if let timezone {
            guard let z = MappingTimeZone(identifier: timezone) else {
                throw ValidationError("--timezone: unknown time zone '\(timezone)' (use an IANA name such as Europe/Berlin)")
            }
            context.timeZone = z
        }

        let batch = MappedBatch(mapping: m, records: items, context: context)
        var lookups: StoredIDs? = nil
        if store, let asset, let environment {
            let s = try await environment.openStore()
            do {
                lookups = try await StoredIDs(batch: batch, asset: asset, store: s)
            } catch {
                await s.close()
                throw error
            }
            await s.close()
        }
        let report = MapReport(batch: batch, unreadable: unreadable, stored: lookups)
        if text && !json {
            print(report.text, terminator: "")
        } else {
            printJSON(report.json)
        }
    }

    /// The records as values, and the lines that were not JSON (NDJSON input) as quarantine entries.
    func readRecords() throws -> ([JSONValue], [JSONValue]) {
        let data: Data
        if records == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let d = FileManager.default.contents(atPath: records) else {
                throw CommandFailure("\(records): cannot read the records file (missing or unreadable)")
            }
            data = d
        }
        let bytes = [UInt8](data)
        var items: [JSONValue] = []
        var unreadable: [JSONValue] = []
        do {
            switch try JSONParser.parse(bytes) {
            case .array(let a): items = a
            case let v: items = [v]
            }
        } catch {
            let lines = JSONParser.parseLines(bytes)
            // One line that is not JSON is the whole input failing, not NDJSON with a bad line.
            if lines.count <= 1, case .failure(let f)? = lines.first {
                throw CommandFailure("\(records):\(f.line):\(f.column): \(f.message)")
            }
            for r in lines {
                switch r {
                case .success(let v): items.append(v)
                case .failure(let f):
                    unreadable.append(["record": .null, "error": .string("\(records):\(f.line):\(f.column): \(f.message)")])
                }
            }
        }
        return (items, unreadable)
    }
}

extension StoredIDs {
    /// For `intake map --store`: looks up the batch's containers (by identity) and artifacts (by hash).
    init(batch: MappedBatch, asset: String, store: any Store) async throws(IntakeError) {
        self.init()
        for g in batch.groups {
            let cid = try await store.containerID(asset: asset, label: g.container.label,
                                                  sourceDataIdentifier: g.container.sourceDataIdentifier)
            containers.append(cid)
            var ids: [Int64?] = []
            for a in g.artifacts {
                if let cid, a.sourceDataIdentifier != nil {
                    ids.append(try await store.artifactID(containerID: cid, hash: a.hash))
                } else {
                    ids.append(nil)
                }
            }
            artifacts.append(ids)
        }
    }
}
