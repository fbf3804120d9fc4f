import ArgumentParser
import Foundation
import IntakeConnectors
import IntakeCore

/// `intake apps list|show|validate`: the built-in apps' SOAR metadata.
struct AppsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apps", abstract: "Show the built-in apps (SOAR app JSON) or validate an app JSON file.",
        subcommands: [AppsListCommand.self, AppsShowCommand.self, AppsValidateCommand.self])
}

struct AppsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the built-in apps.")
    @Flag(help: "Print a JSON array of the app JSONs.") var json = false

    func run() throws {
        if json {
            printJSON(.array(AppCatalog.apps.map(\.json)))
            return
        }
        printTable(["APP", "NAME", "TYPE", "VERSION", "CONNECTOR", "ACTIONS"], AppCatalog.apps.map { app in
            [app.appid, app.name, app.type, app.appVersion, ConnectorRegistry.connector(for: app.appid) == nil ? "no" : "yes",
             app.actions.map(\.action).joined(separator: ", ")]
        })
    }
}

struct AppsShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one app: configuration keys and actions.")
    @Argument(help: "The app id, e.g. http_json.") var app: String
    @Flag(help: "Print the app JSON.") var json = false

    func run() throws {
        guard let app = AppCatalog.app(self.app) else {
            let ids = AppCatalog.apps.map(\.appid)
            let hint = closestMatch(self.app, in: ids).map { "did you mean '\($0)'?" } ?? "built-in apps: \(ids.joined(separator: ", "))"
            printError("no app '\(self.app)' (\(hint))")
            throw ExitCode(1)
        }
        if json {
            printJSON(app.json)
            return
        }
        print("\(app.name) (\(app.appid)) \(app.appVersion): \(app.description)")
        print("product: \(app.productVendor) \(app.productName), versions \(app.productVersionRegex); publisher \(app.publisher), \(app.license)")
        print("\nconfiguration:")
        printTable(["KEY", "TYPE", "REQUIRED", "DEFAULT", "VALUES", "DESCRIPTION"], app.configuration.map { v in
            [v.name, v.dataType.rawValue, v.required ? "yes" : "", v.defaultValue?.textValue ?? "",
             v.valueList?.joined(separator: "|") ?? "", v.description]
        })
        for action in app.actions {
            print("\naction '\(action.action)' (\(action.identifier), \(action.type.rawValue), versions \(action.versions)): \(action.description)")
            if !action.parameters.isEmpty {
                printTable(["PARAMETER", "TYPE", "REQUIRED", "CONTAINS", "DESCRIPTION"], action.parameters.map { p in
                    [p.name, p.dataType.rawValue + (p.allowList ? " list" : ""), p.required ? "yes" : "", p.contains.joined(separator: ", "),
                     p.description]
                })
            }
        }
    }
}

struct AppsValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Validate an app JSON file; every problem is printed with its JSON path.")
    @Argument(help: "The app JSON file.") var file: String

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            printError("\(file): cannot read the file")
            throw ExitCode(1)
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            printError("\(file): the file is not valid UTF-8")
            throw ExitCode(1)
        }
        let (app, problems) = AppDefinition.parse(text: text)
        if let app {
            print("\(file): valid app '\(app.appid)' with \(app.configuration.count) configuration keys and \(app.actions.count) actions")
            return
        }
        for p in problems { print("\(file): \(p.path): \(p.message)") }
        printError("\(file): \(problems.count) problem\(problems.count == 1 ? "" : "s")")
        throw ExitCode(1)
    }
}
