import Foundation
import IntakeCore

/// Reads a configuration directory: `intake.yaml`, `assets/NAME.yaml`, `mappings/`, `certs/*.pem`.
public struct ConfigLoader: Sendable {
    /// The configuration directory, absolute.
    public let directory: String

    /// - Parameter directory: `--config`, else `INTAKE_CONFIG`, else `./config`.
    public init(directory: String?) {
        let env = ProcessInfo.processInfo.environment["INTAKE_CONFIG"]
        let dir = directory ?? env ?? "config"
        directory_ = dir
        self.directory = ConfigLoader.absolute(dir)
    }

    private let directory_: String

    static func absolute(_ path: String) -> String {
        var p = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return (p as NSString).standardizingPath
    }

    /// A path as messages show it: relative to the working directory when below it.
    public func display(_ path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        return path.hasPrefix(cwd) ? String(path.dropFirst(cwd.count)) : path
    }

    static func readText(_ path: String, shown: String) throws(IntakeError) -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IntakeError(.configuration, "cannot read the file (check its permissions)", at: shown)
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw IntakeError(.configuration, "the file is not valid UTF-8", at: shown)
        }
        return text
    }

    /// The service settings; defaults when `intake.yaml` is absent.
    public func service() throws(IntakeError) -> ServiceConfiguration {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw IntakeError(.configuration, "the configuration directory does not exist", at: display(directory),
                              hint: "pass --config DIR or set INTAKE_CONFIG")
        }
        let path = directory + "/intake.yaml"
        guard let text = try ConfigLoader.readText(path, shown: display(path)) else { return ServiceConfiguration(directory: directory) }
        let doc = try YAMLDocument(text: text, file: display(path))
        var service = try ServiceConfiguration(directory: directory, document: doc)
        if let env = ProcessInfo.processInfo.environment["INTAKE_STORE"], !env.isEmpty { service.store = env }
        return service
    }

    /// The names of the configured assets (`assets/*.yaml`), sorted.
    public func assetNames() -> [String] {
        let dir = directory + "/assets"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return files.filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.hasPrefix(".") }
            .map { String($0.prefix(upTo: $0.lastIndex(of: ".")!)) }.sorted()
    }

    /// Asset files already read, by path: one is parsed again only when its text changed.
    static let assets = FileTextCache<AssetConfiguration>()

    /// Reads and checks one asset file (parsed again only when its text changed since the last read).
    public func asset(named name: String) throws(IntakeError) -> AssetConfiguration {
        guard AssetConfiguration.isValidName(name) else {
            throw IntakeError(.invalidArgument, "'\(name)' is not a valid asset name")
        }
        for ext in ["yaml", "yml"] {
            let path = "\(directory)/assets/\(name).\(ext)"
            let shown = display(path)
            if let text = try ConfigLoader.readText(path, shown: shown) {
                return try ConfigLoader.assets.value(for: path + "\u{0}" + shown, text: text) { () throws(IntakeError) in
                    let doc = try YAMLDocument(text: text, file: shown)
                    let asset = try AssetConfiguration(document: doc, defaultName: name)
                    guard asset.name == name else {
                        throw IntakeError(.configuration, "the file names asset '\(asset.name)' but is called \(name).\(ext)",
                                          at: shown, hint: "make 'name' match the file name")
                    }
                    return asset
                }
            }
        }
        let known = assetNames()
        throw IntakeError(.notFound, "no asset named '\(name)' in \(display(directory))/assets",
                          hint: known.isEmpty ? "create assets/\(name).yaml" : "known assets: \(known.joined(separator: ", "))")
    }

    /// The mapping file of an asset, resolved against the configuration directory.
    public func mappingPath(for asset: AssetConfiguration) throws(IntakeError) -> String {
        guard let m = asset.ingest.mapping, !m.isEmpty else {
            throw IntakeError(.configuration, "the asset has no ingest.mapping", at: asset.file,
                              hint: "set ingest.mapping to a mapping file such as mappings/\(asset.name).yaml")
        }
        // A plain relative path below the (already absolute and standardised) directory needs no
        // standardising: the scheduler asks for it on every poll.
        let components = m.split(separator: "/", omittingEmptySubsequences: false)
        if !m.hasPrefix("/") && !components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) {
            return directory + "/" + m
        }
        return ConfigLoader.absolute(m.hasPrefix("/") ? m : directory + "/" + m)
    }
}
