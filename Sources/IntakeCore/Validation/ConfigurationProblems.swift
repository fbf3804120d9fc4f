/// Every problem configuration validation found, in app order.
public struct ConfigurationProblems: Error, Sendable, Hashable, RandomAccessCollection, CustomStringConvertible {
    public var problems: [ConfigurationValidator.Problem]
    public init(_ problems: [ConfigurationValidator.Problem]) { self.problems = problems }
    public var startIndex: Int { problems.startIndex }
    public var endIndex: Int { problems.endIndex }
    public subscript(position: Int) -> ConfigurationValidator.Problem { problems[position] }
    public var description: String { problems.map(\.description).joined(separator: "; ") }
}
