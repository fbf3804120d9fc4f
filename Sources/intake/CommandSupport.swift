import ArgumentParser
import Foundation
import IntakeCore
import IntakeOperations
import IntakeScheduler
import IntakeStore
import Logging

/// What a command needs: the loaded configuration, a logger and, on demand, the store.
struct CommandEnvironment {
    let loader: ConfigLoader
    let service: ServiceConfiguration
    let logger: Logger

    init(_ options: GlobalOptions) throws {
        let loader = ConfigLoader(directory: options.config)
        self.loader = loader
        let loaded = Result { () throws(IntakeError) in try loader.service() }
        let level = CommandEnvironment.logLevel(option: options.logLevel, service: try? loaded.get())
        LoggingSystem.bootstrapOnce(level: level, format: options.logFormat)
        var logger = Logger(label: "intake")
        logger.logLevel = level
        self.logger = logger
        var service: ServiceConfiguration
        do {
            service = try loaded.get()
        } catch {
            printError(error.description)
            throw ExitStatus.configuration
        }
        if let s = options.store { service.store = s }
        self.service = service
    }

    /// `--log-level` wins; else intake.yaml's `log_level` when it sets one; else warning, so that
    /// interactive commands keep standard error quiet.
    static func logLevel(option: String?, service: ServiceConfiguration?) -> Logger.Level {
        if let option, let l = Logger.Level(rawValue: option.lowercased()) { return l }
        if let service, service.logLevelIsSet, let l = Logger.Level(rawValue: service.logLevel) { return l }
        return .warning
    }

    /// Opens the store; a store that cannot be opened exits with status 69.
    func openStore() async throws -> any Store {
        do {
            return try await StoreFactory.open(url: service.store, configDirectory: service.directory, logger: logger)
        } catch {
            printError(error.description)
            throw ExitStatus.storeUnavailable
        }
    }
}

extension LoggingSystem {
    nonisolated(unsafe) private static var bootstrapped = false
    /// Logs go to standard error so that standard output stays clean for `--json`.
    /// Called once per process from the main command before any concurrency starts.
    static func bootstrapOnce(level: Logger.Level, format: LogFormat) {
        guard !bootstrapped else { return }
        bootstrapped = true
        bootstrap { label in
            switch format {
            case .human:
                var h = StreamLogHandler.standardError(label: label)
                h.logLevel = level
                return h
            case .json:
                var h = JSONLogHandler(label: label)
                h.logLevel = level
                return h
            }
        }
    }
}

/// Prints JSON to standard output, pretty.
func printJSON(_ value: JSONValue) {
    print(JSONWriter.string(value, style: .pretty))
}

/// Prints rows as an aligned text table.
func printTable(_ header: [String], _ rows: [[String]]) {
    var widths = header.map(\.count)
    for r in rows {
        for (i, c) in r.enumerated() where i < widths.count { widths[i] = min(max(widths[i], c.count), 60) }
    }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, c in
            let cut = c.count > 60 ? String(c.prefix(59)) + "…" : c
            return i == cells.count - 1 ? cut : cut.padding(toLength: widths[i], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }
    print(line(header))
    for r in rows { print(line(r)) }
}

/// Standard error, for messages that are not the command's output.
func printError(_ message: String) {
    FileHandle.standardError.write(Data(("intake: " + message + "\n").utf8))
}
