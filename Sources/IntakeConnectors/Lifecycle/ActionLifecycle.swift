import IntakeCore
import Logging

/// SOAR's BaseConnector: drives a connector through one action run (seed 001) and builds the
/// connector run result. It never throws; every failure becomes a failed action result.
///
/// 1. Validate the asset configuration (strip, drop empties, required, types, value lists,
///    defaults) and resolve `env:`/`file:` secrets; failure fails every parameter set.
/// 2. Select the action implementation whose `versions` match the asset's `product_version`.
/// 3. `initialize`; failure fails every parameter set.
/// 4. For each parameter set: validate it, take the action's lock, `handle` it into one ActionResult.
/// 5. `finalize` with all results.
/// Every thrown error passes through the connector's `handleException` and is redacted.
public struct ActionLifecycle: Sendable {
    public let app: AppDefinition
    public let locks: LockRegistry
    public let secrets: SecretResolver

    public init(app: AppDefinition, secrets: SecretResolver, locks: LockRegistry = .shared) {
        self.app = app
        self.secrets = secrets
        self.locks = locks
    }

    /// Handles one validated parameter set with the prepared context (validated configuration, redactor with the secrets).
    public typealias Handler = (_ action: AppAction, _ parameters: JSONObject, _ context: ConnectorContext)
        async throws(IntakeError) -> ActionResult

    /// Runs action `actionName` (its name or identifier, e.g. `on poll`) over `parameterSets`.
    public func run(_ connector: any Connector, action actionName: String, parameterSets: [JSONObject],
                    context: ConnectorContext, handle: Handler) async -> ConnectorRunResult {
        var context = context
        func failAll(_ error: IntakeError, _ context: ConnectorContext) async -> ConnectorRunResult {
            let e = context.redactor.redact(await connector.handleException(error, context: context))
            context.logger.error("action failed", metadata: ["action": "\(actionName)", "error": "\(e)"])
            return ConnectorRunResult(actionResults: parameterSets.map {
                ActionResult(status: .failed, message: e.description, parameter: .object($0))
            })
        }

        // 1. Configuration, then secrets.
        let validator = ConfigurationValidator(app: app)
        switch validator.validate(context.asset.configuration) {
        case .failure(let problems):
            return await failAll(ActionLifecycle.configurationError(problems, asset: context.asset), context)
        case .success(let validated):
            do {
                context.asset.configuration = try secrets.resolve(validated, secretKeys: validator.secretKeys, asset: context.asset,
                                                                  redactor: &context.redactor)
            } catch {
                return await failAll(error, context)
            }
        }

        // 2. The implementation for the asset's product version.
        let action: AppAction
        do {
            action = try app.selectAction(named: actionName, productVersion: context.configString("product_version"))
        } catch {
            return await failAll(error.located(context.asset.file.isEmpty ? "asset \(context.asset.name)" : context.asset.file), context)
        }

        // 3. initialize.
        do {
            try await connector.initialize(context)
        } catch {
            return await failAll(IntakeError(error.code, "initialize failed: \(error.message)", at: error.location, hint: error.hint),
                                 context)
        }

        // 4. Each parameter set.
        var results: [ActionResult] = []
        for set in parameterSets {
            let parameters: JSONObject
            switch connector.validateParameters(set, action: action) {
            case .failure(let error):
                let e = context.redactor.redact(await connector.handleException(error, context: context))
                results.append(ActionResult(status: .failed, message: e.description, parameter: .object(set)))
                continue
            case .success(let p):
                parameters = p
            }
            let result: ActionResult
            do throws(IntakeError) {
                if let name = action.lock.name(asset: context.asset.name, parameters: parameters,
                                               configuration: context.asset.configuration) {
                    result = try await locks.withLock(name, timeout: action.lock.timeout, action: action.action) {
                        await ActionLifecycle.handleOne(connector, action, set, parameters, context, handle)
                    }
                } else {
                    result = await ActionLifecycle.handleOne(connector, action, set, parameters, context, handle)
                }
            } catch {
                let e = context.redactor.redact(await connector.handleException(error, context: context))
                result = ActionResult(status: .failed, message: e.description, parameter: .object(set))
            }
            results.append(result)
        }

        // 5. finalize.
        do {
            results = try await connector.finalize(results, context: context)
        } catch {
            let e = context.redactor.redact(await connector.handleException(error, context: context))
            results.append(ActionResult(status: .failed, message: "finalize failed: \(e)", parameter: .object([:])))
        }
        return ConnectorRunResult(actionResults: results.map { r in
            var r = r
            r.message = context.redactor.redact(r.message)
            return r
        })
    }

    static func handleOne(_ connector: any Connector, _ action: AppAction, _ raw: JSONObject, _ parameters: JSONObject,
                          _ context: ConnectorContext, _ handle: Handler) async -> ActionResult {
        do {
            return try await handle(action, parameters, context)
        } catch {
            let e = context.redactor.redact(await connector.handleException(error, context: context))
            context.logger.error("action failed", metadata: ["action": "\(action.identifier)", "error": "\(e)"])
            return ActionResult(status: .failed, message: e.description, parameter: .object(raw))
        }
    }

    /// One error listing every configuration problem, each located at its key in the asset file.
    public static func configurationError(_ problems: ConfigurationProblems, asset: AssetConfiguration) -> IntakeError {
        let errors = ConfigurationValidator.errors(problems, asset: asset)
        if errors.count == 1 { return errors[0] }
        return IntakeError(.configuration, "invalid configuration for app '\(asset.app)': "
                           + errors.map(\.description).joined(separator: "; "), at: asset.file.isEmpty ? "asset \(asset.name)" : asset.file)
    }
}
