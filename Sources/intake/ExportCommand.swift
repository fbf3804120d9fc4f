import ArgumentParser
import Foundation
import IntakeCore
import IntakeScheduler
import IntakeStore

/// `intake export`: containers and artifacts as NDJSON, or artifacts as CEF lines.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export containers with their artifacts (NDJSON) or artifacts as CEF lines.",
        discussion: """
            ndjson: one line per container in SOAR's container JSON, with an "artifacts" array of SOAR artifact JSON. \
            cef: one CEF:0|Intake|Intake|VERSION|LABEL|NAME|SEVERITY|extension line per artifact, the extension being \
            the artifact's cef body. Streams page by page; --output writes FILE (mode 0600) through a temporary file \
            renamed when complete.
            """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this asset's containers.") var asset: String?
    @Option(help: "Only containers with this label.") var label: String?
    @Option(help: "Only containers updated, and artifacts stored, at or after this time: ISO-8601, epoch milliseconds, or relative like -2h.")
    var since: String?
    @Option(help: "ndjson or cef.") var format: String
    @Option(help: "Write to this file instead of standard output.") var output: String?

    func validate() throws {
        guard StoreExport.Format(rawValue: format) != nil else {
            throw ValidationError("--format '\(format)' is not a format: use ndjson or cef")
        }
    }

    func run() async throws {
        try await reportingFailures {
            let sinceTime = try parseSince(since)
            let fmt = StoreExport.Format(rawValue: format)!
            let env = try CommandEnvironment(global)
            let counts = try await env.withStore { store in
                if let asset { try await env.requireKnownAsset(asset, in: store) }
                let sink = try ExportSink(path: output)
                let export = StoreExport(store: store, version: Intake.configuration.version)
                do {
                    let counts = try await export.run(StoreExport.Filter(asset: asset, label: label, since: sinceTime), format: fmt) {
                        (chunk: String) throws(IntakeError) in try sink.write(chunk)
                    }
                    try sink.finish()
                    return counts
                } catch {
                    sink.abandon()
                    throw error
                }
            }
            if let output {
                printError("exported \(counts.containers) containers and \(counts.artifacts) artifacts "
                    + "(\(counts.lines) \(fmt.rawValue) lines) to \(output)")
            }
        }
    }
}
