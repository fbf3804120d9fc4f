import IntakeCore
import IntakeMapping
import Testing

/// Broken mappings: each must fail to load with the exact `FILE:LINE:COLUMN: message`.
@Suite("Broken mapping files")
struct MappingErrorTests {
    static func firstError(_ text: String) -> String? {
        do {
            _ = try Mapping.compile(text: text, file: "m.yaml")
            return nil
        } catch {
            return error.diagnostics.first?.description
        }
    }

    @Test("the exact location and message of each error", arguments: [
        // Structure
        ("version: 2\n", "m.yaml:1:10: unsupported mapping version 2; this Intake reads version 1"),
        ("- a\n", "m.yaml:1:1: a mapping file must be a YAML or JSON object with 'container' and 'artifacts'"),
        ("contianer: {}\n", "m.yaml:1:1: unknown key 'contianer'; did you mean 'container'?"),
        // A top-level key Intake does not read is an error, not silently ignored.
        ("defaults: { label: x }\n", "m.yaml:1:1: unknown key 'defaults'; known: version, container, artifacts"),
        ("container: [a]\n", "m.yaml:1:12: 'container' must be a mapping of container fields"),
        ("container:\n  nmae: x\n", "m.yaml:2:3: unknown key 'nmae'; did you mean 'name'?"),
        ("artifacts: nope\n", "m.yaml:1:12: 'artifacts' must be a list of artifact rules"),
        ("artifacts:\n  - just text\n", "m.yaml:2:5: each artifact must be a mapping of artifact fields"),
        ("artifacts:\n  - nam: x\n", "m.yaml:2:5: unknown key 'nam'; did you mean 'name'?"),
        ("artifacts:\n  - cef: [a]\n", "m.yaml:2:10: 'cef' must map CEF keys to values"),
        ("artifacts:\n  - cef_types: x\n", "m.yaml:2:16: 'cef_types' must map CEF keys to lists of contains types"),
        ("artifacts:\n  - cef_types: { foo: 3 }\n", "m.yaml:2:23: cef_types values must be lists of contains types, e.g. [ip]"),
        ("artifacts:\n  - cef: { src: a, sourceAddress: b }\n",
         "m.yaml:2:20: CEF key 'sourceAddress' is the same field as 'src' (sourceAddress)"),
        ("artifacts:\n  - keep_empty: maybe\n", "m.yaml:2:17: keep_empty must be true or false"),
        ("container:\n  sensitivity: purple\n", "m.yaml:2:16: sensitivity 'purple' is not one of white, green, amber, red"),
        ("container:\n  custom_fields: [a]\n", "m.yaml:2:18: 'custom_fields' must be a mapping of field names to values"),
        ("container:\n  severity: { value: x, map: [a] }\n", "m.yaml:2:30: 'map' must be a mapping of source value to value"),
        ("container:\n  severity: { value: x, mapp: { a: b } }\n", "m.yaml:2:25: unknown key 'mapp'; did you mean 'map'?"),
        ("container:\n  name: a\n  name: b\n", "m.yaml:2:3: duplicate key 'name'"),
        // Templates and expressions
        ("container:\n  name: \"{{ rule_name \"\n", "m.yaml:2:10: unclosed '{{' (expected '}}')"),
        ("container:\n  name: \"{{ }}\"\n", "m.yaml:2:13: empty expression in {{ }}"),
        ("container:\n  name: \"{{ $foo }}\"\n",
         "m.yaml:2:13: unknown variable '$foo'; known: $raw, $item, $index, $asset, $now in {{ $foo }}"),
        ("container:\n  name: \"{{ $ }}\"\n", "m.yaml:2:13: '$' must be followed by a variable name in {{ $ }}"),
        ("container:\n  name: \"{{ a ! b }}\"\n", "m.yaml:2:15: unexpected character '!' in {{ a ! b }}"),
        ("container:\n  name: \"{{ a | time('%Y') }}\"\n",
         "m.yaml:2:21: unexpected character '('; a filter's arguments follow a colon, as in '| time: …' in {{ a | time('%Y') }}"),
        ("container:\n  name: \"{{ a b }}\"\n", "m.yaml:2:15: unexpected 'b'; expected '|' or the end of the expression in {{ a b }}"),
        ("container:\n  name: \"{{ a. }}\"\n", "m.yaml:2:15: expected a key after '.', found end of expression in {{ a. }}"),
        ("container:\n  name: \"{{ a[0 }}\"\n", "m.yaml:2:16: expected ']' in {{ a[0 }}"),
        ("container:\n  name: \"{{ a[x] }}\"\n",
         "m.yaml:2:15: expected an index, a quoted key or '*' in '[ ]', found 'x' in {{ a[x] }}"),
        ("container:\n  name: \"{{ a | default: 'x }}\"\n", "m.yaml:2:26: unclosed string literal in {{ a | default: 'x }}"),
        // Filters
        ("artifacts:\n  - cef: { sourceAddress: \"{{ src | lowr }}\" }\n",
         "m.yaml:2:37: unknown filter 'lowr'; did you mean 'lower'? in {{ src | lowr }}"),
        ("container:\n  name: \"{{ a | }}\"\n", "m.yaml:2:16: expected a filter name after '|' in {{ a | }}"),
        ("container:\n  name: \"{{ a | default }}\"\n", "m.yaml:2:17: filter 'default' takes 1 argument, got 0 in {{ a | default }}"),
        ("container:\n  name: \"{{ a | lower: 'x' }}\"\n", "m.yaml:2:17: filter 'lower' takes 0 arguments, got 1 in {{ a | lower: 'x' }}"),
        ("container:\n  name: \"{{ a | replace: 'x' }}\"\n",
         "m.yaml:2:17: filter 'replace' takes 2 arguments, got 1 in {{ a | replace: 'x' }}"),
        ("container:\n  name: \"{{ a | split: '' }}\"\n", "m.yaml:2:24: filter 'split' needs a non-empty separator in {{ a | split: '' }}"),
        ("container:\n  name: \"{{ a | replace: '', 'x' }}\"\n",
         "m.yaml:2:26: filter 'replace' needs a non-empty text to replace in {{ a | replace: '', 'x' }}"),
        ("container:\n  name: \"{{ a | join: b }}\"\n", "m.yaml:2:23: filter 'join' argument 1 must be a quoted string in {{ a | join: b }}"),
        ("container:\n  name: \"{{ a | split: | lower }}\"\n",
         "m.yaml:2:24: filter 'split' arguments must be quoted strings, numbers or paths, found '|' in {{ a | split: | lower }}"),
        ("container:\n  name: \"{{ a | regex: '(' }}\"\n", "m.yaml:2:24: invalid regular expression '(' in {{ a | regex: '(' }}"),
        ("container:\n  name: \"{{ a | time: '%Q' }}\"\n",
         "m.yaml:2:23: unknown time format directive '%Q' in '%Q'; known: %Y %y %m %d %e %H %M %S %f %z %Z %b %B %a %A %j %T %F %s %% in {{ a | time: '%Q' }}"),
        // A second expression in the same value, after a good one, is located exactly too.
        ("container:\n  name: \"{{ a }} and {{ b | nope }}\"\n",
         "m.yaml:2:29: unknown filter 'nope'; known filters: default, required, lower, upper, trim, int, float, string, bool, split, join, first, last, replace, regex, time, time_ms, sha256, md5, json in {{ b | nope }}"),
    ])
    func exactError(yaml: String, expected: String) {
        #expect(MappingErrorTests.firstError(yaml) == expected)
    }

    /// Every error's diagnostic when `text` fails to compile; nil (and an issue recorded) when it compiles.
    static func errors(_ text: String) -> [MappingDiagnostic]? {
        do {
            _ = try Mapping.compile(text: text, file: "m.yaml")
            Issue.record("compiled a broken mapping")
            return nil
        } catch {
            return error.diagnostics
        }
    }

    @Test("every error in a file is reported, in file order, not just the first")
    func allErrors() throws {
        let found = MappingErrorTests.errors("""
            container:
              nmae: x
              label: "{{ a | nope }}"
            artifacts:
              - cef: 3
              - name: "{{ $bad }}"
            """)
        #expect(found?.map(\.location) == ["m.yaml:2:3", "m.yaml:3:18", "m.yaml:5:10", "m.yaml:6:15"])
    }

    @Test("errors come in file order whatever order the fields are compiled in")
    func errorsInFileOrder() throws {
        let found = MappingErrorTests.errors("""
            artifacts:
              - cef:
                  sourceAddress: "{{ a | nope }}"
                start_time: "{{ b | time: '%Q' }}"
                name: "{{ c. }}"
            container:
              name: "{{ $bad }}"
            """)
        #expect(found?.map(\.location) == ["m.yaml:3:30", "m.yaml:4:31", "m.yaml:5:17", "m.yaml:7:13"])
    }

    @Test("a CEF key that repeats another's field still has its value checked")
    func repeatedKeyValueChecked() throws {
        let found = MappingErrorTests.errors("artifacts:\n  - cef: { src: a, sourceAddress: \"{{ b | nope }}\" }\n")
        #expect(found?.count == 2)
        #expect(found?.first?.description == "m.yaml:2:20: CEF key 'sourceAddress' is the same field as 'src' (sourceAddress)")
        #expect(found?.last?.message.hasPrefix("unknown filter 'nope'") == true, "\(found ?? [])")
    }

    @Test("a mapping file that cannot be read names the file")
    func unreadable() {
        do {
            _ = try Mapping.load(path: "/nonexistent/intake/mapping.yaml")
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.description == "/nonexistent/intake/mapping.yaml: cannot read the mapping file (missing or unreadable)")
        }
    }

    @Test("custom CEF keys without cef_types, unused cef_types and unknown severities are warnings, not errors")
    func warnings() throws {
        let m = try Mapping.compile(text: """
            container:
              severity: sever
            artifacts:
              - cef:
                  sourceAddress: "{{ a }}"
                  myField: "{{ b }}"
                  typedField: "{{ c }}"
                cef_types: { typedField: [ip], ghost: [hash] }
            """, file: "m.yaml")
        #expect(m.warnings.map(\.description) == [
            "m.yaml:2:3: warning: severity 'sever' is not low, medium or high; it is kept only if the asset defines it, else medium",
            "m.yaml:6:7: warning: custom CEF key 'myField' has no cef_types; declare its contains types so actions can use it",
            "m.yaml:8:36: warning: cef_types names 'ghost', which this artifact's cef does not set",
        ])
    }

    @Test("$now where it identifies a container or enters an artifact's hash is a warning; elsewhere it is not")
    func nowInIdentity() throws {
        let m = try Mapping.compile(text: """
            container:
              group_by: "{{ g }}"
              label: "{{ l | default: $now }}"
              name: "seen at {{ $now }}"
              start_time: "{{ $now }}"
            artifacts:
              - name: "{{ id }}"
                when: "{{ $now }}"
                tags: [a, "{{ $now | time }}"]
                cef:
                  src: "{{ ip }}"
                  deviceReceiptTime: "{{ $now }}"
                  deviceCustomString1: { value: "{{ x }}", map: { a: b }, default: "{{ $now }}" }
            """, file: "m.yaml")
        let dedup = "the artifact's hash changes on every poll: a record polled again is stored again instead of being a duplicate"
        #expect(m.warnings.map(\.description) == [
            "m.yaml:3:3: warning: '$now' here means the container's identity changes on every poll: a record polled again makes a new container",
            "m.yaml:9:5: warning: '$now' here means \(dedup)",
            "m.yaml:12:7: warning: '$now' here means \(dedup)",
            "m.yaml:13:7: warning: '$now' here means \(dedup)",
        ])
    }

    @Test("records that fail at run time name the mapping location and the reason", arguments: [
        ("artifacts:\n  - cef:\n      destinationPort: \"{{ src | int }}\"\n", "m.yaml:3:24: cannot convert '10.0.0.5' to an integer (filter 'int' in {{ src | int }})"),
        ("container:\n  source_data_identifier: \"{{ nothing | required }}\"\n",
         "m.yaml:2:27: required value is missing or empty (filter 'required' in {{ nothing | required }})"),
        ("container:\n  name: \"{{ id | required: 'the alert id' }}\"\n",
         "m.yaml:2:9: required value missing: the alert id (filter 'required' in {{ id | required: 'the alert id' }})"),
        ("container:\n  start_time: \"{{ src }}\"\n",
         "m.yaml:2:15: container.start_time: '10.0.0.5' is not a time (expected epoch seconds or milliseconds, ISO-8601 or RFC 2822)"),
        ("container:\n  name: \"{{ obj }}\"\n", "m.yaml:2:9: name must be text, not an object"),
        ("container:\n  sensitivity: \"{{ src }}\"\n", "m.yaml:2:16: sensitivity '10.0.0.5' is not one of white, green, amber, red"),
        ("artifacts:\n  - name: \"{{ t | time: '%Y-%m-%d' }}\"\n",
         "m.yaml:2:11: 'May 1' does not match the time format '%Y-%m-%d' (filter 'time' in {{ t | time: '%Y-%m-%d' }})"),
        ("artifacts:\n  - name: \"{{ huge | time }}\"\n", "m.yaml:2:11: 1e+300 is out of range for an epoch time (years 0001 to 9999) (filter 'time' in {{ huge | time }})"),
        ("artifacts:\n  - name: \"{{ ancient | time }}\"\n",
         "m.yaml:2:11: -70000000000 is out of range for an epoch time (years 0001 to 9999) (filter 'time' in {{ ancient | time }})"),
        ("artifacts:\n  - name: \"{{ notanumber | time }}\"\n",
         "m.yaml:2:11: 'nan' is not a time (expected epoch seconds or milliseconds, ISO-8601 or RFC 2822) (filter 'time' in {{ notanumber | time }})"),
        ("artifacts:\n  - name: \"{{ hexfloat | time }}\"\n",
         "m.yaml:2:11: '0x1p30' is not a time (expected epoch seconds or milliseconds, ISO-8601 or RFC 2822) (filter 'time' in {{ hexfloat | time }})"),
        ("artifacts:\n  - name: \"{{ digits | time: '%s' }}\"\n",
         "m.yaml:2:11: '99999999999999999999' does not match the time format '%s' (filter 'time' in {{ digits | time: '%s' }})"),
    ])
    func runtimeFailure(yaml: String, expected: String) throws {
        let m = try Mapping.compile(text: yaml, file: "m.yaml")
        let record: JSONValue = ["src": "10.0.0.5", "obj": ["a": 1], "t": "May 1", "huge": 1e300, "ancient": -70_000_000_000,
                                 "digits": "99999999999999999999", "notanumber": "nan", "hexfloat": "0x1p30"]
        do {
            _ = try m.apply(record, context: MappingContext())
            Issue.record("mapped a record that should fail")
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test("one failing record is quarantined with its error and raw record; the rest of the page goes on")
    func quarantine() throws {
        let m = try Mapping.compile(text: "container:\n  group_by: \"{{ id | required }}\"\nartifacts:\n  - name: \"{{ id }}\"\n", file: "m.yaml")
        let bad: JSONValue = ["other": true]
        let batch = MappedBatch(mapping: m, records: [["id": "a"], bad, ["id": "b"], .null, ["id": "a"]], context: MappingContext())
        #expect(batch.groups.map(\.container.sourceDataIdentifier) == ["a", "b"])
        #expect(batch.groups.map { $0.artifacts.count } == [2, 1])
        #expect(batch.quarantine.map(\.index) == [1, 3])
        #expect(batch.quarantine.first?.record == bad)
        #expect(batch.quarantine.first?.error.location == "m.yaml:2:13")
    }
}
