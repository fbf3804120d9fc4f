import Foundation
import IntakeCore

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
