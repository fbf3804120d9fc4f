import Foundation
import Synchronization
import IntakeCore
import Logging
import PostgresNIO

/// The scaled-out store: PostgreSQL through postgres-nio, shared by every `intake` process pointed at it.
///
/// The schema and the dedup contract are the SQLite store's: unique indexes on container identity and on
/// artifact hash within a container decide what is new, so two processes saving the same records at the
/// same time still store each once. A page, its run counters and the checkpoint commit in one transaction.
public final class PostgresStore: Store {
    public let endpoint: PostgresEndpoint
    let client: PostgresClient
    let logger: Logger
    /// Runs the connection pool for the store's lifetime; ended by ``close()``.
    private let runner: Task<Void, Never>
    /// Asset ids by name, filled as pages are saved; asset rows are never deleted.
    let assetIds = Mutex<[String: Int64]>([:])
    /// Per asset, whether the next page's artifacts are looked up before they are copied.
    let probes = Mutex<[String: ArtifactProbe]>([:])

    /// Connects to the database, checks credentials and applies migrations; fails fast with a clear error.
    public init(url: String, logger: Logger = Logger(label: "intake.store")) async throws(IntakeError) {
        let endpoint = try PostgresEndpoint(url: url)
        self.endpoint = endpoint
        self.logger = logger
        let tls: PostgresClient.Configuration.TLS
        switch endpoint.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
        }
        // Fail on a wrong address, password or database before any work, with an error that says which.
        try await PostgresStore.migrate(endpoint: endpoint, tls: tls, logger: logger)
        var config = PostgresClient.Configuration(host: endpoint.host, port: endpoint.port, username: endpoint.username,
                                                  password: endpoint.password, database: endpoint.database, tls: tls)
        config.options.connectTimeout = .seconds(Int64(endpoint.connectTimeoutSeconds))
        config.options.maximumConnections = endpoint.poolSize
        config.options.minimumConnections = 0
        config.options.connectionIdleTimeout = .seconds(60)
        let client = PostgresClient(configuration: config, backgroundLogger: logger)
        self.client = client
        // The pool needs a task to run in; the store owns it and ends it in close(). The store is handed
        // out only once that task is under way, so no lease is asked of a pool that is not running yet.
        let (started, signal) = AsyncStream<Void>.makeStream()
        self.runner = Task {
            signal.finish()
            await client.run()
        }
        for await _ in started {}
        try? await Task.sleep(for: .milliseconds(2))
    }

    public func migrate() async throws(IntakeError) {
        try await withConnection("migrate the store") { conn in
            try await PostgresStore.applyMigrations(conn, logger: self.logger)
        }
    }

    public func close() async {
        // A pool whose run() is cancelled before it is under way can wait for ever; one lease (capped
        // at a few seconds, in case the server is gone) makes sure it runs before it is told to stop.
        let client = self.client
        await withTaskGroup(of: Void.self) { group in
            group.addTask { _ = try? await client.withConnection { _ in } }
            group.addTask { try? await Task.sleep(for: .seconds(3)) }
            await group.next()
            group.cancelAll()
        }
        runner.cancel()
        await runner.value
    }

    /// Applies pending migrations on a dedicated connection, under an advisory lock so concurrent starts apply each once.
    static func migrate(endpoint: PostgresEndpoint, tls: PostgresClient.Configuration.TLS, logger: Logger) async throws(IntakeError) {
        let connTLS: PostgresConnection.Configuration.TLS
        switch endpoint.tls {
        case .disable: connTLS = .disable
        case .prefer: connTLS = .prefer(try makeTLSContext())
        case .require: connTLS = .require(try makeTLSContext())
        }
        var config = PostgresConnection.Configuration(host: endpoint.host, port: endpoint.port, username: endpoint.username,
                                                      password: endpoint.password, database: endpoint.database, tls: connTLS)
        config.options.connectTimeout = .seconds(Int64(endpoint.connectTimeoutSeconds))
        do {
            let conn = try await PostgresConnection.connect(on: PostgresClient.defaultEventLoopGroup.next(), configuration: config,
                                                            id: 0, logger: logger)
            do {
                try await applyMigrations(PostgresSession(conn), logger: logger)
                try? await conn.close()
            } catch {
                try? await conn.close()
                throw error
            }
        } catch {
            throw describe(error, endpoint: endpoint, doing: "open the store")
        }
    }

    private static func makeTLSContext() throws(IntakeError) -> NIOSSLContext {
        do {
            return try NIOSSLContext(configuration: .makeClientConfiguration())
        } catch {
            throw IntakeError(.store, "cannot set up TLS for PostgreSQL: \(error)")
        }
    }

    static func applyMigrations(_ conn: PostgresSession, logger: Logger) async throws {
        try await conn.transaction(logger: logger) { tx in
            // The lock comes first: two processes creating even the bookkeeping table at once on a new
            // database collide in the catalogue (a unique violation on pg_type), IF NOT EXISTS or not.
            try await tx.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.advisoryLock))", logger: logger)
            try await tx.query("""
                CREATE TABLE IF NOT EXISTS intake_migrations (
                    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            var applied = Set<Int>()
            for try await version in try await tx.query("SELECT version FROM intake_migrations", logger: logger).decode(Int.self) {
                applied.insert(version)
            }
            for m in PostgresSchema.migrations where !applied.contains(m.version) {
                // The extended protocol runs one statement per query.
                for statement in m.statements {
                    try await tx.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await tx.query("INSERT INTO intake_migrations (version, name) VALUES (\(m.version), \(m.name))", logger: logger)
                logger.info("applied store migration", metadata: ["version": "\(m.version)", "name": "\(m.name)"])
            }
        }
    }

    /// Runs `body` on a pooled connection, turning database errors into ``IntakeError``s that name the store.
    func withConnection<T: Sendable>(_ doing: String, _ body: (PostgresSession) async throws -> T) async throws(IntakeError) -> T {
        // The pool can hand back a connection the server has just closed, before it has heard of
        // the close itself. Such a connection is swapped for another before `body` runs, so nothing
        // of `body` is ever run twice; a connection that is lost later fails `body` as before.
        var handedClosed = 0
        while true {
            do {
                return try await client.withConnection { conn in
                    if conn.isClosed { throw PostgresClosedWhenHanded() }
                    return try await body(PostgresSession(conn))
                }
            } catch is PostgresClosedWhenHanded where handedClosed < 3 {
                handedClosed += 1
                try? await Task.sleep(for: .milliseconds(10 * handedClosed))
            } catch is PostgresClosedWhenHanded {
                throw PostgresStore.describe(PostgresConnectionLost(sent: false), endpoint: endpoint, doing: doing)
            } catch {
                throw PostgresStore.describe(error, endpoint: endpoint, doing: doing)
            }
        }
    }

    /// Runs `body` in a transaction, running the whole transaction again when it did not commit for a
    /// reason that passes: a deadlock or serialization failure (two processes saving overlapping
    /// pages), or a connection lost before COMMIT was sent (a server restart or failover). Nothing of
    /// an attempt that did not commit remains, so a retry cannot duplicate anything. When COMMIT itself
    /// goes unanswered the outcome is unknown, and the error is reported instead of guessed at.
    func transaction<T: Sendable>(_ doing: String, _ body: (PostgresSession) async throws -> T) async throws(IntakeError) -> T {
        var attempt = 0
        let started = ContinuousClock.now
        while true {
            attempt += 1
            do {
                return try await client.withConnection { conn in
                    try await PostgresSession(conn).transaction(logger: logger) { session in try await body(session) }
                }
            } catch {
                switch PostgresStore.retry(after: error) {
                case .conflict where attempt < 5:
                    logger.debug("retrying a transaction after a conflict", metadata: ["attempt": "\(attempt)"])
                    continue
                case .connection where started.duration(to: .now) < PostgresStore.reconnectWindow:
                    logger.warning("the connection to PostgreSQL was lost; retrying the transaction on a new one",
                                   metadata: ["attempt": "\(attempt)", "store": "\(endpoint)"])
                    try? await Task.sleep(for: .milliseconds(min(2_000, 100 * (1 << min(attempt, 5)))))
                    continue
                default:
                    throw PostgresStore.describe(error, endpoint: endpoint, doing: doing)
                }
            }
        }
    }

    /// How long a transaction keeps being retried after lost connections (a restart takes a few seconds).
    static let reconnectWindow: Duration = .seconds(30)

    enum Retry { case conflict, connection, no }

    /// Whether a failed transaction (which did not commit) may run again.
    static func retry(after error: any Error) -> Retry {
        if error is PostgresCommitUncertain { return .no }
        if error is PostgresConnectionLost { return .connection }
        if error is PostgresSaveRace { return .conflict }
        guard let psql = unwrap(error) as? PSQLError else { return .no }
        switch psql.serverInfo?[.sqlState] {
        case "40001", "40P01": return .conflict
        // The server is shutting down, restarting or starting: the transaction was rolled back.
        case "57P01", "57P02", "57P03": return .connection
        case .some: return .no
        case .none: break
        }
        switch psql.code {
        case .serverClosedConnection, .uncleanShutdown, .clientClosedConnection, .connectionError: return .connection
        default: return .no
        }
    }

    /// Whether the server refused a row for a unique index (SQLSTATE 23505).
    static func isUniqueViolation(_ error: any Error) -> Bool {
        (unwrap(error) as? PSQLError)?.serverInfo?[.sqlState] == "23505"
    }

    /// A clear, credential-free error: what failed, which database, and the server's reason.
    static func describe(_ error: any Error, endpoint: PostgresEndpoint, doing: String) -> IntakeError {
        let error = unwrap(error)
        if let uncertain = error as? PostgresCommitUncertain {
            let inner = describe(uncertain.underlying, endpoint: endpoint, doing: doing)
            return IntakeError(.store, "\(inner.message); COMMIT went unanswered, so the page may or may not be saved", at: endpoint.description,
                               hint: "poll again: what was saved is recognised as duplicate, what was not is saved")
        }
        if error is PostgresConnectionLost {
            return IntakeError(.store, "cannot \(doing): the connection to PostgreSQL was lost", at: endpoint.description,
                               hint: "nothing of the unfinished transaction was saved; poll again when the server is back")
        }
        if String(describing: type(of: error)) == "ConnectionPoolError" {
            return IntakeError(.store, "cannot \(doing): PostgreSQL has not accepted connections for a minute (\(error))",
                               at: endpoint.description, hint: "check that the server runs and the host and port in the store URL")
        }
        if let e = error as? IntakeError { return e }
        let at = endpoint.description
        if let psql = error as? PSQLError {
            if let info = psql.serverInfo {
                let state = info[.sqlState] ?? ""
                let message = info[.message] ?? "error \(state)"
                switch state {
                case "28P01", "28000":
                    return IntakeError(.store, "cannot \(doing): PostgreSQL refused the credentials for user \(endpoint.username)",
                                       at: at, hint: "check the user and password in the store URL")
                case "3D000":
                    return IntakeError(.store, "cannot \(doing): database \(endpoint.database) does not exist", at: at,
                                       hint: "create it (createdb \(endpoint.database)) or fix the store URL")
                case "57P01", "57P02", "57P03":
                    return IntakeError(.store, "cannot \(doing): the PostgreSQL server is shutting down or restarting (\(message))",
                                       at: at, hint: "nothing of the unfinished transaction was saved; poll again when it is back")
                default:
                    return IntakeError(.store, "cannot \(doing): \(message) (SQLSTATE \(state))", at: at)
                }
            }
            switch psql.code {
            case .connectionError:
                let reason = psql.underlying.map { "\($0)" } ?? "connection failed"
                return IntakeError(.store, "cannot \(doing): cannot connect to PostgreSQL (\(reason))", at: at,
                                   hint: "check that the server runs and the host and port in the store URL")
            case .serverClosedConnection, .uncleanShutdown, .clientClosedConnection:
                return IntakeError(.store, "cannot \(doing): the connection to PostgreSQL was lost", at: at,
                                   hint: "nothing of the unfinished transaction was saved; poll again when the server is back")
            case .sslUnsupported:
                return IntakeError(.store, "cannot \(doing): the server does not support TLS", at: at,
                                   hint: "use ?sslmode=prefer or ?sslmode=disable on a trusted network")
            default:
                return IntakeError(.store, "cannot \(doing): \(psql.code)", at: at)
            }
        }
        if error is CancellationError {
            return IntakeError(.store, "cannot \(doing): cancelled", at: at)
        }
        return IntakeError(.store, "cannot \(doing): \(error)", at: at)
    }
}

extension PostgresStore {
    /// The error inside a failed transaction: the closure's, else BEGIN's, else COMMIT's.
    static func unwrap(_ error: any Error) -> any Error {
        if let race = error as? PostgresSaveRace { return unwrap(race.underlying) }
        guard let tx = error as? PostgresTransactionError else { return error }
        return tx.closureError ?? tx.beginError ?? tx.commitError ?? error
    }
}

/// A container or artifact of the page was stored by another writer after the page looked for it:
/// the transaction runs again, and then finds that row as a duplicate.
struct PostgresSaveRace: Error {
    let underlying: any Error
    /// The refused row was an artifact of a page whose look-up was skipped (``ArtifactProbe``).
    var skippedLookUp = false
}

/// Reads pooled rows by column name for the shared decoders.
struct PostgresStoreRow: StoreRow {
    let row: PostgresRandomAccessRow

    init(_ row: PostgresRow) { self.row = row.makeRandomAccess() }

    func text(_ column: String) -> String? {
        guard row.contains(column) else { return nil }
        return try? row[column].decode(String?.self)
    }

    func int(_ column: String) -> Int64? {
        guard row.contains(column) else { return nil }
        if let v = try? row[column].decode(Int64?.self) { return v }
        return (try? row[column].decode(Int32?.self)).flatMap { $0.map(Int64.init) }
    }

    func time(_ column: String) -> Timestamp? {
        int(column).map { Timestamp(microseconds: $0) }
    }
}

/// The pool handed out a connection that was already closed; nothing was sent on it.
struct PostgresClosedWhenHanded: Error {}
