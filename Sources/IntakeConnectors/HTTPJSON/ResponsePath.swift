import IntakeCore

/// Paths into a response: dotted members with array indexes, `hits.hits[-1].sort` or `items.0.id`;
/// negative indexes count from the end, so a cursor can come from the last record.
enum ResponsePath {
    enum Step: Equatable {
        case member(String)
        case index(Int)
    }

    static func steps(_ path: String) -> [Step] {
        var out: [Step] = []
        for part in path.split(separator: ".") {
            var name = Substring(part)
            var indexes: [Int] = []
            while name.hasSuffix("]"), let open = name.lastIndex(of: "["),
                  let i = Int(name[name.index(after: open)..<name.index(before: name.endIndex)]) {
                indexes.insert(i, at: 0)
                name = name[..<open]
            }
            if !name.isEmpty {
                if let i = Int(name) { out.append(.index(i)) } else { out.append(.member(String(name))) }
            }
            out += indexes.map(Step.index)
        }
        return out
    }

    /// The value at `path`; nil when a step is missing. `.` or the empty path is the value itself.
    static func value(_ root: JSONValue, at path: String) -> JSONValue? {
        var v = root
        for step in steps(path == "." ? "" : path) {
            switch (step, v) {
            case (.member(let m), .object(let o)):
                guard let next = o[m] else { return nil }
                v = next
            case (.index(let i), .array(let a)):
                let j = i < 0 ? a.count + i : i
                guard j >= 0, j < a.count else { return nil }
                v = a[j]
            default:
                return nil
            }
        }
        return v
    }
}
