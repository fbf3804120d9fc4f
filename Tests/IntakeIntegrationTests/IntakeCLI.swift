import Foundation
import IntakeCore
import IntakeStore

/// Runs the built `intake` executable (`.build/debug/intake`) against a configuration directory.
struct IntakeCLI {
    static let binary = FeedServer.repositoryRoot + "/.build/debug/intake"

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    let configDirectory: String

    /// Runs `intake ARGS --config DIR` with standard input from `stdin` (empty when nil, never a terminal).
    func run(_ args: [String], stdin: String? = nil) throws -> Result {
        try runProgram(IntakeCLI.binary, args + ["--config", configDirectory], stdin: stdin)
    }

    /// Runs any program the same way.
    func runProgram(_ program: String, _ args: [String], stdin: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "INTAKE_CONFIG")
        env.removeValue(forKey: "INTAKE_STORE")
        p.environment = env
        // Output goes to files, so a large output can never block the child on a full pipe.
        let dir = try makeTemporaryDirectory("cli-run")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = FileManager.default.createFile(atPath: dir + "/out", contents: nil)
        _ = FileManager.default.createFile(atPath: dir + "/err", contents: nil)
        _ = FileManager.default.createFile(atPath: dir + "/in", contents: Data((stdin ?? "").utf8))
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/out"))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/err"))
        let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: dir + "/in"))
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        p.waitUntilExit()
        try out.close()
        try err.close()
        try input.close()
        return Result(status: p.terminationStatus,
                      stdout: String(decoding: FileManager.default.contents(atPath: dir + "/out") ?? Data(), as: UTF8.self),
                      stderr: String(decoding: FileManager.default.contents(atPath: dir + "/err") ?? Data(), as: UTF8.self))
    }
}
