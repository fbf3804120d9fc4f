/// The validators behind action parameters' `contains` (seed 001): a value is valid if any of the
/// parameter's contains types accepts it; an unknown or absent contains type adds no check.
/// Connectors can register their own validator for a type or replace one.
public struct ContainsValidators: Sendable {
    /// Accepts or rejects one value (already stripped, never empty).
    public typealias Validator = @Sendable (String) -> Bool

    private var validators: [String: Validator]

    public init(_ validators: [String: Validator] = [:]) {
        self.validators = Dictionary(uniqueKeysWithValues: validators.map { ($0.key.lowercased(), $0.value) })
    }

    /// SOAR's built-in contains types.
    public static let standard = ContainsValidators([
        "ip": NetworkValidation.isIP, "ipv6": NetworkValidation.isIPv6Address,
        "domain": NetworkValidation.isDomain, "host name": NetworkValidation.isHostName,
        "url": NetworkValidation.isURL, "email": NetworkValidation.isEmail,
        "mac address": NetworkValidation.isMACAddress, "port": NetworkValidation.isPort,
        "md5": { HashValidation.isHex($0, length: 32) }, "sha1": { HashValidation.isHex($0, length: 40) },
        "sha256": { HashValidation.isHex($0, length: 64) }, "sha512": { HashValidation.isHex($0, length: 128) },
        "hash": HashValidation.isHash,
    ])

    /// The same set with `validator` for `type`, replacing any built-in one.
    public func registering(_ type: String, _ validator: @escaping Validator) -> ContainsValidators {
        var copy = self
        copy.validators[type.lowercased()] = validator
        return copy
    }

    /// The validator for a contains type, if one is known.
    public func validator(for type: String) -> Validator? { validators[type.lowercased()] }

    /// The contains types with a validator.
    public var types: [String] { validators.keys.sorted() }

    /// True when `contains` is empty, names no known type, or any known type accepts `value`.
    public func accepts(_ value: String, contains: [String]) -> Bool {
        let known = contains.compactMap(validator(for:))
        return known.isEmpty || known.contains { $0(value) }
    }
}
