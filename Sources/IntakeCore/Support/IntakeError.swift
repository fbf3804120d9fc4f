/// Every error Intake reports to a user: a code to match on, a message that says what failed,
/// where it failed (file:line:column, asset, URL without credentials), and what to do about it.
///
/// Messages are built redacted: callers never put secrets in them, and ``Redactor`` scrubs
/// text that came from outside (server bodies, curl messages) before it lands here.
public struct IntakeError: Error, Sendable, CustomStringConvertible, Equatable {
    /// A stable, machine-matchable category.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let configuration = Code(rawValue: "configuration")
        public static let mapping = Code(rawValue: "mapping")
        public static let json = Code(rawValue: "json")
        public static let http = Code(rawValue: "http")
        public static let tls = Code(rawValue: "tls")
        public static let timeout = Code(rawValue: "timeout")
        public static let connection = Code(rawValue: "connection")
        public static let store = Code(rawValue: "store")
        public static let connector = Code(rawValue: "connector")
        public static let notFound = Code(rawValue: "not_found")
        public static let invalidArgument = Code(rawValue: "invalid_argument")
        public static let secret = Code(rawValue: "secret")
        public static let cancelled = Code(rawValue: "cancelled")
    }

    public var code: Code
    public var message: String
    /// Where: a `file:line:column`, an asset, a URL without credentials.
    public var location: String?
    /// What the user can do about it.
    public var hint: String?

    public init(_ code: Code, _ message: String, at location: String? = nil, hint: String? = nil) {
        self.code = code
        self.message = message
        self.location = location
        self.hint = hint
    }

    public var description: String {
        var s = location.map { "\($0): \(message)" } ?? message
        if let hint { s += " (\(hint))" }
        return s
    }

    /// The same error with a location prepended, e.g. the asset around a connector's error.
    public func located(_ outer: String) -> IntakeError {
        var e = self
        e.location = location.map { "\(outer): \($0)" } ?? outer
        return e
    }
}

extension IntakeError {
    /// Wraps any error as an IntakeError, keeping IntakeErrors as they are.
    public static func wrap(_ error: any Error, code: Code = .connector, at location: String? = nil) -> IntakeError {
        if let e = error as? IntakeError { return location.map { e.located($0) } ?? e }
        return IntakeError(code, String(describing: error), at: location)
    }
}
