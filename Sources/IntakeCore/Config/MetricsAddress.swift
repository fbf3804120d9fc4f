/// Where the metrics endpoint listens: `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (127.0.0.1).
public struct MetricsAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    /// 0 picks a free port (tests).
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses an address; `origin` names where it came from (`intake.yaml: metrics`, `--metrics`).
    public init(parsing text: String, origin: String) throws(IntakeError) {
        let t = text.trimmingSpaces
        var host: Substring
        var portText: Substring
        if t.hasPrefix("[") {
            guard let close = t.firstIndex(of: "]"), t[t.index(after: close)...].hasPrefix(":") else {
                throw MetricsAddress.invalid(text, origin)
            }
            host = t[t.index(after: t.startIndex)..<close]
            portText = t[t.index(close, offsetBy: 2)...]
        } else {
            guard let colon = t.lastIndex(of: ":"), !t[..<colon].contains(":") else { throw MetricsAddress.invalid(text, origin) }
            host = t[..<colon]
            portText = t[t.index(after: colon)...]
        }
        if host.isEmpty { host = "127.0.0.1" }
        guard let port = Int(portText), (0...65535).contains(port), !host.contains(where: { $0 == " " || $0 == "/" }) else {
            throw MetricsAddress.invalid(text, origin)
        }
        self.init(host: String(host), port: port)
    }

    static func invalid(_ text: String, _ origin: String) -> IntakeError {
        IntakeError(.configuration, "metrics address '\(text)' is not HOST:PORT", at: origin,
                    hint: "e.g. 127.0.0.1:9464 or [::1]:9464; keep it on loopback unless a firewall guards it")
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
