/// Removes secrets from text that is about to reach a log line, an error or a result.
///
/// It knows the secret values of the assets in play (passwords, tokens, keys) and replaces
/// them wherever they appear; it also strips credentials from URLs.
public struct Redactor: Sendable {
    public static let mask = "********"
    private var secrets: [String]

    public init(secrets: [String] = []) {
        // Longest first, so a secret that contains another is masked whole.
        self.secrets = Array(Set(secrets.filter { $0.count >= 3 })).sorted { $0.count > $1.count }
    }

    public mutating func add(_ secret: String) {
        guard secret.count >= 3, !secrets.contains(secret) else { return }
        secrets.append(secret)
        secrets.sort { $0.count > $1.count }
    }

    public var isEmpty: Bool { secrets.isEmpty }

    /// The text with every known secret masked and URL credentials removed.
    public func redact(_ text: String) -> String {
        var out = Redactor.stripURLCredentials(text)
        for s in secrets where out.contains(s) {
            out = out.replacingAll(s, with: Redactor.mask)
        }
        return out
    }

    public func redact(_ error: IntakeError) -> IntakeError {
        var e = error
        e.message = redact(e.message)
        e.location = e.location.map(redact)
        e.hint = e.hint.map(redact)
        return e
    }

    /// `https://user:pass@host/x` becomes `https://host/x`.
    public static func stripURLCredentials(_ text: String) -> String {
        guard text.contains("://"), text.contains("@") else { return text }
        var result = ""
        var rest = Substring(text)
        while let r = rest.firstRange(of: "://") {
            result += rest[..<r.upperBound]
            rest = rest[r.upperBound...]
            let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == " " || $0 == "?" || $0 == "#" || $0 == "\"" || $0 == "'" }) ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            if let at = authority.lastIndex(of: "@") {
                rest = rest[rest.index(after: at)...]
            }
        }
        return result + rest
    }
}

extension String {
    /// Every occurrence of `target` replaced.
    public func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        return replacing(target, with: replacement)
    }
}
