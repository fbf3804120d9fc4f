import Foundation
import IntakeCore

/// The built `intake` executable, run as a child process the way users run it.
final class IntakeProcess: @unchecked Sendable {
    // @unchecked: the process handle and file paths are set once in init and only read afterwards.
    static let binary = FeedServer.repositoryRoot + "/.build/debug/intake"

    let process: Process
    let stdoutPath: String
    let stderrPath: String

    /// Starts `intake ARGS...` with its output going to temporary files.
    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        guard FileManager.default.isExecutableFile(atPath: IntakeProcess.binary) else {
            throw IntakeError(.configuration, "the intake executable is not built", at: IntakeProcess.binary,
                              hint: "run swift build --build-tests first (scripts/test does)")
        }
        let dir = try makeTemporaryDirectory("proc")
        stdoutPath = dir + "/stdout"
        stderrPath = dir + "/stderr"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: IntakeProcess.binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Waits for the process to end (polling: `waitUntilExit` can hang off the main thread on Linux);
    /// nil when it is still running after `timeout` seconds.
    func wait(timeout: Double = 300) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return process.terminationStatus
    }

    /// Every thread's stack of the running process, for a test's failure message when the process
    /// did not end in time; empty when gdb is not installed or cannot attach.
    func threadStacks() -> String {
        guard process.isRunning, FileManager.default.isExecutableFile(atPath: "/usr/bin/gdb") else { return "" }
        let gdb = Process()
        gdb.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        gdb.arguments = ["60", "/usr/bin/gdb", "-p", String(pid), "-batch", "-ex", "thread apply all bt"]
        let out = (try? makeTemporaryDirectory("stacks")).map { $0 + "/stacks" } ?? "/dev/null"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        gdb.standardOutput = try? FileHandle(forWritingTo: URL(fileURLWithPath: out))
        gdb.standardError = gdb.standardOutput
        guard (try? gdb.run()) != nil else { return "" }
        for _ in 0..<700 where gdb.isRunning { usleep(100_000) }
        return "thread stacks of intake (pid \(pid)):\n" + ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
    }

    func kill(_ signal: Int32 = SIGKILL) {
        _ = Foundation.kill(process.processIdentifier, signal)
    }

    /// Runs `intake ARGS...` to completion.
    static func run(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 300) async throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let p = try IntakeProcess(arguments, environment: environment)
        guard let status = await p.wait(timeout: timeout) else {
            p.kill()
            throw IntakeError(.timeout, "intake \(arguments.joined(separator: " ")) did not finish in \(Int(timeout)) s")
        }
        return (status, p.stdout, p.stderr)
    }
}
