import ArgumentParser
import IntakeCore
import Logging

/// The `intake` command: parses arguments and prints; the work happens in the libraries.
@main
struct Intake: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intake",
        abstract: "Scheduled SOAR-style ingestion: poll assets, map records to CEF artifacts, store them deduplicated.",
        version: IntakeVersion.description,
        subcommands: [PollCommand.self, TestCommand.self, ContainersCommand.self, ArtifactsCommand.self, RunsCommand.self,
                      MapCommand.self, MappingCommand.self, AppsCommand.self, AssetsCommand.self, QuarantineCommand.self,
                      StateCommand.self, ExportCommand.self, StatusCommand.self, ScheduleCommand.self, RunCommand.self])
}

/// Options every command that reads the configuration takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration directory (default: $INTAKE_CONFIG or ./config).")
    var config: String?

    @Option(name: .long, help: "Store URL, overriding intake.yaml (sqlite:///path.sqlite, postgres://…).")
    var store: String?

    @Option(name: .long, help: ArgumentHelp(
        "Log level on standard error: trace, debug, info, notice, warning, error, critical.",
        discussion: "Default: intake.yaml's log_level when it sets one, else warning."))
    var logLevel: String?

    @Option(name: .long, help: "Log format on standard error: human or json (one JSON object per line).")
    var logFormat: LogFormat = .human

    mutating func validate() throws {
        if let l = logLevel, Logger.Level(rawValue: l.lowercased()) == nil {
            throw ValidationError("--log-level '\(l)' is not one of trace, debug, info, notice, warning, error, critical")
        }
    }
}
