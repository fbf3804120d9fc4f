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
            let store = try await env.openStore()
            do {
                if let asset { try await env.requireKnownAsset(asset, in: store) }
                let sink = try ExportSink(path: output)
                let export = StoreExport(store: store, version: Intake.configuration.version)
                let counts: StoreExport.Counts
                do {
                    counts = try await export.run(StoreExport.Filter(asset: asset, label: label, since: sinceTime), format: fmt) {
                        (chunk: String) throws(IntakeError) in try sink.write(chunk)
                    }
                    try sink.finish()
                } catch {
                    sink.abandon()
                    throw error
                }
                await store.close()
                if let output {
                    printError("exported \(counts.containers) containers and \(counts.artifacts) artifacts "
                        + "(\(counts.lines) \(fmt.rawValue) lines) to \(output)")
                }
            } catch {
                await store.close()
                throw error
            }
        }
    }
}

/// Buffered output to standard output or to a file written through a temporary file.
final class ExportSink {
    let path: String?
    let temporary: String?
    let handle: FileHandle
    var buffer: [UInt8] = []

    init(path: String?) throws(IntakeError) {
        self.path = path
        guard let path else {
            temporary = nil
            handle = FileHandle.standardOutput
            return
        }
        let tmp = path + ".partial"
        guard FileManager.default.createFile(atPath: tmp, contents: nil, attributes: [.posixPermissions: 0o600]),
              let h = FileHandle(forWritingAtPath: tmp) else {
            throw IntakeError(.invalidArgument, "cannot create the export file", at: tmp,
                              hint: "check that the directory exists and is writable")
        }
        temporary = tmp
        handle = h
    }

    func write(_ chunk: String) throws(IntakeError) {
        buffer.append(contentsOf: chunk.utf8)
        if buffer.count >= 1 << 16 { try flush() }
    }

    func flush() throws(IntakeError) {
        guard !buffer.isEmpty else { return }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw IntakeError(.invalidArgument, "cannot write the export: \(error.localizedDescription)", at: temporary ?? "standard output")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and, for a file, moves the temporary file into place.
    func finish() throws(IntakeError) {
        try flush()
        guard let path, let temporary else { return }
        try? handle.close()
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw IntakeError(.invalidArgument, "cannot move the export into place: \(reason)", at: path)
        }
    }

    /// Removes a partial file after a failure.
    func abandon() {
        guard let temporary else { return }
        try? handle.close()
        try? FileManager.default.removeItem(atPath: temporary)
    }
}
