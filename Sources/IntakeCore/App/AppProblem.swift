/// One problem in an app JSON, at a JSON path such as `$.actions[1].parameters.ip.data_type`.
public struct AppProblem: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var message: String
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
}
