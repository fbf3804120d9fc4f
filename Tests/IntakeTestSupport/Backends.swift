import Foundation
import IntakeCore
import IntakeStore
import Logging
import PostgresNIO
import Testing

/// The backends the shared behavioural suite runs against.
///
/// PostgreSQL joins when `INTAKE_TEST_POSTGRES_URL` names a server (scripts/test starts one on loopback
/// and sets it); each test then gets a database of its own, dropped afterwards.
public enum Backend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    public static var enabled: [Backend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    public var description: String { rawValue }
}

public let postgresURL: String? = ProcessInfo.processInfo.environment["INTAKE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

/// Runs `body` with a fresh store of `backend` (and a temporary directory), removed afterwards.
public func withTemporaryStore<T>(_ backend: Backend = .sqlite, _ body: (any Store, String) async throws -> T) async throws -> T {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("intake-store-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    switch backend {
    case .sqlite:
        let store = try await SQLiteStore(path: dir + "/intake.sqlite")
        return try await using(store) { try await body($0, dir) }
    case .postgres:
        return try await withTemporaryDatabase { url in
            let store = try await PostgresStore(url: url)
            return try await using(store) { try await body($0, dir) }
        }
    }
}

/// The store URL of a temporary database: `store(url)`, then a fresh store on the same database, and so on.
public func withTemporaryStoreURL<T>(_ backend: Backend, _ body: (String, String) async throws -> T) async throws -> T {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("intake-store-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    switch backend {
    case .sqlite: return try await body("sqlite://\(dir)/intake.sqlite", dir)
    case .postgres: return try await withTemporaryDatabase { try await body($0, dir) }
    }
}

public func openStore(_ url: String) async throws -> any Store {
    if url.hasPrefix("sqlite://") { return try await SQLiteStore(path: String(url.dropFirst("sqlite://".count))) }
    try #require(url.hasPrefix("postgres://") || url.hasPrefix("postgresql://"), "not a store URL a test made: \(url)")
    return try await PostgresStore(url: url)
}

public func using<S: Store, T>(_ store: S, _ body: (S) async throws -> T) async throws -> T {
    do {
        let r = try await body(store)
        await store.close()
        return r
    } catch {
        await store.close()
        throw error
    }
}

/// Creates a database on the test server, hands its URL to `body`, and drops it afterwards.
public func withTemporaryDatabase<T>(_ body: (String) async throws -> T) async throws -> T {
    guard let base = postgresURL else { throw IntakeError(.configuration, "INTAKE_TEST_POSTGRES_URL is not set") }
    let name = "intake_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
    let url = base.replacingOccurrences(of: #"/[^/?]+(\?|$)"#, with: "/\(name)$1", options: .regularExpression)
    // A URL the rewrite missed would run the test in the server's own database, beside every other
    // test. Checked before the database is made, so that a failure leaves none behind.
    let database = try PostgresEndpoint(url: url).database
    try #require(database == name, "the test database's URL names '\(database)', not '\(name)'")
    try await adminQuery(base, "CREATE DATABASE \(name)")
    do {
        let r = try await body(url)
        try? await adminQuery(base, "DROP DATABASE \(name) WITH (FORCE)")
        return r
    } catch {
        try? await adminQuery(base, "DROP DATABASE \(name) WITH (FORCE)")
        throw error
    }
}

/// A plain connection of the test's own to the database at `url` (another session beside a store's
/// pool: a second writer, a lock held open). The caller closes it.
public func testConnection(_ url: String, id: Int = 1) async throws -> PostgresConnection {
    let e = try PostgresEndpoint(url: url)
    let config = PostgresConnection.Configuration(host: e.host, port: e.port, username: e.username, password: e.password,
                                                  database: e.database, tls: .disable)
    return try await PostgresConnection.connect(on: PostgresClient.defaultEventLoopGroup.next(), configuration: config, id: id,
                                                logger: Logger(label: "intake.tests"))
}

/// Runs one statement on the test server's own database.
public func adminQuery(_ url: String, _ sql: String) async throws {
    let conn = try await testConnection(url)
    defer { Task { try? await conn.close() } }
    try await conn.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "intake.tests"))
}

