/// One asset configuration variable (`configuration.NAME` in the app JSON).
public struct ConfigurationVariable: Sendable, Hashable {
    public var name: String
    public var dataType: AppDataType
    public var description: String
    public var required: Bool
    public var valueList: [String]?
    public var defaultValue: JSONValue?
    public var order: Int?

    public init(name: String, dataType: AppDataType, description: String = "", required: Bool = false,
                valueList: [String]? = nil, defaultValue: JSONValue? = nil, order: Int? = nil) {
        self.name = name
        self.dataType = dataType
        self.description = description
        self.required = required
        self.valueList = valueList
        self.defaultValue = defaultValue
        self.order = order
    }
}
