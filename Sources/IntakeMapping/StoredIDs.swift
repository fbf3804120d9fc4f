/// The ids a store holds for a batch's containers and artifacts (nil where nothing is stored),
/// in the batch's order: what `intake map --store` compares with.
public struct StoredIDs: Sendable {
    public var containers: [Int64?]
    public var artifacts: [[Int64?]]
    public init(containers: [Int64?] = [], artifacts: [[Int64?]] = []) {
        self.containers = containers
        self.artifacts = artifacts
    }
}
