import Foundation
import IntakeCore
import Testing

/// `intake poll`'s progress and logs, `intake status`, `--version`, completions and exit statuses,
/// all through the built executable against a loopback HTTPS feed.
@Suite("Operability from the command line", .serialized)
struct OperabilityCLITests {
    static let password = "hunter2-Sup3r-s3cret"

    /// A TestConfig whose asset authenticates with basic auth and polls every 5 minutes.
    func config(_ server: FeedServer) throws -> TestConfig {
        let config = try TestConfig(server: server, trustCA: server.caFile)
        let asset = config.directory + "/assets/feed.yaml"
        try String(contentsOfFile: asset, encoding: .utf8)
            .replacingOccurrences(of: "  verify_server_cert:", with: "  auth: basic\n  username: analyst\n  password: \(Self.password)\n  verify_server_cert:")
            .replacingOccurrences(of: "ingest:\n", with: "ingest:\n  schedule: { interval: 5m }\n")
            .write(toFile: asset, atomically: true, encoding: .utf8)
        return config
    }

    /// Control characters other than newline.
    static func controlCharacters(_ text: String) -> [Unicode.Scalar] {
        text.unicodeScalars.filter { ($0.value < 0x20 && $0 != "\n") || $0.value == 0x7F }
    }

    @Test("JSON logs: one object per line, poll lines carry asset, run and window, and no secret appears")
    func jsonLogs() throws {
        let server = try FeedServer(records: sampleRecords(25))
        defer { server.stop() }
        let config = try config(server)
        defer { config.remove() }
        let cli = IntakeCLI(configDirectory: config.directory)
        let r = try cli.run(["poll", "feed", "--log-format", "json", "--log-level", "trace"])
        #expect(r.status == 0, "\(r.stderr)")
        let basic = Data("analyst:\(Self.password)".utf8).base64EncodedString()
        #expect(!r.stderr.contains(Self.password) && !r.stdout.contains(Self.password))
        #expect(!r.stderr.contains(basic))
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count >= 3)
        var pollLines = 0
        for line in lines {
            let o = try #require(try? JSONParser.parse(line).objectValue, "not a JSON object: \(line)")
            #expect(o["time"]?.stringValue != nil && o["level"]?.stringValue != nil && o["message"]?.stringValue != nil)
            if let m = o["message"]?.stringValue, ["poll started", "page saved", "poll finished"].contains(m) {
                pollLines += 1
                #expect(o["asset"] == "feed", "\(line)")
                #expect(o["run"]?.stringValue.flatMap { Int($0) } != nil, "\(line)")
                #expect(o["window"]?.stringValue?.contains("/") == true, "\(line)")
            }
        }
        #expect(pollLines >= 5)  // started, 3 pages, finished
        // Human logs: the same poll's lines carry the metadata too.
        let human = try cli.run(["poll", "feed", "--log-level", "info", "--no-progress"])
        #expect(human.status == 0)
        #expect(human.stderr.contains("asset=feed") && human.stderr.contains("run=") && human.stderr.contains("window="))
        #expect(!human.stderr.contains(Self.password))
    }

    @Test("intake.yaml's log_level applies unless --log-level overrides it")
    func logLevelFromConfig() throws {
        let server = try FeedServer(records: sampleRecords(5))
        defer { server.stop() }
        let config = try config(server)
        defer { config.remove() }
        try "store: sqlite://data/intake.sqlite\nlog_level: info\n".write(toFile: config.directory + "/intake.yaml", atomically: true,
                                                                          encoding: .utf8)
        let cli = IntakeCLI(configDirectory: config.directory)
        let info = try cli.run(["poll", "feed", "--no-progress"])
        #expect(info.status == 0)
        #expect(info.stderr.contains("poll finished"))
        let quiet = try cli.run(["poll", "feed", "--no-progress", "--log-level", "error"])
        #expect(quiet.status == 0)
        #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")
    }

    @Test("under a pseudo-terminal intake poll draws a live progress line; without one, plain lines and no control characters")
    func progress() throws {
        let server = try FeedServer(records: sampleRecords(45))
        defer { server.stop() }
        let config = try config(server)
        defer { config.remove() }
        let cli = IntakeCLI(configDirectory: config.directory)
        let out = config.directory + "/pty.out"
        let script = FeedServer.script.replacingOccurrences(of: "feed_server.py", with: "pty_run.py")
        let r = try cli.runProgram("/usr/bin/env", ["python3", script, out, IntakeCLI.binary, "poll", "feed", "--config", config.directory])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        let tty = String(decoding: FileManager.default.contents(atPath: out) ?? Data(), as: UTF8.self)
        #expect(tty.contains("\r\u{1B}[Kfeed: 1 page, 10 records"), "\(tty.debugDescription)")
        #expect(tty.contains("\r\u{1B}[Kfeed: 5 pages, 45 records"), "\(tty.debugDescription)")
        #expect(tty.contains("containers 7 new 0 dup, artifacts 45 new 0 dup, 0 quarantined"))
        #expect(tty.contains("feed: success: Polled 45 records"))

        let plain = try cli.run(["poll", "feed"])
        #expect(plain.status == 0)
        #expect(Self.controlCharacters(plain.stdout + plain.stderr).isEmpty, "\(plain.stderr.debugDescription)")
        let progress = plain.stderr.split(separator: "\n")
        #expect(progress.count == 5, "\(plain.stderr)")
        #expect(progress.last?.hasPrefix("feed: 5 pages, 45 records (") == true)
        #expect(progress.last?.hasSuffix("containers 0 new 7 dup, artifacts 0 new 45 dup, 0 quarantined") == true)
        let quiet = try cli.run(["poll", "feed", "--no-progress"])
        #expect(quiet.stderr.isEmpty)
    }

    @Test("intake status shows schedule, last poll, lag, failures and next poll for configured and stored assets")
    func status() throws {
        let server = try FeedServer(records: sampleRecords(12))
        defer { server.stop() }
        let config = try config(server)
        defer { config.remove() }
        try config.addAsset(named: "nightly")
        let nightly = config.directory + "/assets/nightly.yaml"
        try String(contentsOfFile: nightly, encoding: .utf8)
            .replacingOccurrences(of: "schedule: { interval: 5m }", with: "schedule: { cron: \"0 3 * * *\", timezone: Europe/Berlin }")
            .write(toFile: nightly, atomically: true, encoding: .utf8)
        let cli = IntakeCLI(configDirectory: config.directory)
        let empty = try cli.run(["status", "--json"])
        #expect(empty.status == 0, "\(empty.stderr)")
        let before = try #require(try JSONParser.parse(empty.stdout)["assets"]?.arrayValue)
        #expect(before.map { $0["asset"] } == ["feed", "nightly"])
        #expect(before.first?["last_poll"] == .null)
        #expect(before.first?["next_poll"]?["at"]?.stringValue != nil, "never polled: due now")
        #expect(before.last?["next_poll"]?["at"]?.stringValue != nil, "never polled: due now, as intake run would poll it")

        #expect(try cli.run(["poll", "feed", "--scheduled", "--no-progress"]).status == 0)
        let asset = config.directory + "/assets/feed.yaml"
        try String(contentsOfFile: asset, encoding: .utf8).replacingOccurrences(of: "/api/v1/alerts", with: "/gone")
            .write(toFile: asset, atomically: true, encoding: .utf8)
        #expect(try cli.run(["poll", "feed", "--scheduled", "--no-progress"]).status == 1)
        #expect(try cli.run(["poll", "feed", "--scheduled", "--no-progress"]).status == 1)

        let after = try cli.run(["status", "--json"])
        let feed = try #require(try JSONParser.parse(after.stdout)["assets"]?.arrayValue?.first)
        #expect(feed["schedule"] == "every 5m")
        #expect(feed["consecutive_failures"] == 2)
        #expect(feed["last_poll"]?["status"] == "failed")
        let lag = try #require(feed["checkpoint_lag_seconds"]?.doubleValue)
        #expect(lag >= 0 && lag < 3600)
        let lastStart = try #require(feed["last_poll"]?["started_at"]?.stringValue.flatMap { Timestamp(iso8601: $0) })
        let next = try #require(feed["next_poll"]?["at"]?.stringValue.flatMap { Timestamp(iso8601: $0) })
        // Interval schedules fire on multiples of the interval since the epoch: the next boundary after the last start.
        #expect(next.microseconds % 300_000_000 == 0 || next <= Timestamp.now(), "\(next) after \(lastStart)")
        #expect(next > lastStart && next.microseconds - lastStart.microseconds <= 300_000_000 + 1_000_000)

        let table = try cli.run(["status"])
        #expect(table.status == 0)
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("ASSET") == true && lines.first?.contains("NEXT POLL") == true)
        #expect(lines.contains { $0.hasPrefix("feed ") && $0.contains("every 5m") && $0.contains("failed") })
        #expect(lines.contains { $0.hasPrefix("nightly ") && $0.contains("never") && $0.contains("cron 0 3 * * * Europe/Berlin") })

        // An asset whose file was removed still shows, from the store.
        try FileManager.default.removeItem(atPath: asset)
        let stored = try cli.run(["status"])
        #expect(stored.stdout.contains("feed (not configured)"))
    }

    @Test("the binary runs on jemalloc with Intake's options, and MALLOC_CONF overrides them")
    func allocatorOptions() async throws {
        // jemalloc prints its options at exit with stats_print (on standard error).
        let baked = try await IntakeProcess.run(["--version"], environment: ["MALLOC_CONF": "stats_print:true"])
        #expect(baked.status == 0)
        if ProcessInfo.processInfo.environment["INTAKE_ALLOCATOR"] == "system" {
            #expect(baked.stdout.contains("(system malloc, "))
            #expect(!baked.stderr.contains("opt.narenas"), "a system-malloc build has no jemalloc")
            return
        }
        #expect(baked.stderr.contains("opt.narenas: 2"), "\(baked.stderr.prefix(400))")
        #expect(baked.stderr.contains("opt.dirty_decay_ms: 1000"))
        let overridden = try await IntakeProcess.run(["--version"], environment: ["MALLOC_CONF": "narenas:3,stats_print:true"])
        #expect(overridden.stderr.contains("opt.narenas: 3"), "\(overridden.stderr.prefix(400))")
        #expect(overridden.stderr.contains("opt.dirty_decay_ms: 1000"))
    }

    @Test("--version, shell completions and exit statuses")
    func versionCompletionsExitCodes() throws {
        let server = try FeedServer(records: sampleRecords(3))
        defer { server.stop() }
        let config = try config(server)
        defer { config.remove() }
        let cli = IntakeCLI(configDirectory: config.directory)
        let version = try cli.runProgram(IntakeCLI.binary, ["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.hasPrefix("0.1.0 ("))
        // The allocator it runs on: jemalloc unless built with INTAKE_ALLOCATOR=system.
        let allocator = ProcessInfo.processInfo.environment["INTAKE_ALLOCATOR"] == "system" ? "system malloc" : "jemalloc 5."
        #expect(version.stdout.contains("(\(allocator)"), "\(version.stdout)")
        // What computes artifact hashes: the CPU's SHA extensions where /proc/cpuinfo lists them.
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let shaNI = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").contains("sha_ni") ?? false
        #expect(version.stdout.contains(", SHA-256 on \(shaNI ? "SHA-NI" : "swift-crypto"))"), "\(version.stdout)")
        for shell in ["bash", "zsh", "fish"] {
            let c = try cli.runProgram(IntakeCLI.binary, ["--generate-completion-script", shell])
            #expect(c.status == 0)
            #expect(c.stdout.contains("status") && c.stdout.contains("poll"), "\(shell)")
        }
        #expect(try cli.run(["poll", "feed", "--log-level", "loud"]).status == 64)
        #expect(try cli.run(["poll", "feed", "--log-format", "xml"]).status == 64)
        let badMetrics = try cli.run(["poll", "feed", "--metrics", "9464"])
        #expect(badMetrics.status == 64)
        #expect(badMetrics.stderr.contains("metrics address '9464' is not HOST:PORT"))
        #expect(try cli.run(["status", "--bogus"]).status == 64)
        // A store that cannot be opened: 69.
        let noStore = try cli.run(["status", "--store", "sqlite:///proc/intake-nope/intake.sqlite"])
        #expect(noStore.status == 69, "\(noStore.stderr)")
        // A poll that fails: 1.
        #expect(try cli.run(["poll", "ghost"]).status == 1)
        // A records file that is not JSON, or is missing, fails the work (1), named with its position,
        // with no usage text: the command line was right.
        let broken = config.directory + "/broken.json"
        try "{\"a\": 1".write(toFile: broken, atomically: true, encoding: .utf8)
        let mapping = FeedServer.repositoryRoot + "/samples/mappings/suricata-eve.yaml"
        let badRecords = try cli.run(["map", mapping, broken])
        #expect(badRecords.status == 1)
        #expect(badRecords.stderr.contains("\(broken):1:8: unexpected end of input in object"), "\(badRecords.stderr)")
        #expect(!badRecords.stderr.contains("Usage:"), "\(badRecords.stderr)")
        let noRecords = try cli.run(["map", mapping, config.directory + "/none.json"])
        #expect(noRecords.status == 1)
        #expect(noRecords.stderr.contains("none.json: cannot read the records file"), "\(noRecords.stderr)")
        // An invalid intake.yaml: 78, naming the file and key.
        try "store: sqlite://data/intake.sqlite\nmetrics: everywhere\n".write(toFile: config.directory + "/intake.yaml", atomically: true,
                                                                               encoding: .utf8)
        let badConfig = try cli.run(["status"])
        #expect(badConfig.status == 78)
        #expect(badConfig.stderr.contains("intake.yaml:2"), "\(badConfig.stderr)")
    }

    @Test("intake poll --metrics serves while polling and still prints the result")
    func pollWithMetrics() throws {
        let server = try FeedServer(records: sampleRecords(3))
        defer { server.stop() }
        let config = try config(server)
        defer { config.remove() }
        let r = try IntakeCLI(configDirectory: config.directory).run(["poll", "feed", "--metrics", "127.0.0.1:0", "--log-level", "info",
                                                                      "--no-progress"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("metrics listening"))
        #expect(r.stdout.contains("feed: success: Polled 3 records"))
    }
}
