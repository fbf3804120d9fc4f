import Foundation
import IntakeCore

/// The parts of a `postgres://user:password@host:port/database?sslmode=…` store URL.
///
/// Keys understood in the query: `sslmode` (`disable`, `prefer` — the default —, `require`),
/// `connect_timeout` (seconds, default 10) and `pool_size` (connections per process, default 8).
public struct PostgresEndpoint: Sendable, Hashable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Hashable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    public var connectTimeoutSeconds: Int
    public var poolSize: Int

    /// Parses a store URL; every error names the URL with its password removed.
    public init(url: String) throws(IntakeError) {
        let shown = Redactor.stripURLCredentials(url)
        func bad(_ why: String) -> IntakeError {
            IntakeError(.configuration, "invalid PostgreSQL store URL '\(shown)': \(why)",
                        hint: "use postgres://user:password@host:port/database")
        }
        guard let c = URLComponents(string: url), let scheme = c.scheme, scheme == "postgres" || scheme == "postgresql" else {
            throw bad("it is not a URL")
        }
        guard let host = c.host, !host.isEmpty else { throw bad("no host") }
        guard let user = c.user, !user.isEmpty else { throw bad("no user name") }
        // URLComponents gives the percent-decoded user and password.
        let db = String(c.path.drop(while: { $0 == "/" }))
        guard !db.isEmpty, !db.contains("/") else { throw bad("no database name after the host") }
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        self.port = c.port ?? 5432
        guard (1...65535).contains(port) else { throw bad("port \(port) is out of range") }
        self.username = user
        self.password = c.password
        self.database = db.removingPercentEncoding ?? db
        self.tls = .prefer
        self.connectTimeoutSeconds = 10
        self.poolSize = 8
        for item in c.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw bad("sslmode '\(value)' is not one of disable, prefer, require")
                }
                tls = mode
            case "connect_timeout":
                guard let s = Int(value), s > 0 else { throw bad("connect_timeout '\(value)' is not a positive number of seconds") }
                connectTimeoutSeconds = s
            case "pool_size":
                guard let n = Int(value), (1...200).contains(n) else { throw bad("pool_size '\(value)' is not between 1 and 200") }
                poolSize = n
            default:
                throw bad("unknown parameter '\(item.name)' (known: sslmode, connect_timeout, pool_size)")
            }
        }
    }

    /// `postgres://user@host:port/database`, never with the password.
    public var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(username)@\(h):\(port)/\(database)"
    }
}
