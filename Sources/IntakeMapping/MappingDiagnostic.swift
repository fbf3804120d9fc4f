import IntakeCore

/// One problem in a mapping file, printed as `FILE:LINE:COLUMN: message`.
public struct MappingDiagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }
    public var location: String
    public var message: String
    public var severity: Severity

    public init(location: String, message: String, severity: Severity = .error) {
        self.location = location
        self.message = message
        self.severity = severity
    }

    public var description: String { "\(location): \(severity == .warning ? "warning: " : "")\(message)" }

    /// The line and column at the end of ``location`` (`FILE:LINE:COLUMN`); nil for a location
    /// that names only the file.
    var position: (line: Int, column: Int)? {
        let parts = location.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, let line = Int(parts[parts.count - 2]), let column = Int(parts[parts.count - 1]) else { return nil }
        return (line, column)
    }

    /// `diagnostics` by their place in the file, those without one first; ties keep their order.
    static func inFileOrder(_ diagnostics: [MappingDiagnostic]) -> [MappingDiagnostic] {
        diagnostics.enumerated().sorted { a, b in
            let pa = a.element.position ?? (0, 0), pb = b.element.position ?? (0, 0)
            if pa.line != pb.line { return pa.line < pb.line }
            if pa.column != pb.column { return pa.column < pb.column }
            return a.offset < b.offset
        }.map(\.element)
    }
}

/// A mapping file that does not compile: every error found, not just the first.
public struct MappingLoadError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [MappingDiagnostic]
    /// Warnings found alongside the errors (custom CEF keys without cef_types, …).
    public var warnings: [MappingDiagnostic]
    public init(_ diagnostics: [MappingDiagnostic], warnings: [MappingDiagnostic] = []) {
        self.diagnostics = diagnostics
        self.warnings = warnings
    }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }

    public var intakeError: IntakeError {
        IntakeError(.mapping, diagnostics.count == 1 ? diagnostics[0].message : "\(diagnostics.count) errors:\n" + description,
                    at: diagnostics.count == 1 ? diagnostics[0].location : nil)
    }
}
