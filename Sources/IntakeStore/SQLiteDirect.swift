import GRDB
import GRDBSQLite

/// Runs a prepared GRDB statement with its values bound through SQLite's C API: for the statements
/// a save runs once per artifact, where building GRDB's `StatementArguments` (a boxed value per
/// column) cost more than SQLite's own work. Only for statements GRDB prepared on the same
/// connection, inside the caller's transaction.
struct SQLiteDirect {
    private let statement: Statement
    private let handle: SQLiteStatement
    private var index: Int32 = 0

    /// SQLite copies bound text at once (`SQLITE_TRANSIENT`), so the Swift string need not outlive the call.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    /// Starts a run of `statement` (reset, ready for its values from the first column on). Bind
    /// the values in order, then ``step(in:)``. Written out rather than as a closure that binds:
    /// a closure captures what it binds from, and captured drafts were copied once per artifact.
    init(_ statement: Statement) {
        self.statement = statement
        self.handle = statement.sqliteStatement
        sqlite3_reset(handle)
    }

    mutating func bind(_ value: Int64) {
        index += 1
        sqlite3_bind_int64(handle, index, value)
    }

    mutating func bind(_ value: String?) {
        index += 1
        guard var value else {
            sqlite3_bind_null(handle, index)
            return
        }
        value.withUTF8 { u in
            if let base = u.baseAddress, u.count > 0 {
                base.withMemoryRebound(to: CChar.self, capacity: u.count) {
                    _ = sqlite3_bind_text(handle, index, $0, Int32(u.count), SQLiteDirect.transient)
                }
            } else {
                _ = sqlite3_bind_text(handle, index, "", 0, SQLiteDirect.transient)
            }
        }
    }

    /// Steps the statement once with the values bound: true when it produced a row (a look-up that
    /// found something), false when it finished. Errors carry SQLite's message and the SQL.
    @discardableResult
    func step(in db: Database) throws -> Bool {
        let rc = sqlite3_step(handle)
        defer { sqlite3_reset(handle) }
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let message = sqlite3_errmsg(db.sqliteConnection).map { String(cString: $0) }
            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: message, sql: statement.sql)
        }
    }
}
