import ArgumentParser
import IntakeCore

/// The `intake` command: parses arguments and prints; the work happens in the libraries.
@main
struct Intake: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intake",
        abstract: "Scheduled SOAR-style ingestion: poll assets, map records to CEF artifacts, store them deduplicated.",
        version: "0.1.0",
        subcommands: [PollCommand.self, TestCommand.self, ContainersCommand.self, ArtifactsCommand.self, RunsCommand.self,
                      MapCommand.self, MappingCommand.self, AppsCommand.self, AssetsCommand.self, QuarantineCommand.self,
                      StateCommand.self, ExportCommand.self, ScheduleCommand.self, RunCommand.self])
}

/// Options every command that reads the configuration takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration directory (default: $INTAKE_CONFIG or ./config).")
    var config: String?

    @Option(name: .long, help: "Store URL, overriding intake.yaml (sqlite:///path.sqlite, postgres://…).")
    var store: String?

    @Option(name: .long, help: "Log level on standard error: trace, debug, info, notice, warning, error.")
    var logLevel: String = "warning"
}
