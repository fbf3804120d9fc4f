/// Validators for network-shaped values: IP addresses, domains, host names, URLs, email
/// addresses, MAC addresses and ports. Pure functions over text.
public enum NetworkValidation {
    // MARK: IP

    /// IPv4 or IPv6, optionally with a CIDR prefix length; IPv6 may carry a zone (`fe80::1%eth0`).
    public static func isIP(_ s: String) -> Bool {
        var addr = Substring(s)
        var prefix: Substring?
        if let slash = s.firstIndex(of: "/") {
            addr = s[..<slash]
            prefix = s[s.index(after: slash)...]
        }
        if isIPv4(addr) {
            return prefix.map { isPrefix($0, max: 32) } ?? true
        }
        if let prefix {
            // A zone and a prefix together are not a textual form anyone writes.
            return !addr.contains("%") && isIPv6(addr) && isPrefix(prefix, max: 128)
        }
        return isIPv6Address(String(addr))
    }

    static func isPrefix(_ p: Substring, max: Int) -> Bool {
        guard !p.isEmpty, p.count <= 3, p.allSatisfy(\.isASCIIDigit), let n = Int(p) else { return false }
        return n <= max && (p.count == 1 || p.first != "0")
    }

    /// Dotted-quad IPv4; leading zeros are rejected because they are read as octal by some parsers.
    public static func isIPv4(_ s: Substring) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { p in
            guard !p.isEmpty, p.count <= 3, p.allSatisfy(\.isASCIIDigit), let n = Int(p), n <= 255 else { return false }
            return p.count == 1 || p.first != "0"
        }
    }

    /// IPv6 in every RFC 4291 textual form (full, `::`-compressed, with an embedded IPv4 tail),
    /// optionally followed by `%zone`.
    public static func isIPv6Address(_ s: String) -> Bool {
        var addr = Substring(s)
        if let pct = s.firstIndex(of: "%") {
            let zone = s[s.index(after: pct)...]
            guard !zone.isEmpty, zone.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "%" && $0 != "/" }) else { return false }
            addr = s[..<pct]
        }
        return isIPv6(addr)
    }

    static func isIPv6(_ s: Substring) -> Bool {
        guard s.count >= 2, s.count <= 45 else { return false }
        let halves = s.components(separatedBy: "::")
        guard halves.count <= 2 else { return false }
        func groups(_ part: String, last: Bool) -> Int? {
            if part.isEmpty { return 0 }
            let g = part.split(separator: ":", omittingEmptySubsequences: false)
            var count = 0
            for (i, x) in g.enumerated() {
                if last && i == g.count - 1 && x.contains(".") {
                    guard isIPv4(x) else { return nil }
                    count += 2
                } else {
                    guard (1...4).contains(x.count), x.allSatisfy(\.isHexDigit), x.allSatisfy(\.isASCII) else { return nil }
                    count += 1
                }
            }
            return count
        }
        if halves.count == 1 {
            return groups(halves[0], last: true) == 8
        }
        guard let a = groups(halves[0], last: false), let b = groups(halves[1], last: true) else { return false }
        return a + b <= 7
    }

    // MARK: Names

    /// A registrable domain name: at least two labels, letters/digits/hyphens (Unicode letters for
    /// IDNs, `xn--` labels must be valid Punycode), a non-numeric top-level label, an optional final dot.
    public static func isDomain(_ s: String) -> Bool {
        guard let labels = labels(of: s), labels.count >= 2 else { return false }
        return labels.allSatisfy(isLabel) && !labels.last!.allSatisfy(\.isASCIIDigit) && !isIPv4(Substring(s))
    }

    /// A host name (RFC 1123): one or more labels, or an IP address.
    public static func isHostName(_ s: String) -> Bool {
        if isIPv4(Substring(s)) || isIPv6Address(s) { return true }
        guard let labels = labels(of: s), !labels.isEmpty else { return false }
        return labels.allSatisfy(isLabel) && !labels.last!.allSatisfy(\.isASCIIDigit)
    }

    static func labels(of s: String) -> [Substring]? {
        var name = Substring(s)
        if name.hasSuffix(".") { name = name.dropLast() }
        guard !name.isEmpty, name.utf8.count <= 253 || name.unicodeScalars.count <= 253 else { return nil }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        return labels.contains(where: \.isEmpty) ? nil : labels
    }

    static func isLabel(_ l: Substring) -> Bool {
        guard !l.isEmpty, l.first != "-", l.last != "-" else { return false }
        let ascii = l.allSatisfy(\.isASCII)
        if ascii {
            guard l.utf8.count <= 63, l.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else { return false }
            let lower = l.lowercased()
            if lower.hasPrefix("xn--") { return Punycode.decode(String(lower.dropFirst(4))).map { !$0.isEmpty } ?? false }
            // "ab--" in positions 3-4 is reserved for ACE prefixes other than xn--.
            let chars = Array(lower)
            return !(chars.count >= 4 && chars[2] == "-" && chars[3] == "-")
        }
        // An IDN label: letters, marks and digits of any script, with hyphens.
        return l.unicodeScalars.count <= 63 && l.unicodeScalars.allSatisfy { u in
            u == "-" || u.properties.isAlphabetic || u.properties.numericType != nil
                || u.properties.generalCategory == .nonspacingMark || u.properties.generalCategory == .spacingMark
        }
    }

    // MARK: URL

    /// An absolute URL `scheme://[userinfo@]host[:port][/path][?query][#fragment]` whose host is
    /// a host name, an IPv4 address or a bracketed IPv6 address.
    public static func isURL(_ s: String) -> Bool {
        guard let sep = s.range(of: "://") else { return false }
        let scheme = s[..<sep.lowerBound]
        guard let f = scheme.first, f.isASCII, f.isLetter,
              scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }) else { return false }
        let rest = s[sep.upperBound...]
        guard rest.allSatisfy({ !$0.isWhitespace && !($0.asciiValue.map { $0 < 32 || $0 == 127 } ?? false) && !"<>\"{}|\\^`".contains($0) })
        else { return false }
        let authorityEnd = rest.firstIndex(where: { "/?#".contains($0) }) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        guard validPercents(rest) else { return false }
        if let at = authority.lastIndex(of: "@") {
            let user = authority[..<at]
            guard user.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._~!$&'()*+,;=:%".contains($0)) }) else { return false }
            authority = authority[authority.index(after: at)...]
        }
        var host = authority
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return false }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            guard isIPv6(host) || isIPv6Address(String(host).replacingAll("%25", with: "%")) else { return false }
            if after.isEmpty { return true }
            guard after.hasPrefix(":") else { return false }
            return isPortText(after.dropFirst(), allowEmpty: true)
        }
        if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            guard isPortText(authority[authority.index(after: colon)...], allowEmpty: true) else { return false }
        }
        guard !host.isEmpty else { return false }
        return isIPv4(host) || isHostName(String(host))
    }

    static func validPercents(_ s: Substring) -> Bool {
        var i = s.startIndex
        while let p = s[i...].firstIndex(of: "%") {
            let a = s.index(after: p)
            guard a < s.endIndex, s[a].isHexDigit, s.index(after: a) < s.endIndex, s[s.index(after: a)].isHexDigit else { return false }
            i = s.index(after: s.index(after: a))
        }
        return true
    }

    // MARK: Email

    /// An email address: a dot-atom or quoted local part (so plus tags and `"john doe"@x` pass), `@`,
    /// and a domain or an address literal (`[192.0.2.1]`, `[IPv6:2001:db8::1]`).
    public static func isEmail(_ s: String) -> Bool {
        guard let at = s.lastIndex(of: "@"), s.utf8.count <= 254 else { return false }
        let local = s[..<at], domain = s[s.index(after: at)...]
        guard !local.isEmpty, local.utf8.count <= 64 else { return false }
        if local.hasPrefix("\"") {
            guard local.count >= 2, local.hasSuffix("\"") else { return false }
            var escaped = false
            for c in local.dropFirst().dropLast() {
                if escaped { escaped = false; continue }
                if c == "\\" { escaped = true; continue }
                guard c != "\"", !(c.asciiValue.map { $0 < 32 || $0 == 127 } ?? false) else { return false }
            }
            guard !escaped else { return false }
        } else {
            let atext = "!#$%&'*+-/=?^_`{|}~"
            guard local.first != ".", local.last != ".", !local.contains(".."),
                  local.allSatisfy({ $0 == "." || ($0.isASCII && ($0.isLetter || $0.isNumber || atext.contains($0))) || (!$0.isASCII && $0.isLetter) })
            else { return false }
        }
        if domain.hasPrefix("[") && domain.hasSuffix("]") {
            let lit = domain.dropFirst().dropLast()
            if lit.lowercased().hasPrefix("ipv6:") { return isIPv6(lit.dropFirst(5)) }
            return isIPv4(lit)
        }
        return !domain.hasSuffix(".") && isDomain(String(domain))
    }

    // MARK: MAC and port

    /// A 48-bit MAC address: `aa:bb:cc:dd:ee:ff`, `aa-bb-cc-dd-ee-ff` (one separator throughout) or Cisco's `aabb.ccdd.eeff`.
    public static func isMACAddress(_ s: String) -> Bool {
        for sep in [":", "-"] as [Character] {
            let p = s.split(separator: sep, omittingEmptySubsequences: false)
            if p.count == 6 { return p.allSatisfy { $0.count == 2 && $0.allSatisfy { $0.isHexDigit && $0.isASCII } } }
        }
        let p = s.split(separator: ".", omittingEmptySubsequences: false)
        return p.count == 3 && p.allSatisfy { $0.count == 4 && $0.allSatisfy { $0.isHexDigit && $0.isASCII } }
    }

    /// A TCP/UDP port: a decimal 1–65535 without sign or leading zeros.
    public static func isPort(_ s: String) -> Bool { isPortText(Substring(s), allowEmpty: false) && s != "0" }

    static func isPortText(_ s: Substring, allowEmpty: Bool) -> Bool {
        if s.isEmpty { return allowEmpty }
        guard s.count <= 5, s.allSatisfy(\.isASCIIDigit), let n = Int(s), n <= 65535 else { return false }
        return s.count == 1 || s.first != "0"
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
