import Foundation
import GRDB
import IntakeCore
import Logging

/// The embedded store: SQLite in WAL mode through GRDB, created on first use with mode 0600.
///
/// Writes go through GRDB's serial writer; readers run concurrently. Dedup is enforced by unique
/// indexes (container identity; artifact hash within a container), never by application checks alone.
public final class SQLiteStore: Store {
    public let path: String
    let pool: DatabasePool
    let logger: Logger
    /// Checkpoints the WAL off the writer's thread (nil if its connection could not be opened: the
    /// writer then checkpoints, as SQLite does by default), asked by `walHook` on each commit.
    private let checkpointer: SQLiteCheckpointer?
    private let walHook: SQLiteCheckpointer.Hook

    /// Opens (creating when missing) the database at `path` and applies migrations.
    public convenience init(path: String, logger: Logger = Logger(label: "intake.store")) async throws(IntakeError) {
        try await self.init(path: path, logger: logger, walHook: SQLiteCheckpointer.Hook())
    }

    /// `walHook` sets when the WAL is checkpointed (tests use small thresholds).
    init(path: String, logger: Logger, walHook: SQLiteCheckpointer.Hook) async throws(IntakeError) {
        self.path = path
        self.logger = logger
        self.walHook = walHook
        try SQLiteStore.prepareFile(path)
        var config = Configuration()
        config.busyMode = .timeout(30)
        config.prepareDatabase { db in
            // The WAL is checkpointed by the store's checkpointer, not by the connection that commits.
            walHook.install(on: db)
            // 16 KiB pages for a new store (an existing one keeps the page size it was created
            // with; SQLite ignores this once the file has content). Rows here are 1–2 KB of JSON:
            // bigger pages hold ten of them instead of two or three, so a transaction writes and
            // balances a quarter of the pages, one write() per page, and the hash index is shallower.
            try db.execute(sql: "PRAGMA page_size = 16384")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // 32 MiB of page cache (SQLite's default is 2 MiB): deduplication probes the artifact
            // hash index at random, and with the default cache most probes of a large store became
            // read() calls into the kernel. Allocated as used, so small stores stay small.
            try db.execute(sql: "PRAGMA cache_size = -32768")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw SQLiteStore.describe(error, path: path, doing: "open the store")
        }
        checkpointer = try? SQLiteCheckpointer(path: path, logger: logger)
        walHook.attach(checkpointer)
        try await migrate()
    }

    /// Creates the parent directory and an empty file with owner-only permissions.
    static func prepareFile(_ path: String) throws(IntakeError) {
        let fm = FileManager.default
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty && !fm.fileExists(atPath: dir) {
            do {
                try fm.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw IntakeError(.store, "cannot create the store directory: \(error.localizedDescription)", at: dir)
            }
        }
        if !fm.fileExists(atPath: path) {
            guard fm.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw IntakeError(.store, "cannot create the store file", at: path, hint: "check that the directory is writable")
            }
        }
    }

    public func migrate() async throws(IntakeError) {
        // GRDB serialises migrations with this process's writes, but reads which migrations are
        // applied before it takes SQLite's write lock: two processes opening a new store at once
        // would both apply the first one. An exclusive flock on the store's directory (flock and
        // SQLite's fcntl locks do not interact) makes the check-and-apply one step across processes.
        let directory = (path as NSString).deletingLastPathComponent
        let lock = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if lock >= 0 {
            while flock(lock, LOCK_EX) != 0 && errno == EINTR {}
        }
        defer {
            if lock >= 0 {
                flock(lock, LOCK_UN)
                Foundation.close(lock)
            }
        }
        do {
            try SQLiteSchema.migrator.migrate(pool)
        } catch {
            throw SQLiteStore.describe(error, path: path, doing: "migrate the store")
        }
    }

    public func close() async {
        walHook.attach(nil)
        await checkpointer?.close()
        try? pool.close()
    }

    /// Runs a write transaction, turning database errors into ``IntakeError``s that name the store.
    func write<T: Sendable>(_ doing: String, _ body: @escaping @Sendable (Database) throws -> T) async throws(IntakeError) -> T {
        do {
            return try await pool.write(body)
        } catch {
            throw SQLiteStore.describe(error, path: path, doing: doing)
        }
    }

    func read<T: Sendable>(_ doing: String, _ body: @escaping @Sendable (Database) throws -> T) async throws(IntakeError) -> T {
        do {
            return try await pool.read(body)
        } catch {
            throw SQLiteStore.describe(error, path: path, doing: doing)
        }
    }

    static func describe(_ error: any Error, path: String, doing: String) -> IntakeError {
        if let e = error as? IntakeError { return e }
        if let db = error as? DatabaseError {
            switch db.resultCode {
            case .SQLITE_NOTADB:
                return IntakeError(.store, "cannot \(doing): the file is not a SQLite database", at: path,
                                   hint: "point the store at another file or move this one away")
            case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN:
                return IntakeError(.store, "cannot \(doing): the database is read-only or cannot be opened (\(db.message ?? "\(db.resultCode)"))",
                                   at: path, hint: "check the file's and directory's permissions")
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return IntakeError(.store, "cannot \(doing): the database stayed locked by another process", at: path)
            case .SQLITE_FULL:
                return IntakeError(.store, "cannot \(doing): the disk is full", at: path)
            default:
                return IntakeError(.store, "cannot \(doing): \(db.message ?? "\(db.resultCode)")", at: path)
            }
        }
        return IntakeError(.store, "cannot \(doing): \(error)", at: path)
    }
}
