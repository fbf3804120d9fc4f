import IntakeCore
import Testing

@Suite("Configuration files")
struct ConfigTests {
    @Test("an asset file with every ingest setting")
    func fullAsset() throws {
        let doc = try YAMLDocument(text: """
            name: acme-siem
            app: http_json
            configuration: { base_url: "https://127.0.0.1:9", verify_server_cert: true }
            ingest:
              label: incident
              mapping: mappings/acme.yaml
              schedule: { cron: "*/5 * * * *", timezone: Europe/Berlin, jitter: 10s }
              max_containers: 1000
              max_artifacts: 5000
              first_run: { lookback: 3d, max_containers: 10000 }
              lag: 30s
              overlap: 1m
            """, file: "assets/acme-siem.yaml")
        let a = try AssetConfiguration(document: doc, defaultName: "acme-siem")
        #expect(a.app == "http_json")
        #expect(a.ingest.schedule?.cron == "*/5 * * * *")
        #expect(a.ingest.schedule?.jitter == .seconds(10))
        #expect(a.ingest.firstRun.lookback == .days(3))
        #expect(a.ingest.firstRun.maxContainers == 10000)
        #expect(a.ingest.overlap == .minutes(1))
        #expect(a.configuration["verify_server_cert"] == .bool(true))
    }

    @Test("defaults: 10-day first-run lookback, no lag, no overlap")
    func defaults() throws {
        let a = try AssetConfiguration(document: YAMLDocument(text: "app: http_json", file: "a.yaml"), defaultName: "a")
        #expect(a.name == "a")
        #expect(a.ingest.firstRun.lookback == .days(10))
        #expect(a.ingest.lag == .zero)
        #expect(a.ingest.enabled)
    }

    @Test("errors name the file, line, column and key", arguments: [
        ("app: http_json\ningest:\n  max_containers: many\n", "a.yaml:3:19", "ingest.max_containers: expected a whole number"),
        ("app: http_json\ningest:\n  lable: incident\n", "a.yaml:3:3", "unknown key 'ingest.lable'"),
        ("name: a\n", "a.yaml:1:1", "missing required key 'app'"),
        ("app: http_json\ningest:\n  schedule: { interval: 5q }\n", "a.yaml:3:25", "expected a duration"),
        ("app: [http_json\n", "a.yaml:2:1", "invalid YAML"),
        ("app: x\napp: y\n", "a.yaml:1:1", "duplicate key 'app'"),
        // A tab in the indentation, the usual way a hand-edited YAML file breaks, is named as the cause.
        ("app: http_json\ningest:\n\tlabel: incident\n", "a.yaml:3:1", "indent with spaces: YAML does not allow tabs in indentation"),
        ("app: http_json\ningest:\n  label: x\n\tlag: 5m\n", "a.yaml:4:1", "indent with spaces"),
    ])
    func errors(text: String, location: String, message: String) {
        do {
            _ = try AssetConfiguration(document: YAMLDocument(text: text, file: "a.yaml"), defaultName: "a")
            Issue.record("accepted a broken asset file")
        } catch {
            #expect(error.location == location, "\(error)")
            #expect(error.message.contains(message), "\(error)")
        }
    }

    @Test("a YAML integer beyond Int64 keeps its digits, as a JSON one does")
    func bigIntegers() throws {
        let doc = try YAMLDocument(text: "a: 18446744073709551615\nb: -18446744073709551616\nc: 9223372036854775808\nd: 42\ne: 1.5e300\n",
                                   file: "a.yaml")
        #expect(doc.root["a"] == .bigInt("18446744073709551615"))
        #expect(doc.root["b"] == .bigInt("-18446744073709551616"))
        #expect(doc.root["c"] == .bigInt("9223372036854775808"))
        #expect(doc.root["d"] == .int(42))
        #expect(doc.root["e"] == .double(1.5e300))
    }

    @Test("a byte order mark before a YAML file is not part of it; positions stay those of its text")
    func byteOrderMark() throws {
        let doc = try YAMLDocument(text: "\u{FEFF}app: http_json\ningest:\n  label: incident\n", file: "a.yaml")
        #expect(doc.root["app"] == "http_json")
        #expect(doc.location("ingest.label") == "a.yaml:3:10")
        let a = try AssetConfiguration(document: doc, defaultName: "a")
        #expect(a.ingest.label == "incident")
    }

    @Test("the unknown-key error suggests the nearest known key")
    func suggestion() {
        do {
            _ = try AssetConfiguration(document: YAMLDocument(text: "app: x\ningest: { mapings: m.yaml }", file: "a.yaml"), defaultName: "a")
            Issue.record("accepted an unknown key")
        } catch {
            #expect(error.hint == "did you mean 'mapping'?")
        }
    }

    @Test("secrets are masked and URL credentials stripped")
    func redaction() {
        let r = Redactor(secrets: ["s3cr3t-token"])
        #expect(r.redact("GET https://bob:pw@host.example/x?token=s3cr3t-token failed") == "GET https://host.example/x?token=******** failed")
    }
}
