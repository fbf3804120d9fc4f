import IntakeCore
import IntakeStore
import Logging

/// Opens the store a URL names.
public enum StoreFactory {
    public static func open(url: String, configDirectory: String, logger: Logger) async throws(IntakeError) -> any Store {
        let location = try StoreLocation(url: url, baseDirectory: configDirectory)
        switch location {
        case .sqlite(let path):
            return try await SQLiteStore(path: path, logger: logger)
        case .postgres(let url):
            return try await PostgresStore(url: url, logger: logger)
        }
    }
}
