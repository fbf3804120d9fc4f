import Testing
@testable import IntakeCore

/// The app JSON validator, configuration validation (BaseConnector's rules) and parameter validation.
struct AppValidationTests {
    static let minimal = """
        {"appid": "demo_app", "name": "Demo", "description": "d", "type": "siem", "product_vendor": "V", "product_name": "P",
         "product_version_regex": ".*", "publisher": "me", "license": "MIT", "app_version": "1.0.0",
         "configuration": {
           "server": {"data_type": "string", "description": "Server", "required": true, "order": 0},
           "ph": {"data_type": "ph", "order": 1},
           "port": {"data_type": "numeric", "description": "Port", "default": 443, "order": 2},
           "verify": {"data_type": "boolean", "description": "Verify", "default": true, "order": 3},
           "mode": {"data_type": "string", "description": "Mode", "value_list": ["fast", "slow"], "default": "fast", "order": 4},
           "secret": {"data_type": "password", "description": "Secret", "order": 5},
           "headers": {"data_type": "object", "description": "Headers", "order": 6}
         },
         "actions": [
           {"action": "lookup ip", "identifier": "lookup_ip", "description": "d", "type": "investigate", "read_only": true,
            "versions": "EQ(*)", "output": [],
            "parameters": {
              "ip": {"data_type": "string", "description": "IP", "contains": ["ip"], "required": true, "primary": true, "order": 0},
              "hosts": {"data_type": "string", "description": "Hosts", "contains": ["host name", "ip"], "allow_list": true, "order": 1},
              "limit": {"data_type": "numeric", "description": "Limit", "default": 10, "order": 2},
              "kind": {"data_type": "string", "description": "Kind", "value_list": ["a", "b"], "order": 3}
            },
            "lock": {"enabled": true, "data_path": "parameters.ip", "timeout": 60}}
         ]}
        """

    @Test func minimalAppParses() throws {
        let (app, problems) = AppDefinition.parse(text: Self.minimal)
        #expect(problems.isEmpty, "\(problems)")
        let a = try #require(app)
        #expect(a.configuration.map(\.name) == ["server", "ph", "port", "verify", "mode", "secret", "headers"])
        #expect(a.actions[0].parameters.map(\.name) == ["ip", "hosts", "limit", "kind"])
        #expect(a.actions[0].lock == ActionLock(enabled: true, dataPath: "parameters.ip", timeout: 60))
        // The app prints back as JSON that parses to the same app.
        let again = AppDefinition.parse(json: a.json)
        #expect(again.problems.isEmpty && again.app == a)
    }

    @Test func brokenAppReportsEveryProblemWithItsPath() {
        let text = """
            {"appid": "x y", "name": "", "description": "d", "type": "siem", "product_vendor": "V", "product_name": "P",
             "product_version_regex": "(", "publisher": "me", "license": 3, "app_version": "1", "logo_darkk": "x.svg",
             "configuration": {"a": {"data_type": "strng", "description": "A"}, "b": {"data_type": "numeric", "description": "B", "default": "ten"},
                               "c": {"data_type": "string", "description": "C", "value_list": ["x"], "default": "y"}},
             "actions": [
               {"action": "go", "identifier": "go", "description": "d", "type": "attack", "read_only": "yes", "versions": "GT(1)",
                "parameters": {"p": {"data_type": "string", "description": "P", "contains": "ip"}},
                "lock": {"enabled": true, "data_path": "parameters.q", "timeout": -1}},
               {"action": "poll", "identifier": "on_poll", "description": "d", "type": "ingest", "read_only": true,
                "output": [{"data_path": "action_result.data.*.ip"}, {"data_type": "string", "contains": "ip"}],
                "render": {"type": "custom", "width": 20}},
               {"action": "poll2", "identifier": "on_poll", "description": "d", "type": "ingest", "read_only": true, "parameters": {}}
             ]}
            """
        let (app, problems) = AppDefinition.parse(text: text)
        #expect(app == nil)
        let paths = Set(problems.map(\.path))
        for expected in ["$.appid", "$.name", "$.product_version_regex", "$.license", "$.logo_darkk", "$.configuration.a.data_type",
                         "$.configuration.b.default", "$.configuration.c.default", "$.actions[0].identifier", "$.actions[0].type",
                         "$.actions[0].read_only", "$.actions[0].versions", "$.actions[0].parameters.p.contains",
                         "$.actions[0].lock.data_path", "$.actions[0].lock.timeout", "$.actions[1]", "$.actions[2].identifier",
                         "$.actions[1].output[0]", "$.actions[1].output[1].contains", "$.actions[1].render", "$.actions[1].render.width"] {
            #expect(paths.contains(expected), "missing a problem at \(expected): \(problems)")
        }
        #expect(problems.first { $0.path == "$.logo_darkk" }?.message.contains("did you mean 'logo_dark'") == true)
        #expect(problems.first { $0.path == "$.configuration.a.data_type" }?.message.contains("did you mean 'string'") == true)
    }

    @Test func notJSONIsOneProblemAtTheRoot() {
        let (app, problems) = AppDefinition.parse(text: "{\"appid\": ")
        #expect(app == nil)
        #expect(problems.count == 1 && problems[0].path == "$" && problems[0].message.contains("line 1"))
    }

    @Test(arguments: [
        ("EQ(*)", "12.1", true), ("EQ(*)", nil, true), ("EQ(12.*)", "12.1", true), ("EQ(12.*)", "13.0", false),
        ("EQ(12.*)", nil, false), ("NEQ(12.*)", "13.0", true), ("NEQ(12.*)", "12.4", false), ("NEQ(12.*)", nil, true),
        ("IN(12.*, 13.*)", "13.2", true), ("IN(12.*, 13.*)", "14.0", false), ("NIN(12.*, 13.*)", "14.0", true),
        ("NIN(12.*, 13.*)", "12.0", false), ("EQ(1.?)", "1.5", true), ("EQ(1.?)", "1.50", false), ("in(7.*)", "7.0.1", true),
    ] as [(String, String?, Bool)])
    func versionExpressions(_ expr: String, _ version: String?, _ expected: Bool) throws {
        let e = try #require(VersionExpression(parsing: expr))
        #expect(e.matches(version) == expected)
    }

    @Test(arguments: ["", "EQ", "EQ()", "GT(1)", "EQ(1, 2)", "IN(1,,2)", "EQ(1"])
    func badVersionExpressions(_ expr: String) { #expect(VersionExpression(parsing: expr) == nil) }

    @Test func actionSelectionFollowsVersions() throws {
        let old = AppAction(action: "on poll", identifier: "on_poll_v1", type: .ingest, versions: VersionExpression(parsing: "IN(1.*, 2.*)")!)
        let new = AppAction(action: "on poll", identifier: "on_poll_v3", type: .ingest, versions: VersionExpression(parsing: "EQ(3.*)")!)
        let app = AppDefinition(appid: "x_app", name: "x", description: "", type: "siem", productVendor: "", productName: "",
                                productVersionRegex: ".*", publisher: "", license: "", appVersion: "1", actions: [old, new])
        #expect(try app.selectAction(named: "on poll", productVersion: "2.5").identifier == "on_poll_v1")
        #expect(try app.selectAction(named: "on poll", productVersion: "3.0").identifier == "on_poll_v3")
        #expect(throws: IntakeError.self) { try app.selectAction(named: "on poll", productVersion: "4.0") }
        do {
            _ = try app.selectAction(named: "on poll", productVersion: "4.0")
        } catch {
            #expect(error.message.contains("'4.0'") && error.hint?.contains("EQ(3.*)") == true)
        }
    }

    // MARK: configuration

    static func app() throws -> AppDefinition { try AppDefinition(validJSON: minimal) }

    @Test func configurationIsStrippedDefaultedAndConverted() throws {
        let v = ConfigurationValidator(app: try Self.app())
        let out = try v.validate(["server": "  siem.example.com  ", "port": "8443", "verify": "false", "secret": "", "mode": " slow "]).get()
        #expect(out["server"] == "siem.example.com")
        #expect(out["port"] == .int(8443))
        #expect(out["verify"] == false)
        #expect(out["mode"] == "slow")
        #expect(out["secret"] == nil, "empty values are dropped")
        let defaults = try v.validate(["server": "s"]).get()
        #expect(defaults["port"] == .int(443) && defaults["verify"] == true && defaults["mode"] == "fast")
    }

    @Test func configurationReportsEveryProblemByKey() throws {
        let v = ConfigurationValidator(app: try Self.app())
        guard case .failure(let problems) = v.validate(["server": "   ", "port": "many", "verify": "perhaps", "mode": "fsat",
                                                        "headers": "X-A: 1", "sever": "x", "secret": ["a"], "ph": "gap"]) else {
            Issue.record("expected problems")
            return
        }
        let byKey = Dictionary(problems.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byKey["server"]?.message.contains("required") == true)
        #expect(byKey["port"]?.message.contains("number") == true)
        #expect(byKey["verify"]?.message.contains("true or false") == true)
        #expect(byKey["mode"]?.hint == "did you mean 'fast'?")
        #expect(byKey["headers"]?.message.contains("mapping") == true)
        #expect(byKey["sever"]?.hint == "did you mean 'server'?")
        #expect(byKey["secret"] != nil)
        #expect(byKey["ph"]?.message.contains("placeholder") == true)
        #expect(problems.count == 8)
    }

    @Test func configurationErrorsAreLocatedInTheAssetFile() throws {
        let doc = try YAMLDocument(text: "name: a\napp: demo_app\nconfiguration:\n  server: s\n  prot: 1\n", file: "assets/a.yaml")
        let asset = try AssetConfiguration(document: doc, defaultName: "a")
        guard case .failure(let problems) = ConfigurationValidator(app: try Self.app()).validate(asset.configuration) else {
            Issue.record("expected a problem")
            return
        }
        let errors = ConfigurationValidator.errors(problems, asset: asset)
        #expect(errors.map(\.description) == ["assets/a.yaml:5:3: configuration.prot: unknown key for app 'demo_app' (did you mean 'port'?)"])
    }

    @Test func passwordProblemsNeverEchoTheValue() throws {
        guard case .failure(let problems) = ConfigurationValidator(app: try Self.app()).validate(["server": "s", "secret": ["hunter2"]])
        else {
            Issue.record("expected a problem")
            return
        }
        #expect(!problems.description.contains("hunter2"))
    }

    // MARK: parameters

    @Test func parametersAreValidatedWithContains() throws {
        let action = try Self.app().actions[0]
        let p = ParameterValidator(action: action)
        let ok = try p.validate(["ip": " 10.0.0.1 ", "hosts": "web-1, 10.0.0.2 ,db.internal", "limit": "5"]).get()
        #expect(ok["ip"] == "10.0.0.1" && ok["hosts"] == "web-1,10.0.0.2,db.internal" && ok["limit"] == .int(5))
        #expect(try p.validate(["ip": "::1"]).get()["limit"] == .int(10))

        for (bad, fragment) in [(["ip": "10.0.0.300"] as JSONObject, "is not a valid ip"), (["hosts": "a"], "missing required parameter 'ip'"),
                                (["ip": "1.1.1.1", "hosts": "ok-host, bad_host"], "'bad_host' is not a valid host name or ip"),
                                (["ip": "1.1.1.1", "limit": "x"], "expected a number"), (["ip": "1.1.1.1", "kind": "c"], "not one of a, b"),
                                (["ip": "1.1.1.1", "lmit": 1], "did you mean 'limit'")] {
            guard case .failure(let e) = p.validate(bad) else {
                Issue.record("\(bad) should fail")
                continue
            }
            #expect(e.message.contains(fragment), "\(e.message)")
        }
    }
}
