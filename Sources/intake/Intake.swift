import ArgumentParser
import CIntakeAllocator
import IntakeCore
import Logging

#if os(Linux)
import Glibc
#endif

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

    /// Built with jemalloc (the default, see `Sources/CIntakeAllocator`), `intake` just runs. Built
    /// on glibc's malloc (`INTAKE_ALLOCATOR=system`), it runs with glibc capped at two malloc arenas
    /// (unless `MALLOC_ARENA_MAX` is set already): pages are mapped on several threads at once and
    /// glibc gives each thread an arena of its own, whose freed memory stays resident; a
    /// 1,000,000-record poll peaked at 145–150 MB with the default and at 130 MB with two arenas.
    /// glibc reads the cap when the first extra arena is made, which the Swift runtime's threads do
    /// before `main`, so the process starts itself again with the variable set (once; if that fails
    /// it simply goes on).
    static func main() async {
        #if os(Linux)
        if intake_jemalloc_version() == nil && getenv("MALLOC_ARENA_MAX") == nil {
            setenv("MALLOC_ARENA_MAX", "2", 1)
            let args = CommandLine.arguments.map { strdup($0) } + [nil]
            execv("/proc/self/exe", args)
            // Only reached when exec failed: carry on in this process, with glibc's defaults.
        }
        #endif
        await Self.main(nil)
    }
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
