import IntakeCore
import Testing

@Suite("CEF lines and their escaping")
struct CEFLineTests {
    @Test("header fields: backslash and pipe are escaped, line breaks become spaces, = stays", arguments: [
        ("plain", "plain"),
        ("a|b", "a\\|b"),
        ("a\\b", "a\\\\b"),
        ("\\|", "\\\\\\|"),
        ("a=b", "a=b"),
        ("line\nbreak\r", "line break "),
        ("ünïcødé", "ünïcødé"),
        ("", ""),
    ])
    func header(_ raw: String, _ escaped: String) {
        #expect(CEFLine.escapeHeader(raw) == escaped)
    }

    @Test("extension values: backslash, equals, LF and CR are escaped, pipe is not", arguments: [
        ("plain value", "plain value"),
        ("a=b", "a\\=b"),
        ("a\\b", "a\\\\b"),
        ("a|b", "a|b"),
        ("one\ntwo", "one\\ntwo"),
        ("one\r\ntwo", "one\\r\\ntwo"),
        ("\\=", "\\\\\\="),
        ("\\n literally", "\\\\n literally"),
        ("", ""),
    ])
    func extensionValue(_ raw: String, _ escaped: String) {
        #expect(CEFLine.escapeExtensionValue(raw) == escaped)
    }

    @Test("extension keys keep letters, digits and underscore; anything else becomes _", arguments: [
        ("sourceAddress", "sourceAddress"),
        ("cs1Label", "cs1Label"),
        ("my key", "my_key"),
        ("a=b", "a_b"),
        ("x|y\\z", "x_y_z"),
        ("clé", "cl_"),
        ("", "_"),
    ])
    func key(_ raw: String, _ sanitised: String) {
        #expect(CEFLine.sanitiseKey(raw) == sanitised)
    }

    @Test("a whole line: header, severity and escaped extension in order")
    func wholeLine() {
        let line = CEFLine(vendor: "Intake", product: "Intake", version: "0.1.0", signature: "event|x", name: "Login \\ fail",
                           severity: 8, extensions: [("src", "10.0.0.1"), ("msg", "a=b\nc|d"), ("cs1", "C:\\temp")])
        #expect(line.text == "CEF:0|Intake|Intake|0.1.0|event\\|x|Login \\\\ fail|8|src=10.0.0.1 msg=a\\=b\\nc|d cs1=C:\\\\temp")
    }

    @Test("keys that collide after sanitising get a suffix, so no pair is lost")
    func collidingKeys() {
        let line = CEFLine(vendor: "V", product: "P", version: "1", signature: "s", name: "n", severity: 5,
                           extensions: [("a b", "1"), ("a_b", "2"), ("a-b", "3")])
        #expect(line.text.hasSuffix("|5|a_b=1 a_b_2=2 a_b_3=3"))
    }

    @Test("severity is clamped to 0-10")
    func clamp() {
        #expect(CEFLine(vendor: "V", product: "P", version: "1", signature: "s", name: "n", severity: 42, extensions: []).severity == 10)
        #expect(CEFLine(vendor: "V", product: "P", version: "1", signature: "s", name: "n", severity: -1, extensions: []).severity == 0)
    }

    @Test("SOAR severities map onto CEF's 0-10", arguments: [
        ("low", 3), ("medium", 5), ("high", 8), ("critical", 10), ("informational", 1), ("High", 8), ("7", 7), ("0", 0),
        ("custom-sev", 5), ("11", 5),
    ])
    func severity(_ soar: String, _ cef: Int) {
        #expect(CEFLine.severityScore(soar) == cef)
    }

    @Test("extension text of JSON values: strings as they are, scalars as text, structures as canonical JSON, null left out",
          arguments: [
        (JSONValue.string("x=y"), Optional("x=y")),
        (.int(443), "443"),
        (.bool(true), "true"),
        (.double(1.5), "1.5"),
        (.array([1, "a"]), "[1,\"a\"]"),
        (.object(["b": 1, "a": 2]), "{\"a\":2,\"b\":1}"),
        (.null, nil),
    ] as [(JSONValue, String?)])
    func extensionText(_ value: JSONValue, _ text: String?) {
        #expect(CEFLine.extensionText(value) == text)
    }

    @Test("an artifact becomes one line: label as signature, name, severity, its cef body and rt")
    func artifactLine() {
        let start = utcTime(year: 2024, month: 5, day: 1)
        let a = Artifact(id: 7, name: "Port scan", label: "event", sourceDataIdentifier: "e1", createTime: start.adding(microseconds: 5),
                         startTime: start, endTime: nil, severity: "high", type: nil, killChain: nil, hash: "h",
                         cef: ["src": "10.0.0.1", "dpt": 22, "extra": ["k": "v"], "gone": .null, "empty": ""], cefTypes: [:], container: 1,
                         description: nil, tags: [], data: .object([:]))
        #expect(a.cefLine(version: "0.1.0").text
            == "CEF:0|Intake|Intake|0.1.0|event|Port scan|8|src=10.0.0.1 dpt=22 extra={\"k\":\"v\"} rt=\(start.milliseconds)")
        var withRt = a
        withRt.cef = ["rt": "custom"]
        #expect(withRt.cefLine(version: "1").text.hasSuffix("|8|rt=custom"))
    }
}

/// A UTC time from valid civil fields.
private func utcTime(year: Int64, month: Int64, day: Int64, hour: Int64 = 0) -> Timestamp {
    guard let t = Timestamp.utc(year: year, month: month, day: day, hour: hour) else { preconditionFailure("invalid test date") }
    return t
}
