/// One action parameter (`parameters.NAME`).
public struct ActionParameter: Sendable, Hashable {
    public var name: String
    public var dataType: AppDataType
    public var description: String
    /// Kinds of content (`ip`, `domain`, `sha256`, …); a value passes if any validator accepts it.
    public var contains: [String]
    public var required: Bool
    public var primary: Bool
    public var valueList: [String]?
    public var defaultValue: JSONValue?
    public var order: Int?
    /// The parameter takes several comma-separated values, each validated on its own.
    public var allowList: Bool

    public init(name: String, dataType: AppDataType, description: String = "", contains: [String] = [], required: Bool = false,
                primary: Bool = false, valueList: [String]? = nil, defaultValue: JSONValue? = nil, order: Int? = nil,
                allowList: Bool = false) {
        self.name = name
        self.dataType = dataType
        self.description = description
        self.contains = contains
        self.required = required
        self.primary = primary
        self.valueList = valueList
        self.defaultValue = defaultValue
        self.order = order
        self.allowList = allowList
    }
}
