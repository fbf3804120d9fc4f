import Foundation
import IntakeCore

/// A PostgreSQL cluster of one test's own, on a loopback port, for tests that stop or restart the
/// server (the shared test server must keep running for the other suites).
///
/// Started and stopped through `scripts/lib/postgres.sh`, the same code the test script uses.
public final class PrivatePostgres: @unchecked Sendable {
    // @unchecked: every property is set once in init and only read afterwards.
    public let url: String
    let directory: String
    let binDirectory: String
    static let script = #filePath.components(separatedBy: "/Tests/")[0] + "/scripts/lib/postgres.sh"

    public init() throws {
        let port = Int.random(in: 55_000...59_000)
        let out = try PrivatePostgres.bash("""
            source '\(PrivatePostgres.script)' && INTAKE_PG_PORT=\(port) pg_start 2>/dev/null \
              && echo "$INTAKE_TEST_POSTGRES_URL|$INTAKE_PG_DIR|$INTAKE_PG_BIN"
            """)
        let parts = out.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|").map(String.init)
        guard parts.count == 3 else { throw IntakeError(.store, "could not start a private PostgreSQL: \(out)") }
        url = parts[0]
        directory = parts[1]
        binDirectory = parts[2]
    }

    /// Restarts the server, dropping every connection (`pg_ctl restart -m fast`).
    public func restart() throws {
        _ = try PrivatePostgres.bash(asOwner("'\(binDirectory)/pg_ctl' -D '\(directory)/data' -m fast -w restart >/dev/null"))
    }

    public func stop() {
        _ = try? PrivatePostgres.bash("""
            source '\(PrivatePostgres.script)' && INTAKE_PG_DIR='\(directory)' INTAKE_PG_BIN='\(binDirectory)' pg_stop
            """)
    }

    private func asOwner(_ command: String) -> String {
        getuid() == 0 ? "runuser -u postgres -- bash -c \"\(command)\"" : command
    }

    @discardableResult
    static func bash(_ command: String) throws -> String {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("intake-pgctl-\(UUID().uuidString)").path
        let outPath = base + ".out", statusPath = base + ".status"
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: statusPath)
        }
        // The server started by the command outlives it and keeps inherited descriptors, so the end of
        // the command is read from a status file it writes last rather than from the process handle.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", "( \(command) ) > '\(outPath)' 2>&1 < /dev/null; echo $? > '\(statusPath).tmp'; mv '\(statusPath).tmp' '\(statusPath)'"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        var status: String?
        for _ in 0..<1200 {
            if let s = try? String(contentsOfFile: statusPath, encoding: .utf8) {
                status = s.trimmingCharacters(in: .whitespacesAndNewlines)
                break
            }
            usleep(50_000)
        }
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        guard status == "0" else {
            throw IntakeError(.store, "command failed (\(status ?? "still running after 60 s")): \(command.prefix(120)): \(out)")
        }
        return out
    }
}
