import Foundation
import IntakeCore
@testable import IntakeStore
import IntakeTestSupport
import PostgresNIO
import Synchronization
import Testing

/// A connection the server closes between two statements must fail the next statement, never hang it
/// (postgres-nio 1.33 alone waits for ever), and a transaction that did not commit is run again.
@Suite("PostgreSQL connections lost between statements", .enabled(if: postgresURL != nil, "INTAKE_TEST_POSTGRES_URL is not set"))
struct PostgresConnectionLossTests {
    /// Ends the server process behind `session` from another connection and waits until the client sees it.
    static func terminate(_ session: PostgresSession, url: String) async throws {
        var pid: Int32 = 0
        for try await p in try await session.query("SELECT pg_backend_pid()", logger: .init(label: "test")).decode(Int32.self) { pid = p }
        try await adminQuery(url, "SELECT pg_terminate_backend(\(pid))")
        let deadline = ContinuousClock.now + .seconds(10)
        while !session.connection.isClosed, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(session.connection.isClosed, "the server should have closed the connection")
    }

    @Test("a statement on a connection the server closed fails at once with a clear error")
    func statementAfterClose() async throws {
        try await withTemporaryDatabase { url in
            let store = try await PostgresStore(url: url)
            let started = ContinuousClock.now
            let error = await #expect(throws: IntakeError.self) {
                try await store.withConnection("run a statement") { session in
                    try await Self.terminate(session, url: url)
                    try await session.query("SELECT 1", logger: .init(label: "test"))
                }
            }
            #expect(started.duration(to: .now) < .seconds(20), "the statement must fail, not wait")
            #expect(error?.message == "cannot run a statement: the connection to PostgreSQL was lost", "\(String(describing: error))")
            #expect(error.map { !"\($0)".contains(try! PostgresEndpoint(url: url).password ?? "\u{0}") } == true)
            // The pool replaces the lost connection.
            let one = try await store.withConnection("run a statement") { session in
                var v: Int32 = 0
                for try await x in try await session.query("SELECT 1", logger: .init(label: "test")).decode(Int32.self) { v = x }
                return v
            }
            #expect(one == 1)
            await store.close()
        }
    }

    @Test("a transaction whose connection is lost before COMMIT runs again on a new connection, once")
    func transactionRetried() async throws {
        try await withTemporaryDatabase { url in
            let store = try await PostgresStore(url: url)
            _ = try await store.withConnection("create a table") { s in
                try await s.query("CREATE TABLE t (v integer PRIMARY KEY)", logger: .init(label: "test"))
            }
            let attempts = Mutex(0)
            try await store.transaction("insert a row") { session in
                let attempt = attempts.withLock { $0 += 1; return $0 }
                try await session.query("INSERT INTO t VALUES (\(attempt))", logger: .init(label: "test"))
                if attempt == 1 { try await Self.terminate(session, url: url) }
            }
            #expect(attempts.withLock { $0 } == 2)
            let rows = try await store.withConnection("read the table") { s in
                var all: [Int32] = []
                for try await v in try await s.query("SELECT v FROM t ORDER BY v", logger: .init(label: "test")).decode(Int32.self) {
                    all.append(v)
                }
                return all
            }
            #expect(rows == [2], "the first attempt's row must have been rolled back with its connection")
            await store.close()
        }
    }

    @Test("a COMMIT that goes unanswered is reported, not retried")
    func commitUncertain() {
        let lost = PostgresCommitUncertain(underlying: PostgresConnectionLost())
        #expect(PostgresStore.retry(after: lost) == .no)
        #expect(PostgresStore.retry(after: PostgresConnectionLost()) == .connection)
        let endpoint = try! PostgresEndpoint(url: "postgres://u:secret@127.0.0.1:5432/db")
        let message = PostgresStore.describe(lost, endpoint: endpoint, doing: "save a page").message
        #expect(message.contains("may or may not be saved"), "\(message)")
        #expect(!message.contains("secret"))
    }
}
