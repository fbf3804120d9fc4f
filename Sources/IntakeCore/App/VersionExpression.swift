/// An action's `versions` expression: `EQ(*)`, `EQ(12.*)`, `NEQ(12.*)`, `IN(12.*, 13.*)`, `NIN(12.*, 13.*)`.
/// Patterns are matched whole; `*` stands for any run of characters and `?` for one.
public struct VersionExpression: Sendable, Hashable, CustomStringConvertible {
    public enum Function: String, Sendable, Hashable, CaseIterable {
        case eq = "EQ", neq = "NEQ", `in` = "IN", nin = "NIN"
    }

    public var function: Function
    public var patterns: [String]

    public init(function: Function, patterns: [String]) {
        self.function = function
        self.patterns = patterns
    }

    /// `EQ(*)`: every version.
    public static let any = VersionExpression(function: .eq, patterns: ["*"])

    /// Parses an expression; nil when it is not one of the four functions with at least one pattern.
    public init?(parsing text: String) {
        let t = text.trimmingSpaces
        guard let open = t.firstIndex(of: "("), t.hasSuffix(")"),
              let function = Function(rawValue: t[..<open].trimmingSpaces.uppercased()) else { return nil }
        let inner = t[t.index(after: open)..<t.index(before: t.endIndex)]
        let patterns = inner.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces }
        guard !patterns.isEmpty, !patterns.contains(where: \.isEmpty) else { return nil }
        if (function == .eq || function == .neq) && patterns.count != 1 { return nil }
        self.init(function: function, patterns: patterns)
    }

    public var description: String { "\(function.rawValue)(\(patterns.joined(separator: ", ")))" }

    /// Whether an asset's product version satisfies the expression. An asset that states no version
    /// is taken to be of an unknown version: only `*` patterns match it, so `EQ(*)` and `NEQ(12.*)` hold.
    public func matches(_ version: String?) -> Bool {
        let hit = patterns.contains { p in
            guard let v = version?.trimmingSpaces, !v.isEmpty else { return p.allSatisfy { $0 == "*" } }
            return VersionExpression.glob(p, v)
        }
        switch function {
        case .eq, .in: return hit
        case .neq, .nin: return !hit
        }
    }

    /// Whole-string glob match with `*` and `?`.
    static func glob(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern), t = Array(text)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count && (p[pi] == "?" || p[pi] == t[ti]) {
                pi += 1; ti += 1
            } else if pi < p.count && p[pi] == "*" {
                star = pi; mark = ti; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; ti = mark
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
