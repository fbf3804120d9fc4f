import Foundation
import IntakeCore
import IntakeScheduler
import IntakeStore
import Logging
import Synchronization

/// The loopback API server of `Support/api_server.py`, started for one test and stopped after it.
final class APIServer: @unchecked Sendable {
    // @unchecked: every stored property is set once in init and only read afterwards.
    enum Certificate: String {
        case valid, expired
        case selfSigned = "self-signed"
    }

    let process: Process
    let port: Int
    let directory: String
    let tls: Bool
    var tlsDirectory: String { directory + "/tls" }
    var caFile: String { tlsDirectory + "/ca.pem" }
    var baseURL: String { "\(tls ? "https" : "http")://127.0.0.1:\(port)" }

    static let script = #filePath.replacingOccurrences(of: "APIServer.swift", with: "Support/api_server.py")

    /// The secrets the server expects; a test checks none of them reaches a log, an error or a result.
    static let secrets = ["pw-S3cr3t-basic", "tok-S3cr3t-bearer", "key-S3cr3t-api", "cs-S3cr3t-oauth", "at-S3cr3t-",
                          "px-S3cr3t-proxy", "splunk-S3cr3t-token", "el-S3cr3t-pass"]

    init(records: JSONValue, tls: Bool = true, certificate: Certificate = .valid, clientCertificates: Bool = false,
         perPage: Int = 10) throws {
        directory = try makeTemporaryDirectory("api")
        self.tls = tls
        let recordsFile = directory + "/records.json"
        try JSONWriter.string(records).write(toFile: recordsFile, atomically: true, encoding: .utf8)
        let portFile = directory + "/port"
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var args = ["python3", APIServer.script, "--records", recordsFile, "--port-file", portFile, "--per-page", String(perPage),
                    "--access-log", directory + "/access.log"]
        if tls { args += ["--tls", directory + "/tls", "--cert", certificate.rawValue] }
        if clientCertificates { args.append("--client-ca") }
        process.arguments = args
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var found: Int? = nil
        for _ in 0..<600 {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let p = Int(text) {
                found = p
                break
            }
            usleep(50_000)
        }
        guard let found else {
            kill(process.processIdentifier, SIGKILL)
            throw IntakeError(.connection, "the API server did not start")
        }
        port = found
    }

    /// Lines of the access log: "client-port METHOD path [markers]".
    var requests: [String] {
        ((try? String(contentsOfFile: directory + "/access.log", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func stop() {
        kill(process.processIdentifier, SIGKILL)
        for _ in 0..<200 where process.isRunning { usleep(10_000) }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Records with distinct ids, as a generic API returns them.
func apiRecords(_ count: Int) -> JSONValue {
    .array((1...max(1, count)).prefix(count).map { i in
        .object(["id": .string("r\(i)"), "n": .int(Int64(i)), "time": .string("2026-11-20T10:00:\(String(format: "%02d", i % 60))Z")])
    })
}

/// Log lines captured from every logger a test hands out.
final class LogCapture: Sendable {
    let lines = Mutex<[String]>([])

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    func logger(_ label: String = "test") -> Logger {
        var logger = Logger(label: label) { _ in CapturingLogHandler(capture: self) }
        logger.logLevel = .trace
        return logger
    }
}

struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let text = "\(event.level) \(event.message) " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        capture.lines.withLock { $0.append(text) }
    }
}

/// A configuration directory with one asset and its mapping, polled into its own SQLite store.
struct AssetDirectory {
    let directory: String
    let storePath: String
    let name: String

    static let genericMapping = """
        version: 1
        container:
          group_by: "{{ id }}"
          name: "record {{ id }}"
        artifacts:
          - name: record
            source_data_identifier: "{{ id }}"
        """

    /// `configuration` is the YAML under `configuration:`, indented by two spaces per level from column 0.
    init(name: String = "feed", app: String = "http_json", configuration: String, mapping: String = AssetDirectory.genericMapping,
         mappingFile: String? = nil, trust: String? = nil) throws {
        self.name = name
        directory = try makeTemporaryDirectory("asset")
        storePath = directory + "/data/intake.sqlite"
        let fm = FileManager.default
        for d in ["assets", "mappings", "certs"] {
            try fm.createDirectory(atPath: directory + "/" + d, withIntermediateDirectories: true)
        }
        if let trust { try fm.copyItem(atPath: trust, toPath: directory + "/certs/test-ca.pem") }
        try "store: sqlite://data/intake.sqlite\n".write(toFile: directory + "/intake.yaml", atomically: true, encoding: .utf8)
        let indented = configuration.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
        let mappingPath = mappingFile ?? "mappings/\(name).yaml"
        try """
            name: \(name)
            app: \(app)
            configuration:
            \(indented)
            ingest:
              label: incident
              mapping: \(mappingPath)
              first_run: { lookback: 30d }
            """.write(toFile: directory + "/assets/\(name).yaml", atomically: true, encoding: .utf8)
        if mappingFile == nil {
            try mapping.write(toFile: directory + "/mappings/\(name).yaml", atomically: true, encoding: .utf8)
        }
    }

    func poll(_ mode: PollMode = .scheduled, start: Timestamp? = nil, end: Timestamp? = nil, containerCount: Int64? = nil,
              logger: Logger = Logger(label: "test")) async throws -> (ConnectorRunResult, SQLiteStore)
    {
        let loader = ConfigLoader(directory: directory)
        let service = try loader.service()
        let store = try await SQLiteStore(path: storePath)
        let runner = PollRunner(loader: loader, service: service, store: store, logger: logger)
        let options = PollOptions(mode: mode, start: start, end: end, containerCount: containerCount)
        return (await runner.poll(assetName: name, options: options), store)
    }

    func checkConnectivity(logger: Logger = Logger(label: "test")) async throws -> ConnectorRunResult {
        let loader = ConfigLoader(directory: directory)
        let service = try loader.service()
        let store = try await SQLiteStore(path: storePath)
        let result = await PollRunner(loader: loader, service: service, store: store, logger: logger).test(assetName: name)
        await store.close()
        return result
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}
