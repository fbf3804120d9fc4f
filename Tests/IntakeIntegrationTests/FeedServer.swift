import Foundation
import IntakeCore

/// The loopback feed server of `Support/feed_server.py`, started for one test and stopped after it.
final class FeedServer: @unchecked Sendable {
    // @unchecked: the process handle is set once in init and only read afterwards.
    let process: Process
    let port: Int
    let directory: String
    var tlsDirectory: String { directory + "/tls" }
    var caFile: String { tlsDirectory + "/ca.pem" }
    var baseURL: String { "https://127.0.0.1:\(port)" }

    static let script = #filePath.replacingOccurrences(of: "FeedServer.swift", with: "Support/feed_server.py")
    static let repositoryRoot = #filePath.components(separatedBy: "/Tests/")[0]

    /// Starts the server over `records` (a JSON array) with a freshly generated CA; each page of
    /// alerts is served after `pageDelayMilliseconds`.
    init(records: JSONValue, perPage: Int = 10, pageDelayMilliseconds: Int = 0) throws {
        directory = try makeTemporaryDirectory("feed")
        let recordsFile = directory + "/records.json"
        try JSONWriter.string(records).write(toFile: recordsFile, atomically: true, encoding: .utf8)
        let portFile = directory + "/port"
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", FeedServer.script, "--records", recordsFile, "--port", "0", "--port-file", portFile,
                             "--tls", directory + "/tls", "--per-page", String(perPage), "--access-log", directory + "/access.log",
                             "--page-delay-ms", String(pageDelayMilliseconds)]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var found: Int? = nil
        for _ in 0..<300 {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let p = Int(text) {
                found = p
                break
            }
            usleep(50_000)
        }
        guard let found else {
            process.terminate()
            throw IntakeError(.connection, "the feed server did not start")
        }
        port = found
    }

    /// Lines of the access log: "client-port METHOD path".
    var requests: [String] {
        ((try? String(contentsOfFile: directory + "/access.log", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Stops the server. `Process.waitUntilExit` spins a run loop that can hang off the main thread
    /// on Linux, so this signals the process and polls instead.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        for _ in 0..<200 where process.isRunning { usleep(10_000) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A CA that signed nothing the server uses: trusting it must not let the handshake through.
    static func unrelatedCA() throws -> String {
        let dir = try makeTemporaryDirectory("ca")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, "--make-tls-only", "--tls", dir]
        try p.run()
        for _ in 0..<600 where p.isRunning { usleep(50_000) }
        guard FileManager.default.fileExists(atPath: dir + "/ca.pem") else {
            throw IntakeError(.tls, "could not generate a CA with openssl")
        }
        return dir + "/ca.pem"
    }
}

func makeTemporaryDirectory(_ prefix: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("intake-\(prefix)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Synthetic alerts with distinct ids and times, like a SIEM export.
func sampleRecords(_ count: Int) -> JSONValue {
    let urgencies = ["low", "medium", "high", "critical"]
    var out: [JSONValue] = []
    for i in 1...count {
        var o = JSONObject()
        o.append("event_id", .string("evt-\(i)"))
        o.append("incident_id", .string("INC-\(i % 7)"))
        o.append("_time", .int(1_714_521_600 + Int64(i) * 3))
        o.append("rule_name", .string("Rule \(i % 5)"))
        o.append("urgency", .string(urgencies[i % 4]))
        o.append("src", .string("10.0.\(i / 250).\(i % 250 + 1)"))
        o.append("dest_port", .string(String(443 + i % 3)))
        out.append(.object(o))
    }
    return .array(out)
}
