import IntakeCore

/// A parsed store URL: `sqlite:///absolute/path.sqlite`, `sqlite://relative/to/config.sqlite`,
/// or `postgres://user:password@host:port/database`.
public enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    /// Parses a store URL; relative SQLite paths resolve against `baseDirectory` (the configuration directory).
    public init(url: String, baseDirectory: String) throws(IntakeError) {
        let u = url.trimmingSpaces
        if u.hasPrefix("sqlite://") {
            let rest = String(u.dropFirst("sqlite://".count))
            guard !rest.isEmpty, rest != "/" else {
                throw IntakeError(.configuration, "store URL '\(u)' names no database file",
                                  hint: "use sqlite:///absolute/path.sqlite or sqlite://relative/path.sqlite")
            }
            self = .sqlite(path: rest.hasPrefix("/") ? rest : baseDirectory + "/" + rest)
        } else if u.hasPrefix("postgres://") || u.hasPrefix("postgresql://") {
            self = .postgres(url: u)
        } else {
            throw IntakeError(.configuration, "unsupported store URL '\(Redactor.stripURLCredentials(u))'",
                              hint: "use sqlite:///path.sqlite, sqlite://relative.sqlite or postgres://user:password@host:port/database")
        }
    }

    /// The location with credentials removed, for messages.
    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite://\(path)"
        case .postgres(let url): return Redactor.stripURLCredentials(url)
        }
    }
}
