import IntakeCore

/// The built-in apps' metadata, by app id. Every built-in connector ships its app JSON here, so
/// `intake apps list` shows it and the lifecycle validates its assets against it.
public enum AppCatalog {
    /// The built-in app JSON texts, by app id.
    public static let sources: [(id: String, json: String)] = [("http_json", HTTPJSONApp.json), ("file", FileApp.json)]

    /// The parsed built-in apps; tests keep every bundled JSON valid.
    public static let apps: [AppDefinition] = sources.compactMap { try? AppDefinition(validJSON: $0.json) }

    /// The app with this id.
    public static func app(_ id: String) -> AppDefinition? { apps.first { $0.appid == id } }

    /// The app of an asset, or an error naming the asset file with a suggestion.
    public static func app(for asset: AssetConfiguration) throws(IntakeError) -> AppDefinition {
        if let app = app(asset.app) { return app }
        let ids = apps.map(\.appid)
        throw IntakeError(.configuration, "unknown app '\(asset.app)'", at: asset.file,
                          hint: closestMatch(asset.app, in: ids).map { "did you mean '\($0)'?" }
                            ?? "built-in apps: \(ids.joined(separator: ", "))")
    }
}
