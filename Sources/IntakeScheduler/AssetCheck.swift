import IntakeConnectors
import IntakeCore
import IntakeMapping

/// Everything `intake assets validate` checks about one asset, without contacting it: the file,
/// its app, its configuration against the app JSON (as the lifecycle validates it), its secrets
/// and its mapping file. Each problem is an error located at its file, line and column.
public struct AssetCheck: Sendable {
    public let loader: ConfigLoader
    public let secrets: SecretResolver

    public init(loader: ConfigLoader, secrets: SecretResolver) {
        self.loader = loader
        self.secrets = secrets
    }

    /// One asset's outcome: the asset when it could be read, its validated configuration, and every problem.
    public struct Report: Sendable {
        public var name: String
        public var asset: AssetConfiguration?
        public var app: AppDefinition?
        /// The configuration with defaults applied and values converted; secrets unresolved.
        public var configuration: JSONObject?
        public var problems: [IntakeError]
        public var isValid: Bool { problems.isEmpty }
    }

    public func check(_ name: String) -> Report {
        var report = Report(name: name, problems: [])
        let asset: AssetConfiguration
        do {
            asset = try loader.asset(named: name)
        } catch {
            report.problems.append(error)
            return report
        }
        report.asset = asset
        let app: AppDefinition
        do {
            app = try AppCatalog.app(for: asset)
        } catch {
            report.problems.append(error)
            return report
        }
        report.app = app
        let validator = ConfigurationValidator(app: app)
        switch validator.validate(asset.configuration) {
        case .failure(let problems):
            report.problems += ConfigurationValidator.errors(problems, asset: asset)
        case .success(let config):
            report.configuration = config
            for key in validator.secretKeys {
                guard let text = config[key]?.stringValue else { continue }
                do { _ = try secrets.resolve(text, key: key, asset: asset) } catch { report.problems.append(error) }
            }
            if let version = config["product_version"]?.stringValue, !version.isEmpty {
                for name in Set(app.actions.map(\.action)).sorted() {
                    do { _ = try app.selectAction(named: name, productVersion: version) } catch {
                        report.problems.append(error.located(asset.location(ofConfiguration: "product_version")))
                    }
                }
            }
        }
        if let settings = asset.ingest.schedule {
            do { _ = try Schedule(settings: settings, asset: asset.name, location: asset.file) } catch { report.problems.append(error) }
        }
        if ConnectorRegistry.connector(for: asset.app) == nil {
            report.problems.append(IntakeError(.configuration, "app '\(asset.app)' has no connector in this build", at: asset.file))
        }
        do {
            let path = try loader.mappingPath(for: asset)
            _ = try Mapping.load(path: path, displayName: loader.display(path))
        } catch let e as MappingLoadError {
            report.problems.append(e.intakeError)
        } catch let e as IntakeError {
            report.problems.append(e)
        } catch {
            report.problems.append(IntakeError.wrap(error, code: .configuration, at: asset.file))
        }
        return report
    }

    /// The configuration as `assets show` prints it: every password value replaced by ``SecretResolver/describe(_:)``.
    public func displayed(_ configuration: JSONObject, app: AppDefinition) -> JSONObject {
        let secretKeys = ConfigurationValidator(app: app).secretKeys
        var out = JSONObject()
        for m in configuration {
            if secretKeys.contains(m.key) {
                out.append(m.key, .string(secrets.describe(m.value.textValue)))
            } else if case .object(let o) = m.value {
                out.append(m.key, .object(AssetCheck.maskingSensitiveNames(o)))
            } else {
                out.append(m.key, m.value)
            }
        }
        return out
    }

    /// Header and query values whose names suggest a credential (`Authorization`, `X-API-Key`,
    /// `access_token`, …) are masked too: users put secrets there although the app has password keys.
    static func maskingSensitiveNames(_ object: JSONObject) -> JSONObject {
        var out = JSONObject()
        for m in object {
            let name = m.key.lowercased()
            let sensitive = ["authorization", "cookie", "token", "secret", "password", "passwd", "api-key", "api_key", "apikey"]
                .contains { name.contains($0) } || name == "key"
            // A template such as "{{ start_time }}" is not a secret; literal text is.
            let literal = !(m.value.stringValue?.contains("{{") ?? false)
            out.append(m.key, sensitive && literal && !m.value.isEmptyValue ? .string(Redactor.mask) : m.value)
        }
        return out
    }
}
