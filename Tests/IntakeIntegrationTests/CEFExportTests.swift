import Foundation
import IntakeCore
import IntakeStore
import Testing

/// The Python that has pycef: the repository's `.build-venv` (scripts/lib/setup.sh), else `python3`.
enum PyCEF {
    static let script = #filePath.replacingOccurrences(of: "CEFExportTests.swift", with: "Support/cef_parse.py")

    static let python: String? = {
        for candidate in [FeedServer.repositoryRoot + "/.build-venv/bin/python", "/usr/bin/env"] {
            let args = candidate == "/usr/bin/env" ? ["python3", "-c", "import pycef"] : ["-c", "import pycef"]
            let p = Process()
            p.executableURL = URL(fileURLWithPath: candidate)
            p.arguments = args
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { continue }
            p.waitUntilExit()
            if p.terminationStatus == 0 { return candidate }
        }
        return nil
    }()

    /// Parses CEF lines with pycef; one `{"header", "extension"}` object per line.
    static func parse(_ lines: String) throws -> [JSONValue] {
        let python = try #require(python)
        let dir = try makeTemporaryDirectory("pycef")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = FileManager.default.createFile(atPath: dir + "/in", contents: Data(lines.utf8))
        _ = FileManager.default.createFile(atPath: dir + "/out", contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = (python == "/usr/bin/env" ? ["python3"] : []) + [script]
        p.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: dir + "/in"))
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/out"))
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let out = String(decoding: FileManager.default.contents(atPath: dir + "/out") ?? Data(), as: UTF8.self)
        return try out.split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }
}

@Suite("CEF export read back by an independent parser (pycef)", .serialized,
       .enabled(if: FileManager.default.isExecutableFile(atPath: IntakeCLI.binary), "build the intake executable first (swift build)"),
       .enabled(if: PyCEF.python != nil, "python3 with pycef is unavailable: run scripts/test, whose scripts/lib/setup.sh installs pycef into .build-venv"))
struct CEFExportTests {
    @Test("every artifact is one line whose key/value pairs parse back exactly, including |, =, \\ and newlines")
    func roundTrip() async throws {
        let f = try CLIFixture()
        defer { f.remove() }
        _ = try await populate(f)
        let r = try f.cli.run(["export", "--format", "cef"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        #expect(lines.count == 4, "one line per artifact, and no raw newline inside a line")
        #expect(lines.allSatisfy { $0.hasPrefix("CEF:0|Intake|Intake|") })

        let parsed = try PyCEF.parse(lines.joined(separator: "\n") + "\n")
        #expect(parsed.count == 4)
        let expected: [String: JSONObject] = try await f.withStore { store in
            var byName: [String: JSONObject] = [:]
            for a in try await store.artifacts(ArtifactQuery()) {
                var o = JSONObject()
                for m in a.cef {
                    if let text = CEFLine.extensionText(m.value), !text.isEmpty { o[m.key] = .string(text) }
                }
                o["rt"] = .string(String((a.startTime ?? a.createTime).milliseconds))
                byName[a.name] = o
            }
            return byName
        }
        for p in parsed {
            #expect(p["error"] == nil, "pycef failed on a line: \(p)")
            let name = try #require(p["header"]?["Name"]?.stringValue)
            let want = try #require(expected[name], "unexpected name \(name)")
            let got = try #require(p["extension"]?.objectValue)
            #expect(Set(got.keys) == Set(want.keys), "keys of \(name)")
            for m in want {
                #expect(got[m.key] == m.value, "\(name).\(m.key)")
            }
            #expect(p["header"]?["DeviceVendor"] == "Intake")
            #expect(p["header"]?["CEFVersion"] == "0")
        }
        // The tricky artifact's values came back exactly as stored.
        let tricky = try #require(parsed.first { $0["header"]?["Name"] == "Tricky values" })
        #expect(tricky["extension"]?["msg"] == "pipe | equals = backslash \\ newline \n carriage \r end")
        #expect(tricky["extension"]?["filePath"] == "C:\\temp\\")
        #expect(tricky["extension"]?["escaped"] == "\\n is not a newline, \\= is not an equals")
        #expect(tricky["extension"]?["padded"] == "  two spaces around  ")
        #expect(tricky["extension"]?["destinationPort"] == "443")
        #expect(tricky["header"]?["Severity"] == "8")
        #expect(tricky["header"]?["DeviceEventClassID"] == "event")
    }
}
