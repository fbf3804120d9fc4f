import Foundation
import Testing

/// `samples/deploy/intake.service` passes `systemd-analyze verify` (from Debian's systemd package,
/// which scripts/lib/setup.sh installs) with no warning at all.
@Suite("Deployment", .serialized)
struct DeploymentTests {
    static let unit = FeedServer.repositoryRoot + "/samples/deploy/intake.service"

    /// Verifies `text` as `intake.service`, with ExecStart pointing at the built binary (verify checks it exists).
    func verify(_ text: String) throws -> IntakeCLI.Result {
        let analyze = try #require(["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                   "systemd-analyze is missing: scripts/lib/setup.sh installs Debian's systemd package")
        let dir = try makeTemporaryDirectory("unit")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try text.replacingOccurrences(of: "ExecStart=/usr/local/bin/intake ", with: "ExecStart=\(IntakeCLI.binary) ")
            .write(toFile: dir + "/intake.service", atomically: true, encoding: .utf8)
        return try IntakeCLI(configDirectory: dir).runProgram(analyze, ["verify", dir + "/intake.service"])
    }

    @Test("systemd-analyze verify accepts the unit without a warning")
    func unitVerifies() throws {
        let text = try String(contentsOfFile: Self.unit, encoding: .utf8)
        let r = try verify(text)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        #expect(r.stdout.isEmpty, "\(r.stdout)")
    }

    @Test("the unit has what a production service needs", arguments: [
        "Restart=on-failure", "User=intake", "StateDirectory=intake", "ConfigurationDirectory=intake", "NoNewPrivileges=yes",
        "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "ReadWritePaths=/var/lib/intake", "CapabilityBoundingSet=\n",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "SystemCallFilter=@system-service", "ExecStart=/usr/local/bin/intake run ",
    ])
    func unitSettings(setting: String) throws {
        let text = try String(contentsOfFile: Self.unit, encoding: .utf8)
        #expect(text.contains("\n" + setting), "\(setting)")
    }

    @Test("a misspelt setting makes verify complain, so the check above can fail")
    func verifyCatchesMistakes() throws {
        let text = try String(contentsOfFile: Self.unit, encoding: .utf8)
            .replacingOccurrences(of: "ProtectSystem=strict", with: "ProtectSystem=stricter")
        let r = try verify(text)
        #expect(r.stderr.contains("ProtectSystem") || r.stderr.contains("protect system"), "\(r.stderr)")
    }
}
