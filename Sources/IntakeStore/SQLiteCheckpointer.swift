import Foundation
import GRDB
import GRDBSQLite
import Logging
import Synchronization

/// Copies a SQLite store's WAL into the database from a connection of its own, so that the writer
/// does not.
///
/// By default SQLite checkpoints when a commit leaves 1,000 pages or more in the WAL, on the
/// committing connection: GRDB's one writer. A checkpoint ends with `fdatasync` of the WAL and of the
/// database, which usually takes a millisecond but, on a busy disk, took up to 1.6 s; every write
/// waited behind it, and in `intake run` with thousands of assets, every poll in flight and every
/// fire due did too (`Benchmarks/README.md`, scheduler). Here the writer's commits only report the
/// WAL's length (``Hook/install(on:)``, SQLite's WAL hook): past ``backgroundFrames`` a PASSIVE checkpoint
/// runs on the checkpointer's own connection and thread, which never blocks the writer. Only a WAL
/// that reaches ``writerFrames`` (a writer that never pauses outruns the checkpointer, as in a first
/// ingest) is checkpointed by the writer itself, which bounds the WAL. The writer still syncs the
/// WAL's header when it starts the WAL again after a checkpoint: one sync per cycle instead of three.
final class SQLiteCheckpointer: Sendable {
    private let queue: DatabaseQueue
    private let wrote: AsyncStream<Void>.Continuation
    private let task: Task<Void, Never>

    /// WAL pages after which a commit asks for a background checkpoint (SQLite's default threshold).
    static let backgroundFrames: Int32 = 1_000
    /// WAL pages after which the writer checkpoints itself.
    static let writerFrames: Int32 = 4_000

    init(path: String, logger: Logger) throws {
        var config = Configuration()
        config.label = "intake.store.checkpoint"
        let queue = try DatabaseQueue(path: path, configuration: config)
        self.queue = queue
        let (writes, wrote) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.wrote = wrote
        task = Task.detached(priority: .utility) {
            for await _ in writes {
                if Task.isCancelled { return }
                do {
                    _ = try await queue.writeWithoutTransaction { db in try db.checkpoint(.passive) }
                } catch {
                    // The writer's own checkpoint still bounds the WAL; say why this one failed.
                    logger.debug("background WAL checkpoint failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// Asks for a checkpoint (several asks before it runs make one).
    func request() {
        wrote.yield()
    }

    /// Where the writer's commits report the WAL's length; set before the connections open.
    final class Hook: Sendable {
        private let target = Mutex<SQLiteCheckpointer?>(nil)
        let backgroundFrames: Int32
        let writerFrames: Int32

        init(backgroundFrames: Int32 = SQLiteCheckpointer.backgroundFrames, writerFrames: Int32 = SQLiteCheckpointer.writerFrames) {
            self.backgroundFrames = backgroundFrames
            self.writerFrames = writerFrames
        }

        func attach(_ checkpointer: SQLiteCheckpointer?) { target.withLock { $0 = checkpointer } }

        /// Replaces SQLite's automatic checkpoint on `db`'s connection with this hook.
        func install(on db: Database) {
            sqlite3_wal_hook(db.sqliteConnection, { context, connection, name, frames in
                guard let context else { return SQLITE_OK }
                let hook = Unmanaged<Hook>.fromOpaque(context).takeUnretainedValue()
                let checkpointer = hook.target.withLock { $0 }
                if frames >= hook.writerFrames || (checkpointer == nil && frames >= hook.backgroundFrames) {
                    // Bounds the WAL when the checkpointer cannot keep up (or is not there).
                    sqlite3_wal_checkpoint_v2(connection, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
                } else if frames >= hook.backgroundFrames {
                    checkpointer?.request()
                }
                return SQLITE_OK
            }, Unmanaged.passRetained(self).toOpaque())  // retained for good (a connection may outlive its store)
        }
    }

    func close() async {
        wrote.finish()
        task.cancel()
        await task.value
        try? queue.close()
    }
}
