import ArgumentParser
import IntakeConnectors
import IntakeCore
import IntakeScheduler

/// `intake assets list|show|validate`: the configured assets, checked against their apps. Secrets are never printed.
struct AssetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assets", abstract: "List, show and validate the configured assets (secrets are never printed).",
        subcommands: [AssetsListCommand.self, AssetsShowCommand.self, AssetsValidateCommand.self])
}

extension CommandEnvironment {
    var assetCheck: AssetCheck { AssetCheck(loader: loader, secrets: SecretResolver(directory: service.directory)) }
}

struct AssetsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the configured assets and whether each is valid.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print a JSON array.") var json = false

    func run() throws {
        let env = try CommandEnvironment(global)
        let reports = env.loader.assetNames().map(env.assetCheck.check)
        if json {
            printJSON(.array(reports.map { r in
                [
                    "name": .string(r.name), "app": .optional(r.asset?.app), "label": .optional(r.asset?.ingest.label),
                    "enabled": .bool(r.asset?.ingest.enabled ?? false), "schedule": .optional(r.asset.flatMap(AssetsListCommand.schedule)),
                    "valid": .bool(r.isValid), "problems": .array(r.problems.map { .string($0.description) }),
                ]
            }))
            return
        }
        printTable(["ASSET", "APP", "LABEL", "SCHEDULE", "ENABLED", "STATUS"], reports.map { r in
            [r.name, r.asset?.app ?? "", r.asset?.ingest.label ?? "", r.asset.flatMap(AssetsListCommand.schedule) ?? "",
             r.asset.map { $0.ingest.enabled ? "yes" : "no" } ?? "",
             r.isValid ? "valid" : "\(r.problems.count) problem\(r.problems.count == 1 ? "" : "s") (intake assets validate \(r.name))"]
        })
    }

    static func schedule(_ a: AssetConfiguration) -> String? {
        guard let s = a.ingest.schedule else { return nil }
        if let i = s.interval { return "every \(i)" }
        return s.cron.map { "cron \($0)" + (s.timezone.map { " \($0)" } ?? "") }
    }
}

struct AssetsShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one asset with its configuration after defaults (secrets masked).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The asset name.") var asset: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let env = try CommandEnvironment(global)
        let check = env.assetCheck
        let r = check.check(asset)
        guard let a = r.asset else {
            for p in r.problems { printError(p.description) }
            throw ExitCode(1)
        }
        var config = r.configuration ?? ConfigurationValidator.clean(a.configuration)
        if let app = r.app { config = check.displayed(config, app: app) } else { config = JSONObject() }
        let ingest: JSONObject = [
            "label": .optional(a.ingest.label), "mapping": .optional(a.ingest.mapping),
            "schedule": .optional(AssetsListCommand.schedule(a)), "max_containers": a.ingest.maxContainers.map(JSONValue.int) ?? .null,
            "max_artifacts": a.ingest.maxArtifacts.map(JSONValue.int) ?? .null, "lag": .string(a.ingest.lag.description),
            "overlap": .string(a.ingest.overlap.description), "first_run_lookback": .string(a.ingest.firstRun.lookback.description),
            "tenant": .optional(a.ingest.tenant), "enabled": .bool(a.ingest.enabled),
        ]
        if json {
            printJSON(["name": .string(a.name), "app": .string(a.app), "file": .string(a.file), "configuration": .object(config),
                       "ingest": .object(ingest), "valid": .bool(r.isValid), "problems": .array(r.problems.map { .string($0.description) })])
        } else {
            print("asset \(a.name) (app \(a.app), \(a.file))")
            print("\nconfiguration:")
            printTable(["KEY", "VALUE"], config.map { [$0.key, $0.value.textValue] })
            print("\ningest:")
            printTable(["KEY", "VALUE"], ingest.filter { !$0.value.isNull }.map { [$0.key, $0.value.textValue] })
            print("")
            print(r.isValid ? "valid" : r.problems.map(\.description).joined(separator: "\n"))
        }
        if !r.isValid { throw ExitCode(1) }
    }
}

struct AssetsValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check assets against their apps, secrets and mappings (all assets when none is named); problems print as FILE:LINE:COLUMN: message.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Assets to check (default: all).") var assets: [String] = []

    func run() throws {
        let env = try CommandEnvironment(global)
        let names = assets.isEmpty ? env.loader.assetNames() : assets
        var bad = 0
        for name in names {
            let r = env.assetCheck.check(name)
            if r.isValid {
                print("\(name): valid")
            } else {
                bad += 1
                for p in r.problems { print(p.description) }
            }
        }
        if bad > 0 {
            printError("\(bad) of \(names.count) asset\(names.count == 1 ? "" : "s") invalid")
            throw ExitCode(1)
        }
    }
}
