extension AppDefinition {
    /// The implementation of action `name` (e.g. `on poll`) for an asset of product version `version`:
    /// the first action of that name whose `versions` match.
    public func selectAction(named name: String, productVersion version: String?) throws(IntakeError) -> AppAction {
        let candidates = actions.filter { $0.action == name || $0.identifier == name }
        guard !candidates.isEmpty else {
            throw IntakeError(.configuration, "app '\(appid)' has no action '\(name)'",
                              hint: "its actions: \(actions.map(\.action).joined(separator: ", "))")
        }
        if let hit = candidates.first(where: { $0.versions.matches(version) }) { return hit }
        let shown = version.map { "'\($0)'" } ?? "(no product_version set)"
        throw IntakeError(.configuration,
                          "no implementation of '\(name)' in app '\(appid)' supports product version \(shown)",
                          hint: "supported: \(candidates.map(\.versions.description).joined(separator: ", ")); set configuration.product_version to a matching version")
    }
}
