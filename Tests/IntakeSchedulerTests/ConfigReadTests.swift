import Foundation
import IntakeCore
import IntakeScheduler
import Testing

@Suite("Configuration files are read again at every use")
struct ConfigReadTests {
    /// A configuration directory with one asset file.
    static func directory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("intake-config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/assets", withIntermediateDirectories: true)
        return dir
    }

    /// Writes `text` and gives the file back its earlier modification time, as an editor or a
    /// copy that keeps times can.
    static func rewrite(_ path: String, _ text: String) throws {
        let before = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate]
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        if let before { try FileManager.default.setAttributes([.modificationDate: before], ofItemAtPath: path) }
    }

    static func asset(label: String, path: String = "in/*.json") -> String {
        "name: a1\napp: file\nconfiguration:\n  path: \(path)\ningest:\n  label: \(label)\n  mapping: mappings/m.yaml\n"
    }

    /// A configuration directory whose asset `a1` (label `events`) has been read once; `body` gets
    /// the loader and the asset's file.
    static func withAsset(_ body: (ConfigLoader, String) throws -> Void) throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/assets/a1.yaml"
        try asset(label: "events").write(toFile: file, atomically: false, encoding: .utf8)
        let loader = ConfigLoader(directory: dir)
        #expect(try loader.asset(named: "a1").ingest.label == "events")
        try body(loader, file)
    }

    @Test("a mapping path resolves below the configuration directory, standardised when it has . or .. in it")
    func mappingPaths() throws {
        try Self.withAsset { loader, _ in
            func resolved(_ m: String) throws -> String {
                var asset = try loader.asset(named: "a1")
                asset.ingest.mapping = m
                return try loader.mappingPath(for: asset)
            }
            let plain = loader.directory + "/mappings/m.yaml"
            for m in ["mappings/m.yaml", "./mappings/m.yaml", "mappings//m.yaml", "other/../mappings/m.yaml"] {
                let path = try resolved(m)
                #expect(path == plain, "\(m)")
            }
            let absolute = try resolved("/etc/intake/m.yaml")
            #expect(absolute == "/etc/intake/m.yaml")
        }
    }

    @Test("an edit of the same length and modification time is seen at the next read")
    func editSeen() throws {
        try Self.withAsset { loader, file in
            #expect(try loader.asset(named: "a1").ingest.label == "events")
            try Self.rewrite(file, Self.asset(label: "alerts"))
            #expect(try loader.asset(named: "a1").ingest.label == "alerts")
            #expect(try loader.asset(named: "a1").configuration["path"] == .string("in/*.json"))
        }
    }

    @Test("a broken edit fails at every read, naming the file and line; fixing it is seen at once")
    func brokenEdit() throws {
        try Self.withAsset { loader, file in
            try Self.rewrite(file, Self.asset(label: "[events"))
            for _ in 0..<2 {
                do throws(IntakeError) {
                    _ = try loader.asset(named: "a1")
                    Issue.record("a broken asset file was read")
                } catch {
                    // The parser notices the unclosed `[` where the next line starts.
                    #expect(error.location?.hasSuffix("assets/a1.yaml:7:10") == true, "\(error)")
                    #expect(error.message.contains("invalid YAML"), "\(error)")
                }
            }
            try Self.rewrite(file, Self.asset(label: "alerts"))
            #expect(try loader.asset(named: "a1").ingest.label == "alerts")
        }
    }

    @Test("a file that names another asset is refused every time, not only the first")
    func wrongNameEveryTime() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.asset(label: "events").write(toFile: dir + "/assets/a2.yaml", atomically: false, encoding: .utf8)
        let loader = ConfigLoader(directory: dir)
        for _ in 0..<2 {
            #expect(throws: IntakeError.self) { try loader.asset(named: "a2") }
        }
    }
}
