import Testing
@testable import IntakeCore

/// Table-driven checks of SOAR's contains validators: at least 30 valid and 30 invalid values per family.
struct ContainsValidatorTests {
    static let validIPs = [
        "0.0.0.0", "127.0.0.1", "192.168.1.1", "255.255.255.255", "10.0.0.1", "8.8.8.8", "1.2.3.4", "172.16.254.1",
        "100.64.0.1", "203.0.113.7", "192.168.0.0/16", "10.0.0.0/8", "0.0.0.0/0", "1.2.3.4/32",
        "::", "::1", "2001:db8::1", "2001:0db8:0000:0000:0000:0000:0000:0001", "fe80::1%eth0", "fe80::a:b%25",
        "::ffff:192.0.2.128", "::ffff:c000:280", "2001:db8::/32", "::/0", "1::", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
        "2001:DB8::ABCD", "64:ff9b::192.0.2.33", "1:2:3:4:5:6:7:8", "2001:db8:0:0:1::1", "::192.0.2.1",
        "fe80::1ff:fe23:4567:890a%3", "2001:db8::8a2e:370:7334/64",
    ]
    static let invalidIPs = [
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.04", "1.2.3.-1", "1.2.3.4/33", "1.2.3.4/", "1.2.3.4/08",
        "a.b.c.d", "1..2.3", "1.2.3.4 ", ":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "2001:db8::g", "12345::", "1:2:3:4:5:6:7:8::",
        "::ffff:256.0.0.1", "::ffff:1.2.3", "1.2.3.4::", "fe80::1%", "fe80::1%eth0/64", "2001:db8::/129", "::1/", "[::1]",
        "localhost", "1.2.3.4:80", "2001:db8:::1", "0x1.2.3.4", "1.2.3.4%eth0", "1:2:3:4:5:6:1.2.3.4:8", "-1.2.3.4", "1.2.3.4/-1",
    ]

    @Test(arguments: validIPs) func acceptsIP(_ v: String) { #expect(ContainsValidators.standard.accepts(v, contains: ["ip"])) }
    @Test(arguments: invalidIPs) func rejectsIP(_ v: String) { #expect(!ContainsValidators.standard.accepts(v, contains: ["ip"])) }

    static let validDomains = [
        "example.com", "example.com.", "sub.example.co.uk", "a.io", "xn--bcher-kva.example", "bücher.de", "例え.jp", "münchen.de",
        "xn--mnchen-3ya.de", "my-site.org", "a-b-c.example.net", "123.example.com", "example.xn--p1ai", "пример.рф", "www.google.com",
        "s3.amazonaws.com", "a.b.c.d.e.f.g.example", "x.com", "foo--bar.com", "0.com", "例子.测试", "xn--fsqu00a.xn--0zwm56d",
        "localhost.localdomain", "mail.example.museum", "ex4mple.com", "ab.cd", String(repeating: "a", count: 63) + ".com",
        "EXAMPLE.COM", "Example.Com.", "test.example.travel",
    ]
    static let invalidDomains = [
        "", "com", "localhost", "example", ".example.com", "example..com", "example.com..", "-example.com", "example-.com",
        "exa mple.com", "exa_mple.com", "example.123", "1.2.3.4", "example.com/", "http://example.com", "user@example.com",
        "xn--.com", "xn--zzzz-.com", "ab--cd.com", String(repeating: "a", count: 64) + ".com",
        String(repeating: String(repeating: "a", count: 60) + ".", count: 5) + "com", "*.example.com", "example.com:80",
        "exam!ple.com", "exa\tmple.com", "example.c-", "ex%41mple.com", "[example.com]", ".", "..", "example.-com", "例え..jp",
    ]

    @Test(arguments: validDomains) func acceptsDomain(_ v: String) { #expect(ContainsValidators.standard.accepts(v, contains: ["domain"])) }
    @Test(arguments: invalidDomains) func rejectsDomain(_ v: String) { #expect(!ContainsValidators.standard.accepts(v, contains: ["domain"])) }

    static let validHosts = [
        "localhost", "server01", "web-1", "db.internal", "example.com", "example.com.", "a", "A1", "my-host.corp.example.com",
        "1.2.3.4", "::1", "2001:db8::1", "host123", "mail", "router-01.lan", "xn--bcher-kva", "bücher", "WEB01", "n1.n2.n3", "a.b",
        "abc-def-ghi", "x1-y2", "123abc", "h.local", "srv.example.co.uk", "kube-node-7", "vm01.dc1", "0host", "z", "nas.home.arpa",
    ]
    static let invalidHosts = [
        "", "-host", "host-", "ho st", "host_name", "host..name", ".host", "host.123", "123", String(repeating: "a", count: 64),
        "host!", "host/path", "http://host", "host:80", "user@host", "*", "ho*st", "..", ".", "host..", "-", "1.2.3.256", "01.2.3.4",
        "[::1]", "fe80::1%", "host\n", "ab--cd", "xn--", "ho%st", "h~st",
    ]

    @Test(arguments: validHosts) func acceptsHostName(_ v: String) { #expect(ContainsValidators.standard.accepts(v, contains: ["host name"])) }
    @Test(arguments: invalidHosts) func rejectsHostName(_ v: String) { #expect(!ContainsValidators.standard.accepts(v, contains: ["host name"])) }

    static let validURLs = [
        "http://example.com", "https://example.com/", "https://example.com/path?q=1#frag", "http://user:pass@example.com:8080/x",
        "https://user@host.example", "ftp://ftp.example.org/file.txt", "http://127.0.0.1:8000", "http://[::1]:8080/",
        "http://[2001:db8::1]/", "https://xn--bcher-kva.example/", "https://bücher.de/", "http://localhost", "http://localhost:65535",
        "https://example.com/a%20b", "https://example.com?x=1&y=2", "https://example.com#top", "http://a.b-c.d/e_f~g",
        "s3://bucket.example/key", "git+ssh://git@github.com/org/repo.git", "http://user:p%40ss@example.com/",
        "https://example.com:443/path/to/resource.json", "http://10.0.0.1/admin", "https://sub.domain.example.co.uk/x?y=z",
        "http://example.com/path;param", "https://example.com/over/there?name=ferret#nose", "ldap://[2001:db8::7]/c=GB?objectClass?one",
        "https://EXAMPLE.COM", "http://[fe80::1%25eth0]/", "wss://stream.example.com/feed", "file://host.example/etc/hosts",
    ]
    static let invalidURLs = [
        "", "example.com", "http//example.com", "://example.com", "http://", "http:///path", "http://exa mple.com",
        "http://example.com:99999", "http://example.com:-1", "http://example.com:abc", "1http://example.com", "http://[::1",
        "http://[::g]/", "http://user@", "http://exa_mple.com", "http://example..com", "http://-example.com",
        "http://example.com/<script>", "http://example.com/a b", "http://%zz.com", "http://example.com/%", "http://example.com/%G1",
        "mailto:user@example.com", "ht tp://example.com", "http://user name@example.com", "http://example.com\"",
        "http://example.com\\path", "http://[::1]x/", "http://:80", "javascript:alert(1)", "http://exa\u{7}mple.com",
    ]

    @Test(arguments: validURLs) func acceptsURL(_ v: String) { #expect(ContainsValidators.standard.accepts(v, contains: ["url"])) }
    @Test(arguments: invalidURLs) func rejectsURL(_ v: String) { #expect(!ContainsValidators.standard.accepts(v, contains: ["url"])) }

    static let validEmails = [
        "user@example.com", "first.last@example.com", "user+tag@example.com", "user+tag+more@sub.example.org",
        "\"john doe\"@example.com", "\"very.unusual.@.unusual.com\"@example.com", "x@example.io", "a_b@example.co.uk",
        "o'reilly@example.com", "user%remote@example.com", "#!$%&'*+-/=?^_`{}|~@example.org", "admin@mailserver1.example",
        "user@[192.0.2.1]", "user@[IPv6:2001:db8::1]", "USER@EXAMPLE.COM", "1234567890@example.com", "user-name@example-domain.com",
        "u@xn--bcher-kva.example", "user@bücher.de", "müller@example.de", "\"quoted\\\"escape\"@example.com",
        "test.email.with+symbol@example.com", "x.y.z@a.b.c.example", "first_last@example.travel", "user@sub-domain.example.com",
        "a@b.cd", "\"a@b\"@example.com", "mail.box+filter@example.net", "u1@e1.example.com", "\"with space\"@example.org",
    ]
    static let invalidEmails = [
        "", "plainaddress", "@example.com", "user@", "user@@example.com", ".user@example.com", "user.@example.com",
        "us..er@example.com", "user@example", "user@example..com", "user@-example.com", "user name@example.com",
        "\"unclosed@example.com", "user@example.com.", "user@[300.1.1.1]", "user@[IPv6:2001:db8::g]", "a\"b@example.com",
        "user@exa_mple.com", "user@.example.com", "user@example.c_m", "user(comment)@example.com", "user@localhost",
        "user,name@example.com", "user;name@example.com", "user<name>@example.com", "user@123.123", "user@example.com/",
        "\"bad\\\"@example.com", String(repeating: "a", count: 65) + "@example.com", "user@[192.0.2.1", "us\ter@example.com",
        "user@ex ample.com", "user@xn--.com",
    ]

    @Test(arguments: validEmails) func acceptsEmail(_ v: String) { #expect(ContainsValidators.standard.accepts(v, contains: ["email"])) }
    @Test(arguments: invalidEmails) func rejectsEmail(_ v: String) { #expect(!ContainsValidators.standard.accepts(v, contains: ["email"])) }

    static let validMACs: [String] = {
        var out = ["00:1A:2B:3C:4D:5E", "00-1A-2B-3C-4D-5E", "001a.2b3c.4d5e", "ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00",
                   "aa:bb:cc:dd:ee:ff", "AA-BB-CC-DD-EE-FF", "0123.4567.89ab", "FFFF.FFFF.FFFF", "01:23:45:67:89:ab"]
        for i in 0..<24 {
            let bytes = (0..<6).map { j in hex2((i * 37 + j * 11) % 256) }
            out.append(bytes.joined(separator: i % 2 == 0 ? ":" : "-"))
        }
        return out
    }()
    static let invalidMACs = [
        "", "00:1A:2B:3C:4D", "00:1A:2B:3C:4D:5E:6F", "00:1A:2B:3C:4D:5G", "00:1A-2B:3C:4D:5E", "001A.2B3C", "001a.2b3c.4d5e.6f7a",
        "0:1A:2B:3C:4D:5E", "000:1A:2B:3C:4D:5E", "00.1A.2B.3C.4D.5E", "001A2B3C4D5", "00:1A:2B:3C:4D:5E:", ":00:1A:2B:3C:4D:5E",
        "00::1A:2B:3C:4D", "zz:zz:zz:zz:zz:zz", "00 1A 2B 3C 4D 5E", "00:1a:2b:3c:4d:5e ", "001a.2b3c.4d5", "001a-2b3c-4d5e",
        "00_1A_2B_3C_4D_5E", "g0:1A:2B:3C:4D:5E", "00:1A:2B:3C:4D:5", "1.2.3.4", "::1", "example.com", "00:1A:2B:3C:4D:5E/24",
        "-00-1A-2B-3C-4D-5E", "00-1A-2B-3C-4D-5E-", "001a..2b3c.4d5e", "0x001A2B3C4D5E",
    ]

    static func hex2(_ n: Int) -> String { let s = String(n, radix: 16); return s.count == 1 ? "0" + s : s }

    @Test(arguments: validMACs) func acceptsMAC(_ v: String) { #expect(ContainsValidators.standard.accepts(v, contains: ["mac address"])) }
    @Test(arguments: invalidMACs) func rejectsMAC(_ v: String) { #expect(!ContainsValidators.standard.accepts(v, contains: ["mac address"])) }

    static let validPorts = ["1", "7", "21", "22", "23", "25", "53", "80", "110", "123", "143", "161", "389", "443", "445", "514",
                             "587", "636", "993", "995", "1024", "1433", "1521", "3306", "3389", "5432", "5900", "6379", "8080",
                             "8443", "9200", "27017", "49152", "65534", "65535"]
    static let invalidPorts = ["", "0", "65536", "70000", "99999", "-1", "+80", "080", "0080", "80.0", "1e3", "abc", "8 0", " 80",
                               "80 ", "0x50", "١٢٣", "８０", "443/tcp", "tcp/443", "80,443", "80-90", "1000000", "-0", "00",
                               "65535.0", "NaN", "∞", "80a", "a80", "http"]

    @Test(arguments: validPorts) func acceptsPort(_ v: String) { #expect(ContainsValidators.standard.accepts(v, contains: ["port"])) }
    @Test(arguments: invalidPorts) func rejectsPort(_ v: String) { #expect(!ContainsValidators.standard.accepts(v, contains: ["port"])) }

    /// Deterministic hex strings of a length, mixing cases.
    static func hex(_ length: Int, seed: Int) -> String {
        var x = UInt64(seed) &* 6364136223846793005 &+ 1442695040888963407
        var s = ""
        for i in 0..<length {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            let c = Array("0123456789abcdef")[Int((x >> 33) % 16)]
            s.append(seed % 3 == 0 && i % 2 == 0 ? Character(c.uppercased()) : c)
        }
        return s
    }

    struct HashCase: Sendable, CustomTestStringConvertible {
        var type: String
        var length: Int
        var testDescription: String { type }
    }

    static let hashTypes = [HashCase(type: "md5", length: 32), HashCase(type: "sha1", length: 40),
                            HashCase(type: "sha256", length: 64), HashCase(type: "sha512", length: 128)]

    @Test(arguments: hashTypes) func hashesOfTheirLength(_ h: HashCase) {
        let valid = (0..<32).map { Self.hex(h.length, seed: $0) } + ["d41d8cd98f00b204e9800998ecf8427e".count == h.length
            ? "D41D8CD98F00B204E9800998ECF8427E" : String(repeating: "0", count: h.length)]
        var invalid = (0..<16).map { Self.hex(h.length - 1, seed: $0) } + (0..<8).map { Self.hex(h.length + 1, seed: $0) }
        let base = Self.hex(h.length, seed: 99)
        invalid += [String(base.dropLast()) + "g", "0x" + base.dropFirst(2), " " + base.dropFirst(), String(base.dropLast()) + " ",
                    String(base.dropLast()) + "-", String(base.prefix(10)) + ":" + base.dropFirst(11), "", String(repeating: "z", count: h.length)]
        #expect(valid.count >= 30 && invalid.count >= 30)
        for v in valid {
            #expect(ContainsValidators.standard.accepts(v, contains: [h.type]), "\(v)")
            #expect(ContainsValidators.standard.accepts(v, contains: ["hash"]), "\(v)")
        }
        for v in invalid {
            #expect(!ContainsValidators.standard.accepts(v, contains: [h.type]), "\(v)")
            #expect(!ContainsValidators.standard.accepts(v, contains: ["hash"]), "\(v)")
        }
        // Another family's length is not this one's.
        for other in Self.hashTypes where other.length != h.length {
            #expect(!ContainsValidators.standard.accepts(Self.hex(other.length, seed: 5), contains: [h.type]))
        }
    }

    @Test func anyContainsTypeSuffices() {
        let v = ContainsValidators.standard
        #expect(v.accepts("example.com", contains: ["ip", "domain"]))
        #expect(v.accepts("10.0.0.1", contains: ["ip", "domain"]))
        #expect(!v.accepts("not a thing", contains: ["ip", "domain"]))
        #expect(v.accepts("anything at all", contains: []))
        #expect(v.accepts("anything at all", contains: ["vault id"]), "an unknown contains type adds no check")
    }

    @Test func registeredValidatorsReplaceAndExtend() {
        let v = ContainsValidators.standard.registering("ticket id") { $0.hasPrefix("INC") }.registering("ip") { _ in false }
        #expect(v.accepts("INC123", contains: ["ticket id"]))
        #expect(!v.accepts("REQ1", contains: ["ticket id"]))
        #expect(!v.accepts("10.0.0.1", contains: ["ip"]))
    }

    @Test func punycodeDecodesKnownLabels() {
        #expect(Punycode.decode("bcher-kva") == "bücher")
        #expect(Punycode.decode("mnchen-3ya") == "münchen")
        #expect(Punycode.decode("p1ai") == "рф")
        #expect(Punycode.decode("") == nil)
        #expect(Punycode.decode("abc-") == nil)
    }
}
