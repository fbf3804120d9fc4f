import Foundation
import IntakeCore
import IntakeStore
import Testing

@Suite("A SQLite store that cannot be written")
struct ReadOnlyStoreTests {
    @Test("a read-only store file is refused with an error naming the file, and its data stays intact")
    func readOnly() async throws {
        let dir = try makeTemporaryDirectory("ro")
        defer {
            chmod(dir, 0o755)
            try? FileManager.default.removeItem(atPath: dir)
        }
        let path = dir + "/intake.sqlite"
        let store = try await SQLiteStore(path: path)
        let now = Timestamp.now()
        let run = try await store.beginRun(PollRunStart(asset: "a", mode: .pollNow, windowStart: now, windowEnd: now, startedAt: now))
        _ = try await store.save(PageWrite(asset: "a", appId: "http_json", runId: run,
                                           entries: [.init(container: ContainerDraft(label: "incident", name: "c", sourceDataIdentifier: "c-1"),
                                                           artifacts: [])],
                                           records: 1))
        await store.close()
        // Neither the file nor its directory may be written (WAL needs to create files beside it).
        chmod(path, 0o444)
        chmod(dir, 0o555)
        // root ignores file modes, so run the command as an unprivileged user when we are root.
        let command = ["containers", "list", "--store", "sqlite://\(path)"]
        let result: (status: Int32, stdout: String, stderr: String)
        if getuid() == 0 {
            let binary = dir + "-bin"
            try? FileManager.default.removeItem(atPath: binary)
            try FileManager.default.copyItem(atPath: IntakeProcess.binary, toPath: binary)
            defer { try? FileManager.default.removeItem(atPath: binary) }
            chmod(binary, 0o755)
            result = try await Self.run(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", binary] + command)
        } else {
            result = try await IntakeProcess.run(command)
        }
        #expect(result.status != 0)
        #expect(result.stderr.contains(path), "\(result.stderr)")
        #expect(result.stderr.contains("read-only") || result.stderr.contains("cannot be opened"), "\(result.stderr)")
        chmod(dir, 0o755)
        chmod(path, 0o644)
        let again = try await SQLiteStore(path: path)
        #expect(try await again.containers(ContainerQuery()).count == 1)
        await again.close()
    }

    static func run(_ argv: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        let dir = try makeTemporaryDirectory("ro-out")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = FileManager.default.createFile(atPath: dir + "/out", contents: nil)
        _ = FileManager.default.createFile(atPath: dir + "/err", contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/out"))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/err"))
        try p.run()
        for _ in 0..<3000 where p.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        return (p.terminationStatus, (try? String(contentsOfFile: dir + "/out", encoding: .utf8)) ?? "",
                (try? String(contentsOfFile: dir + "/err", encoding: .utf8)) ?? "")
    }
}
