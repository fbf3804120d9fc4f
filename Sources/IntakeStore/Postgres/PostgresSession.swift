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
        let connection = self.connection, watch = self.watch
        return try await withCheckedThrowingContinuation { continuation in
            guard let token = watch.enlist(continuation) else {
                continuation.resume(throwing: PostgresConnectionLost(sent: false))
                return
            }
            // The statement runs in a task of its own so that a close can answer the caller while
            // postgres-nio's own future never completes; that task then ends with the process.
            Task {
                let result: Result<PostgresRowSequence, any Error>
                do {
                    result = .success(try await connection.query(query, logger: logger, file: file, line: line))
                } catch {
                    result = .failure(error)
                }
                watch.dismiss(token)?.resume(with: result)
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
    typealias Waiter = CheckedContinuation<PostgresRowSequence, any Error>

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
    func enlist(_ waiter: Waiter) -> UInt64? {
        state.withLock { s in
            guard !s.closed else { return nil }
            s.nextToken += 1
            s.waiting[s.nextToken] = waiter
            return s.nextToken
        }
    }

    /// Takes back a statement's waiter once it finished; nil when a close already answered it.
    func dismiss(_ token: UInt64) -> Waiter? {
        state.withLock { $0.waiting.removeValue(forKey: token) }
    }

    private func closeAll() {
        let waiters = state.withLock { s -> [Waiter] in
            s.closed = true
            defer { s.waiting = [:] }
            return Array(s.waiting.values)
        }
        for waiter in waiters { waiter.resume(throwing: PostgresConnectionLost()) }
    }
}
