import Foundation
import IntakeCore

/// Resolves `password` configuration values written as `env:NAME` or `file:PATH` (relative to the
/// configuration directory) and remembers every secret so that a ``Redactor`` can mask it.
/// Errors name the asset and the key, never the value.
public struct SecretResolver: Sendable {
    /// The variables `env:` reads, when given; nil reads the process's environment at each look-up
    /// (a poll that needs no `env:` secret does not copy the environment).
    public var environment: [String: String]?
    /// The configuration directory, against which relative `file:` paths resolve.
    public var directory: String

    public init(directory: String, environment: [String: String]? = nil) {
        self.directory = directory
        self.environment = environment
    }

    /// The value of an environment variable named by `env:`.
    func variable(_ name: String) -> String? {
        if let environment { return environment[name] }
        return getenv(name).map { String(cString: $0) }
    }

    /// How a secret is written, for `assets show`: the reference when it is one, else the mask.
    public enum Reference: Sendable, Hashable {
        case literal
        case env(String)
        case file(String)

        public init(_ text: String) {
            if text.hasPrefix("env:") {
                self = .env(String(text.dropFirst(4)).trimmingSpaces)
            } else if text.hasPrefix("file:") {
                self = .file(String(text.dropFirst(5)).trimmingSpaces)
            } else {
                self = .literal
            }
        }
    }

    /// The configuration with every password value resolved, and the redactor extended with them.
    public func resolve(_ configuration: JSONObject, secretKeys: [String], asset: AssetConfiguration,
                        redactor: inout Redactor) throws(IntakeError) -> JSONObject {
        var out = JSONObject()
        for m in configuration {
            guard secretKeys.contains(m.key), case .string(let text) = m.value else {
                out.append(m.key, m.value)
                continue
            }
            let value = try resolve(text, key: m.key, asset: asset)
            redactor.add(value)
            if text != value { redactor.add(text) }
            out.append(m.key, .string(value))
        }
        return out
    }

    /// How a secret is shown: `********`, `env:NAME (set)`, `env:NAME (not set)`, `file:PATH (readable)`, `file:PATH (unreadable)`.
    public func describe(_ text: String) -> String {
        switch Reference(text) {
        case .literal: return Redactor.mask
        case .env(let name):
            return "env:\(name) (\(variable(name).map { $0.trimmingSpaces.isEmpty ? "empty" : "set" } ?? "not set"))"
        case .file(let path):
            let full = path.hasPrefix("/") ? path : directory + "/" + path
            return "file:\(path) (\(FileManager.default.isReadableFile(atPath: full) ? "readable" : "unreadable"))"
        }
    }

    /// One secret's value.
    public func resolve(_ text: String, key: String, asset: AssetConfiguration) throws(IntakeError) -> String {
        let at = asset.location(ofConfiguration: key)
        switch Reference(text) {
        case .literal:
            return text
        case .env(let name):
            guard !name.isEmpty else {
                throw IntakeError(.secret, "configuration.\(key): 'env:' needs a variable name", at: at)
            }
            guard let v = variable(name), !v.trimmingSpaces.isEmpty else {
                throw IntakeError(.secret, "configuration.\(key): the environment variable \(name) is not set or empty", at: at,
                                  hint: "export \(name) before running intake")
            }
            return v.trimmingSpaces
        case .file(let path):
            guard !path.isEmpty else { throw IntakeError(.secret, "configuration.\(key): 'file:' needs a path", at: at) }
            let full = path.hasPrefix("/") ? path : directory + "/" + path
            guard let data = FileManager.default.contents(atPath: full) else {
                throw IntakeError(.secret, "configuration.\(key): cannot read the secret file \(path)", at: at,
                                  hint: FileManager.default.fileExists(atPath: full) ? "check its permissions" : "the file does not exist")
            }
            guard let s = String(validating: data, as: UTF8.self), !s.trimmingSpaces.isEmpty else {
                throw IntakeError(.secret, "configuration.\(key): the secret file \(path) is empty or not UTF-8", at: at)
            }
            return s.trimmingSpaces
        }
    }
}
