import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The connection was closed (by the server, a restart, or the network) before a statement finished.
struct PostgresConnectionLost: Error, CustomStringConvertible {
    /// False when the connection was found closed before the statement was written: the server never saw it.
    var sent = true
    var description: String { "the connection to PostgreSQL was lost" }
}

/// A connection as the store uses it: every statement ends, even on a connection the server closed.
///
/// postgres-nio 1.33 never completes a query written to a connection that is already closed: its
/// handler has left the channel, the write fails with no one to tell, and the caller waits for ever
/// (their fix, vapor/postgres-nio#487, was reverted in #501). A `pg_ctl restart` landing between two
/// statements of a page save did exactly that. Every statement of the store goes through
/// ``query(_:logger:file:line:)``, which fails at once with ``PostgresConnectionLost`` when the
/// connection is closed, or closes while the statement is in flight.
struct PostgresSession: Sendable {
    let connection: PostgresConnection
    private let watch: ConnectionWatch

    init(_ connection: PostgresConnection) {
        self.connection = connection
        self.watch = ConnectionWatch.of(connection)
    }

    /// Runs one statement; its rows may then be read as usual (a close while reading fails the read).
    @discardableResult
    func query(_ query: PostgresQuery, logger: Logger, file: String = #fileID, line: Int = #line) async throws -> PostgresRowSequence {
        let connection = self.connection
        return try await guarded { try await connection.query(query, logger: logger, file: file, line: line) }
    }

    /// Streams `rows` (PostgreSQL's COPY text format: tab-separated fields, `\N` for NULL, one row per
    /// line) into `table` with `COPY … FROM STDIN`, a chunk at a time as `rows` builds them: the server
    /// reads each chunk while the next is built. The table and column names go into the statement as
    /// they are: they must be the store's own, never user input.
    func copy(into table: String, columns: [String], rows: CopyRowSource, logger: Logger,
              file: String = #fileID, line: Int = #line) async throws {
        let connection = self.connection
        try await guarded {
            try await connection.copyFrom(table: table, columns: columns, logger: logger, file: file, line: line) { writer in
                for chunk in rows.chunks {
                    try await writer.write(rows.build(chunk))
                }
            }
        }
    }

    /// Runs `operation` so that it ends when the connection closes, whether or not postgres-nio's own
    /// future ever completes.
    private func guarded<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        // The channel may be closed before the watch has heard of it: nothing is sent either way.
        if connection.isClosed { throw PostgresConnectionLost(sent: false) }
        let watch = self.watch
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            guard let token = watch.enlist({ continuation.resume(throwing: $0) }) else {
                continuation.resume(throwing: PostgresConnectionLost(sent: false))
                return
            }
            // The statement runs in a task of its own so that a close can answer the caller while
            // postgres-nio's own future never completes; that task then ends with the process.
            Task {
                let result: Result<T, any Error>
                do {
                    result = .success(try await operation())
                } catch {
                    result = .failure(error)
                }
                if watch.dismiss(token) != nil { continuation.resume(with: result) }
            }
        }
    }

    /// Runs `body` between BEGIN and COMMIT, rolling back (when the connection still lives) if it throws.
    ///
    /// A failure of COMMIT itself is reported as ``PostgresCommitUncertain``: the server may or may not
    /// have committed, so the caller must not simply run the transaction again.
    func transaction<T: Sendable>(logger: Logger, isolation: isolated (any Actor)? = #isolation,
                                  _ body: (PostgresSession) async throws -> T) async throws -> T {
        try await query("BEGIN", logger: logger)
        let value: T
        do {
            value = try await body(self)
        } catch {
            if !connection.isClosed { _ = try? await query("ROLLBACK", logger: logger) }
            throw error
        }
        do {
            try await query("COMMIT", logger: logger)
        } catch let lost as PostgresConnectionLost where !lost.sent {
            throw lost  // COMMIT never left: the server rolled the transaction back with the connection
        } catch {
            throw PostgresCommitUncertain(underlying: error)
        }
        return value
    }
}

/// COMMIT was sent but its answer never came: the transaction may or may not have been applied.
struct PostgresCommitUncertain: Error {
    let underlying: any Error
}

/// Statements in flight on one connection, failed together when the connection closes.
///
/// One watch per connection (one close callback, however many statements the connection runs),
/// found by the connection's identity and forgotten when it closes.
final class ConnectionWatch: Sendable {
    /// Fails one waiting operation; called at most once, by the close or not at all.
    typealias Waiter = @Sendable (any Error) -> Void

    private struct State {
        var closed = false
        var nextToken: UInt64 = 0
        var waiting: [UInt64: Waiter] = [:]
    }

    private let state = Mutex(State())
    /// The connection watched, to tell it from a later one at the same address.
    private weak let connection: PostgresConnection?
    private static let watches = Mutex<[ObjectIdentifier: ConnectionWatch]>([:])

    /// The watch of `connection`, set up (with its close callback) the first time it is asked for.
    static func of(_ connection: PostgresConnection) -> ConnectionWatch {
        let key = ObjectIdentifier(connection)
        let (watch, isNew) = watches.withLock { all -> (ConnectionWatch, Bool) in
            if let existing = all[key], existing.connection === connection { return (existing, false) }
            let created = ConnectionWatch(connection)
            all[key] = created
            return (created, true)
        }
        if isNew {
            connection.closeFuture.whenComplete { _ in
                watches.withLock { all in
                    if all[key] === watch { all.removeValue(forKey: key) }
                }
                watch.closeAll()
            }
        }
        return watch
    }

    private init(_ connection: PostgresConnection) {
        self.connection = connection
    }

    /// Registers a waiting statement; nil when the connection has already closed.
    func enlist(_ waiter: @escaping Waiter) -> UInt64? {
        state.withLock { s in
            guard !s.closed else { return nil }
            s.nextToken += 1
            s.waiting[s.nextToken] = waiter
            return s.nextToken
        }
    }

    /// Takes back a statement's waiter once it finished; nil when a close already failed it.
    func dismiss(_ token: UInt64) -> Waiter? {
        state.withLock { $0.waiting.removeValue(forKey: token) }
    }

    private func closeAll() {
        let waiters = state.withLock { s -> [Waiter] in
            s.closed = true
            defer { s.waiting = [:] }
            return Array(s.waiting.values)
        }
        for waiter in waiters { waiter(PostgresConnectionLost()) }
    }
}
